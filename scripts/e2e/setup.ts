// `npm run e2e:setup`: installs what the browser end-to-end tests need, and nothing into $HOME.
//   - Debian packages `chromium` (the browser playwright-core drives) and `libkrb5-dev` (code-server
//     builds a Kerberos module from source) via apt, when missing;
//   - Node 24 from the `node` npm package into .cache/e2e/node24 (code-server 4.139 needs it);
//   - code-server into .cache/e2e/code-server, its native modules built against Node 24's headers.
// Idempotent: when everything is present it returns in well under a second.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  cacheDir,
  codeServerDir,
  codeServerEntry,
  codeServerStamp,
  codeServerVersion,
  isolatedXdgEnv,
  node24Bin,
  node24Dir,
  node24Dist,
  nodeVersion,
} from './layout.ts';

const aptPackages = ['chromium', 'libkrb5-dev'];

function log(message: string): void {
  process.stdout.write(`e2e:setup: ${message}\n`);
}

function run(command: string, args: string[], options: SpawnSyncOptions = {}): void {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw new Error(`${command} could not start: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
}

/** The environment for a nested npm: without the outer `npm test`'s npm_* variables, which would override our flags. */
function cleanNpmEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key)) env[key] = value;
  }
  return { ...env, ...isolatedXdgEnv(), ...extra };
}

function missingAptPackages(): string[] {
  return aptPackages.filter((name) => {
    const query = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
    return !(query.status === 0 && query.stdout.includes('install ok installed'));
  });
}

function installAptPackages(): void {
  const missing = missingAptPackages();
  if (missing.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  const hasSudo = spawnSync('sudo', ['-n', 'true']).status === 0;
  if (!isRoot && !hasSudo) {
    throw new Error(`missing Debian packages ${missing.join(', ')}: run "sudo apt-get install -y ${missing.join(' ')}" and try again`);
  }
  const [command, ...prefixArgs] = isRoot ? ['apt-get'] : ['sudo', '-n', 'apt-get'];
  const apt = (args: string[]) => run(command!, [...prefixArgs, ...args], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  log(`installing ${missing.join(', ')} with apt`);
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', '--no-install-recommends', ...missing]);
}

function installedNodeVersion(): string | undefined {
  if (!existsSync(node24Bin)) return undefined;
  const result = spawnSync(node24Bin, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function installNode24(): void {
  if (installedNodeVersion() === `v${nodeVersion}`) return;
  log(`installing Node ${nodeVersion} from the npm registry into ${node24Dir}`);
  rmSync(node24Dir, { recursive: true, force: true });
  mkdirSync(node24Dir, { recursive: true });
  run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', node24Dir, `node@${nodeVersion}`], { env: cleanNpmEnv({}) });
  if (installedNodeVersion() !== `v${nodeVersion}`) throw new Error(`Node ${nodeVersion} did not install into ${node24Dir}`);
}

function installCodeServer(): void {
  if (existsSync(codeServerStamp) && existsSync(codeServerEntry)) return;
  log(`installing code-server ${codeServerVersion} (builds native modules: a few minutes on 2 cores)`);
  rmSync(codeServerDir, { recursive: true, force: true });
  mkdirSync(codeServerDir, { recursive: true });
  const logFile = join(cacheDir, 'code-server-install.log');
  const out = openSync(logFile, 'w');
  try {
    // Node 24 first on PATH runs npm's lifecycle scripts; its bundled headers let node-gyp build offline.
    const env = cleanNpmEnv({ PATH: `${dirname(node24Bin)}:${process.env.PATH ?? ''}`, npm_config_nodedir: node24Dist });
    const result = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', codeServerDir, `code-server@${codeServerVersion}`], { env, stdio: ['ignore', out, out] });
    if (result.status !== 0 || !existsSync(codeServerEntry)) {
      const tail = readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
      throw new Error(`code-server install failed (full log: ${logFile}):\n${tail}`);
    }
  } finally {
    closeSync(out);
  }
  writeFileSync(codeServerStamp, `${new Date().toISOString()}\n`);
  log('code-server installed');
}

/** Serialises concurrent setups (two `npm test` runs in one tree) with an exclusive lock file. */
async function withLock(action: () => void): Promise<void> {
  const lockFile = join(cacheDir, 'setup.lock');
  mkdirSync(cacheDir, { recursive: true });
  for (;;) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      const holder = Number(readFileSync(lockFile, 'utf8'));
      if (!processAlive(holder)) {
        rmSync(lockFile, { force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    action();
  } finally {
    rmSync(lockFile, { force: true });
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function isE2eSetupComplete(): boolean {
  return missingAptPackages().length === 0 && existsSync(codeServerStamp) && existsSync(codeServerEntry) && existsSync(node24Bin);
}

export async function setupE2e(): Promise<void> {
  if (process.platform !== 'linux') throw new Error('the code-server harness is set up for Linux (Debian) only; elsewhere use `npx vscode-test`');
  await withLock(() => {
    installAptPackages();
    installNode24();
    installCodeServer();
  });
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const started = Date.now();
  setupE2e().then(
    () => log(`ready (${((Date.now() - started) / 1000).toFixed(1)} s)`),
    (error: unknown) => {
      process.stderr.write(`e2e:setup failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
