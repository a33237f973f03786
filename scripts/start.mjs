// `npm start`: runs the extension in development mode.
//   - With VS Code's `code` command on PATH: a new VS Code window with this folder as the extension
//     under development (like F5 in the editor).
//   - Otherwise: code-server in the browser on 127.0.0.1 (installed on first use, see scripts/e2e/).
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const hasCode = spawnSync('code', ['--version'], { stdio: 'ignore', shell: process.platform === 'win32' }).status === 0;
if (hasCode) {
  const code = spawnSync('code', ['--new-window', `--extensionDevelopmentPath=${root}`, root], { stdio: 'inherit', shell: process.platform === 'win32' });
  process.exit(code.status ?? 1);
} else {
  console.log('`code` is not on PATH: serving the extension with code-server instead.');
  const serve = spawn(process.execPath, ['--import', 'tsx', 'scripts/e2e/serve.ts'], { cwd: root, stdio: 'inherit' });
  // Ctrl+C reaches both processes; wait for the server to shut down cleanly. A plain kill is passed on.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => serve.kill('SIGTERM'));
  serve.on('exit', (status) => process.exit(status ?? 0));
}
