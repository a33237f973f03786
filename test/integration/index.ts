// extensionTestsPath entry for the trusted-workspace integration suite.
import { runSuite } from './runSuite';

export function run(): Promise<void> {
  return runSuite(__dirname);
}
