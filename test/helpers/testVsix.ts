// The linux-x64 .vsix the browser tests install, packaged with `npm run package` at most once per
// change: it is rebuilt when any file that goes into it is newer than the last package.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, vsixDir } from '../../scripts/e2e/layout.ts';

const inputs = ['extension', 'engine', 'webview', 'media', 'package.json', '.vscodeignore', 'README.md', 'LICENSE', 'scripts/build.mjs', 'scripts/package.mjs'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

export function linuxVsixPath(): string {
  const { name, version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string };
  return join(vsixDir, `${name}-linux-x64-${version}.vsix`);
}

/** Packages the linux-x64 .vsix when it is missing or stale; returns its path. */
export function packagedLinuxVsix(): string {
  const file = linuxVsixPath();
  const sourcesChanged = Math.max(...inputs.map((p) => newestMtime(join(repoRoot, p))));
  if (existsSync(file) && statSync(file).mtimeMs > sourcesChanged) return file;
  const result = spawnSync(process.execPath, ['scripts/package.mjs', '--target', 'linux-x64', '--out', vsixDir], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 180_000,
  });
  if (result.status !== 0 || !existsSync(file)) {
    throw new Error(`npm run package --target linux-x64 failed (exit ${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  }
  return file;
}
