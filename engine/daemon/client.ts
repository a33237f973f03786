// The window's side of the shared engine: find it from daemon.json, connect with its token, and
// start it when none runs. Used by the extension (extension/engine/sharedHost.ts) and by
// `r1-local status`; no engine code here, so the extension bundle stays free of onnxruntime.
//
// Starting: the first window that finds no usable engine takes the start lock (O_EXCL lock file
// with a heartbeat, engine/download/lockFile.ts), looks again (another window may have started
// one while it waited), removes what a dead engine left, starts the engine detached (it outlives
// the window) and waits for its daemon.json. Windows that wait on the lock then find that engine
// and connect. Whatever fails is thrown as SharedEngineUnavailable with the reason; the window
// then runs its own engine. On Windows nothing is tried (paths.ts, sharedEngineUnsupported).
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { acquireLock, processIsAlive } from '../download/lockFile';
import { readInfoFile } from './daemonFiles';
import { DAEMON_PROTOCOL_VERSION, judgeDaemonInfo, parseDaemonInfo, type ClientRole, type ConnectMessage, type DaemonInfo } from './handshake';
import { encodeLine, LineReader, parseLine } from './lineCodec';
import { ensurePrivateFolder, sharedEngineUnsupported, type DaemonPaths } from './paths';

export class SharedEngineUnavailable extends Error {
  override readonly name = 'SharedEngineUnavailable';
}

/** An open, accepted connection: host protocol messages from here on. */
export class DaemonLink {
  private handler: ((message: unknown) => void) | undefined;
  private readonly early: unknown[] = [];
  readonly closed: Promise<void>;

  constructor(
    private readonly socket: Socket,
    readonly pid: number,
    reader: LineReader,
    /** Lines that arrived with the hello. */
    rest: unknown[],
  ) {
    this.early.push(...rest);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: string) => {
      let lines: string[];
      try {
        lines = reader.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const line of lines) this.deliver(parseLine(line));
    });
  }

  get open(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }

  /** Messages from the engine; those that came before a handler was set are delivered to it first. */
  onMessage(handler: (message: unknown) => void): void {
    this.handler = handler;
    for (const message of this.early.splice(0)) handler(message);
  }

  send(message: unknown): void {
    if (!this.open) throw new Error('the connection to the shared engine is closed');
    this.socket.write(encodeLine(message));
  }

  /** Closes gracefully (the engine sees the window leave). */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private deliver(message: unknown): void {
    if (this.handler) this.handler(message);
    else this.early.push(message);
  }
}

export interface ClientIdentity {
  /** The window's name; the engine counts windows by it. */
  client: string;
  role: ClientRole;
  /** The build the window expects; undefined accepts any (`r1-local status`). */
  build?: string;
}

export type FindResult =
  | { kind: 'connected'; link: DaemonLink; info: DaemonInfo }
  /** Nothing usable runs: start one. */
  | { kind: 'absent' | 'stale' }
  /** One runs that this window must not or cannot use. */
  | { kind: 'unusable'; reason: string }
  /** The shared engine is not used on this platform. */
  | { kind: 'unsupported'; reason: string };

