// Starts one code-server (a real VS Code workbench served to a browser) on a free 127.0.0.1 port, with
// fresh user-data and extensions folders, in its own process group so that stopping it also ends the
// extension host and everything the extension spawned. Used by the e2e tests and by `npm start`.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { codeServerEntry, isolatedXdgEnv, node24Bin, runsDir } from './layout.ts';

export interface CodeServerOptions {
  /** Names the run's folder under .cache/e2e/runs/ and the log file. */
  name: string;
  /** User settings merged over the quiet defaults below (e.g. `r1Local.modelPath`). */
  settings?: Record<string, unknown>;
  /** A packaged extension to install into the fresh extensions folder before the server starts. */
  vsix?: string;
  /** Leave workspace trust on (the default disables it so that the test folder is trusted). */
  workspaceTrust?: boolean;
  /** Fixed port (`npm start`); tests leave it out and get a free one. */
  port?: number;
  /** Reuse this folder (and an existing settings.json in it) instead of a fresh run folder (`npm start`). */
  persistentDir?: string;
}

export interface CodeServer {
  url: string;
  port: number;
  runDir: string;
  userDataDir: string;
  extensionsDir: string;
  logFile: string;
  /** Ends the whole process group: code-server, its extension hosts and their children. */
  stop(): Promise<void>;
}

/** Settings that keep the workbench from reaching out or opening welcome pages. */
const quietSettings: Record<string, unknown> = {
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
};

/** Ends the shared engine a run's windows started, if any (it would otherwise idle for a minute). */
function stopSharedEngine(runtimeDir: string): void {
  try {
    const { pid } = JSON.parse(readFileSync(join(runtimeDir, 'r1-local', 'daemon.json'), 'utf8')) as { pid?: unknown };
    if (typeof pid === 'number' && pid > 0) process.kill(pid, 'SIGKILL');
  } catch {
    // No engine was started, or it is gone already.
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Run folders hold logs and profiles for looking into failures; only the most recent ones are kept. */
const KEPT_RUNS = 6;

function pruneOldRuns(): void {
  if (!existsSync(runsDir)) return;
  const runs = readdirSync(runsDir)
    .map((name) => ({ path: join(runsDir, name), mtime: statSync(join(runsDir, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const run of runs.slice(KEPT_RUNS)) rmSync(run.path, { recursive: true, force: true });
}

function newRunDir(name: string): string {
  pruneOldRuns();
  const dir = join(runsDir, `${name.replace(/[^\w.-]+/g, '-')}-${Date.now()}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function codeServerArgs(extra: string[], userDataDir: string, extensionsDir: string): string[] {
  return [codeServerEntry, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, ...extra];
}

function installVsix(vsix: string, userDataDir: string, extensionsDir: string, env: NodeJS.ProcessEnv): void {
  const result = spawnSync(node24Bin, codeServerArgs(['--install-extension', vsix, '--force'], userDataDir, extensionsDir), {
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0) throw new Error(`code-server --install-extension ${vsix} failed:\n${result.stdout}\n${result.stderr}`);
}

async function waitForHealth(url: string, logFile: string, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const exit = exited();
    if (exit) throw new Error(`code-server exited (${exit}) before answering; log: ${logFile}\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer ${url}/healthz within 60 s; log: ${logFile}`);
}

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const runDir = options.persistentDir ?? newRunDir(options.name);
  const userDataDir = join(runDir, 'user-data');
  const extensionsDir = join(runDir, 'extensions');
  mkdirSync(extensionsDir, { recursive: true });
  // code-server is a remote window: settings of `machine`/`machine-overridable` scope (such as
  // r1Local.modelPath) are read from the Machine settings, the others from the User settings.
  for (const scope of ['User', 'Machine']) {
    const settingsFile = join(userDataDir, scope, 'settings.json');
    if (options.persistentDir && existsSync(settingsFile)) continue;
    mkdirSync(join(userDataDir, scope), { recursive: true });
    writeFileSync(settingsFile, JSON.stringify({ ...quietSettings, ...options.settings }, null, 2));
  }

  const port = options.port ?? (await freePort());
  // The workbench asks the extension gallery for recommendations; point it at a closed local port.
  const galleryPort = await freePort();
  const gallery = `http://127.0.0.1:${galleryPort}`;
  // The shared engine (engine/daemon) lives in $XDG_RUNTIME_DIR/r1-local: a folder of this run's own
  // keeps each run's engine private, and lets stop() end it (it runs detached, outside the group).
  const runtimeDir = join(runDir, 'runtime');
  mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
  chmodSync(runtimeDir, 0o700);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...isolatedXdgEnv(),
    XDG_RUNTIME_DIR: runtimeDir,
    EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: `${gallery}/gallery`, itemUrl: `${gallery}/item`, resourceUrlTemplate: `${gallery}/resource/{publisher}/{name}/{version}/{path}` }),
  };
  // Settings of the outer test run must not leak into the extension under test.
  delete env.NODE_OPTIONS;
  delete env.R1_LOCAL_TEST;
  if (options.vsix) installVsix(options.vsix, userDataDir, extensionsDir, env);

  const flags = [
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
  ];
  const logFile = join(runDir, 'code-server.log');
  const out = openSync(logFile, 'w');
  // detached: the child calls setsid(), so it leads a process group we can end as a whole.
  const child = spawn(node24Bin, codeServerArgs(flags, userDataDir, extensionsDir), { env, detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  let exit: string | undefined;
  child.once('exit', (code, signal) => (exit = signal ?? `code ${code}`));
  child.once('error', (error) => (exit = error.message));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // Already gone.
    }
  };
  const killOnExit = () => {
    killGroup('SIGKILL');
    stopSharedEngine(runtimeDir);
  };
  process.once('exit', killOnExit);

  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    killGroup('SIGTERM');
    const deadline = Date.now() + 5_000;
    while (exit === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // Children of the extension host may outlive the server's own exit: end the group regardless.
    killGroup('SIGKILL');
    stopSharedEngine(runtimeDir);
  };
  try {
    await waitForHealth(url, logFile, () => exit);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, runDir, userDataDir, extensionsDir, logFile, stop };
}
