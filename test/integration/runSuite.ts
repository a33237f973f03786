// Runs the mocha test files that sit next to a bundled runner (dist/test/integration[/restricted]/).
// Both launchers use it: code-server loads a runner's `run()` as extensionTestsPath, and the
// @vscode/test-cli configuration points at the same bundled files.
import Mocha from 'mocha';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export function runSuite(dir: string): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000 });
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.test.js')).sort()) mocha.addFile(join(dir, name));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
