// extensionTestsPath entry for the suite that runs in an untrusted workspace (Restricted Mode).
import { runSuite } from '../runSuite';

export function run(): Promise<void> {
  return runSuite(__dirname);
}
