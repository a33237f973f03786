// Bundles the mocha integration suite (test/integration/) into dist/test/integration/ for both
// launchers: code-server (test/e2e/integrationSuite.test.ts) and @vscode/test-cli (.vscode-test.mjs).
// Each test file becomes its own bundle so mocha can load and report them separately.
import { build } from 'esbuild';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { repoRoot } from './layout.ts';

const source = join(repoRoot, 'test', 'integration');
const out = join(repoRoot, 'dist', 'test', 'integration');

function entries(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return entries(path);
    return /(^index|\.test)\.ts$/.test(name) ? [path] : [];
  });
}

export async function buildIntegration(): Promise<string> {
  rmSync(out, { recursive: true, force: true });
  await build({
    entryPoints: entries(source).map((path) => ({ in: path, out: relative(source, path).replace(/\.ts$/, '') })),
    outdir: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
    // The editor provides vscode; mocha comes from node_modules (the launcher's runner must share it).
    external: ['vscode', 'mocha'],
  });
  return out;
}

if (resolve(process.argv[1] ?? '') === import.meta.filename) {
  buildIntegration().then(
    (dir) => console.log(`integration suite bundled into ${dir}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
