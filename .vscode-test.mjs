// Launcher A for the integration suite (test/integration/): @vscode/test-cli downloads VS Code and runs
// the same bundled mocha files as the code-server launcher (test/e2e/integrationSuite.test.ts).
// Needs a machine that can reach VS Code's download server; run it with `npm run test:vscode`.
import { defineConfig } from '@vscode/test-cli';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = import.meta.dirname;
const scratch = join(root, '.cache', 'vscode-test');
const workspace = join(scratch, 'workspace');
const model = join(scratch, 'model');

// A workspace with one source file, and the generated scripted model the suite points the extension at.
mkdirSync(workspace, { recursive: true });
writeFileSync(join(workspace, 'sample.ts'), 'export function add(a: number, b: number): number {\n');
execFileSync(process.execPath, [join(root, 'dist', 'cli.js'), 'fixture', '--kind', 'scripted', '--quant', 'fp32', '--out', model], { stdio: 'ignore' });

const common = {
  workspaceFolder: workspace,
  mocha: { ui: 'tdd', timeout: 60_000 },
  env: { R1_LOCAL_TEST_MODEL: model },
};

export default defineConfig([
  {
    ...common,
    label: 'trusted',
    files: 'dist/test/integration/*.test.js',
    launchArgs: ['--disable-extensions', '--disable-workspace-trust', '--user-data-dir', join(scratch, 'user-data-trusted')],
  },
  {
    ...common,
    label: 'restricted',
    files: 'dist/test/integration/restricted/*.test.js',
    launchArgs: ['--disable-extensions', '--user-data-dir', join(scratch, 'user-data-restricted')],
  },
]);