/** Opens the socket and does the handshake; settles within `timeoutMs`. */
function handshake(paths: DaemonPaths, info: DaemonInfo, who: ClientIdentity, timeoutMs: number): Promise<FindResult> {
  return new Promise((resolve) => {
    const socket = createConnection(paths.socket);
    socket.setEncoding('utf8');
    const reader = new LineReader();
    let settled = false;
    const settle = (result: FindResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (result.kind !== 'connected') socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => settle({ kind: 'unusable', reason: `the shared engine (pid ${info.pid}) did not answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.once('connect', () => {
      const hello: ConnectMessage = { type: 'connect', token: info.token, protocol: DAEMON_PROTOCOL_VERSION, build: who.build ?? '', client: who.client, role: who.role };
      socket.write(encodeLine(hello));
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      // Gone or going (it exits when idle): treat as not running.
      if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'EPIPE') settle({ kind: 'stale' });
      else settle({ kind: 'unusable', reason: `cannot connect to the shared engine: ${e.message}` });
    });
    socket.on('close', () => settle({ kind: 'stale' }));
    socket.on('data', (chunk: string) => {
      let lines: string[];
      try {
        lines = reader.push(chunk);
      } catch (e) {
        return settle({ kind: 'unusable', reason: (e as Error).message });
      }
      if (lines.length === 0) return;
      const [first, ...rest] = lines.map(parseLine);
      const reply = first as { type?: unknown; pid?: unknown; reason?: unknown } | undefined;
      if (reply?.type === 'hello' && Number.isInteger(reply.pid)) {
        // From here on the link reads the socket (the error and close listeners above stay as no-ops).
        socket.removeAllListeners('data');
        const link = new DaemonLink(socket, reply.pid as number, reader, rest);
        return settle({ kind: 'connected', link, info });
      }
      const reason = reply?.type === 'refused' ? `the shared engine refused the connection: ${String(reply.reason)}` : 'the shared engine answered something unexpected';
      settle({ kind: 'unusable', reason });
    });
  });
}

/** Connects to the engine daemon.json names, if one is usable; never starts one. */
export async function findDaemon(paths: DaemonPaths, who: ClientIdentity, timeoutMs: number, platform: NodeJS.Platform = process.platform): Promise<FindResult> {
  const unsupported = sharedEngineUnsupported(platform);
  if (unsupported) return { kind: 'unsupported', reason: unsupported };
  const verdict = judgeDaemonInfo(readInfoFile(paths.info), { protocol: DAEMON_PROTOCOL_VERSION, build: who.build }, processIsAlive);
  switch (verdict.kind) {
    case 'absent':
    case 'stale':
      return { kind: verdict.kind };
    case 'mismatch':
      return { kind: 'unusable', reason: verdict.reason };
    case 'usable':
      return handshake(paths, verdict.info, who, timeoutMs);
  }
}

export interface StartOptions {
  paths: DaemonPaths;
  /** dist/engineDaemon.js */
  script: string;
  /** Runtime that runs it: plain Node, or Electron as Node (ELECTRON_RUN_AS_NODE). */
  execPath: string;
  env?: NodeJS.ProcessEnv;
  who: ClientIdentity & { build: string };
  /** For the whole: waiting for the lock, starting, connecting. */
  timeoutMs: number;
  /** Default: this process's. */
  platform?: NodeJS.Platform;
}

export interface Connected {
  link: DaemonLink;
  info: DaemonInfo;
  /** This call started the engine. */
  started: boolean;
}

/** Connects to the user's shared engine, starting it if none runs. Throws SharedEngineUnavailable. */
export async function connectOrStart(options: StartOptions): Promise<Connected> {
  const { paths, who, timeoutMs } = options;
  const platform = options.platform ?? process.platform;
  // Before anything touches the folder or the pipe.
  const unsupported = sharedEngineUnsupported(platform);
  if (unsupported) throw new SharedEngineUnavailable(unsupported);
  try {
    ensurePrivateFolder(paths);
  } catch (e) {
    throw new SharedEngineUnavailable((e as Error).message);
  }
  const deadline = Date.now() + timeoutMs;
  const left = (): number => Math.max(1, deadline - Date.now());
  // Two rounds: an engine that exits (idle) between reading daemon.json and connecting is replaced.
  for (let round = 0; round < 2; round++) {
    const found = await findDaemon(paths, who, Math.min(left(), 10_000), platform);
    if (found.kind === 'connected') return { link: found.link, info: found.info, started: false };
    if (found.kind === 'unusable' || found.kind === 'unsupported') throw new SharedEngineUnavailable(found.reason);

    let lock;
    try {
      lock = await acquireLock(paths.lock, { staleMs: 10_000, pollMs: 50, waitTimeoutMs: left() });
    } catch (e) {
      throw new SharedEngineUnavailable(`could not take the start lock ${paths.lock}: ${(e as Error).message}`);
    }
    try {
      // Another window may have started it while this one waited for the lock.
      const again = await findDaemon(paths, who, Math.min(left(), 10_000), platform);
      if (again.kind === 'connected') return { link: again.link, info: again.info, started: false };
      if (again.kind === 'unusable' || again.kind === 'unsupported') throw new SharedEngineUnavailable(again.reason);
      removeLeftovers(paths);
      const info = await startDaemon(options, left());
      const connected = await handshake(paths, info, who, left());
      if (connected.kind === 'connected') return { link: connected.link, info, started: true };
      if (connected.kind === 'unusable') throw new SharedEngineUnavailable(connected.reason);
    } finally {
      await lock.release();
    }
  }
  throw new SharedEngineUnavailable('the shared engine went away while connecting, twice');
}

/** What a dead engine left: its daemon.json and socket file (only ever called under the start lock). */
function removeLeftovers(paths: DaemonPaths): void {
  const info = parseDaemonInfo(readInfoFile(paths.info));
  if (info && processIsAlive(info.pid)) return;
  rmSync(paths.info, { force: true });
  if (process.platform !== 'win32') rmSync(paths.socket, { force: true });
}

/** Starts the engine detached and resolves with its daemon.json once it listens. */
function startDaemon(options: StartOptions, timeoutMs: number): Promise<DaemonInfo> {
  const { paths } = options;
  const logFd = openSync(paths.log, 'w', 0o600);
  let child;
  try {
    child = spawn(options.execPath, [options.script, '--dir', paths.dir], {
      detached: true,
      // Not the window's folder: the engine outlives the window and must not hold its folder open.
      cwd: paths.dir,
      stdio: ['ignore', logFd, logFd],
      env: { ...(options.env ?? process.env), ELECTRON_RUN_AS_NODE: '1' },
      windowsHide: true,
    });
  } finally {
    closeSync(logFd);
  }
  child.unref();
  const pid = child.pid;
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (error: Error | undefined, info?: DaemonInfo): void => {
      if (done) return;
      done = true;
      clearInterval(poll);
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(info!);
    };
    const lastLogLine = (): string => {
      try {
        return readFileSync(paths.log, 'utf8').trim().split('\n').pop() ?? '';
      } catch {
        return '';
      }
    };
    child.once('error', (e) => finish(new SharedEngineUnavailable(`could not start the shared engine: ${e.message}`)));
    child.once('exit', (code, signal) => finish(new SharedEngineUnavailable(`the shared engine exited at start (${signal ?? `code ${code}`}): ${lastLogLine()}`)));
    const poll = setInterval(() => {
      const info = parseDaemonInfo(readInfoFile(paths.info));
      if (info && info.pid === pid) finish(undefined, info);
    }, 25);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(new SharedEngineUnavailable(`the shared engine did not start within ${timeoutMs} ms: ${lastLogLine()}`));
    }, timeoutMs);
  });
}
