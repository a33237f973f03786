// The shared engine as a `SpawnHost`: instead of forking its own engine host, the window connects
// to the user's one engine process (engine/daemon/), starting it if none runs, and talks to it in
// the same host protocol. The supervisor, connection and LocalEngine cannot tell the difference,
// except that "the process exited" now means "the connection closed".
//
// Anything that keeps the window from using it (the setting is off, the folder is not private, an
// engine of another build runs, it refuses or does not start) costs one log line with the reason,
// and the window forks its own engine host as it always did. On Windows the shared engine is not
// used yet (engine/daemon/paths.ts says why): one log line, then the window's own engine.
//
// A crash of the shared engine closes every window's connection: each supervisor sees an
// unexpected exit and restarts as after a crash of its own host; the first window to get there
// starts a new engine under the start lock and the others connect to it.
import { randomBytes } from 'node:crypto';
import type { HostMessage, HostRequest } from '../../engine/host/protocol';
import { connectOrStart, type DaemonLink } from '../../engine/daemon/client';
import { buildHash } from '../../engine/daemon/daemonFiles';
import { currentDaemonPaths, sharedEngineUnsupported, type DaemonPaths } from '../../engine/daemon/paths';
import { processIsAlive } from '../../engine/download/lockFile';
import type { Logger } from '../core/logger';
import { decodeHostMessage } from './hostMessages';
import { forkHost, type HostHandlers, type HostProcess, type HostProcessOptions, type SpawnHost } from './hostProcess';

/**
 * Silence after which a stuck request means the shared engine itself is hung inside a native call
 * (it sends `alive` every second between steps, whoever's request runs). Only then does this
 * window's watchdog kill the process every window shares; otherwise `kill` just disconnects.
 */
const HUNG_AFTER_MS = 60_000;

/**
 * A socket closes a moment before its dead process is reaped (until then `kill(pid, 0)` still
 * succeeds), so the cause is read after waiting up to this long.
 */
const EXIT_GRACE_MS = 500;

async function exitsWithin(pid: number, ms: number): Promise<boolean> {
  for (let waited = 0; processIsAlive(pid); waited += 50) {
    if (waited >= ms) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** One name per extension host: its chat and completion engines count as one window. */
const WINDOW_ID = `window-${process.pid}-${randomBytes(3).toString('hex')}`;

export interface SharedHostOptions extends Omit<HostProcessOptions, keyof HostHandlers> {
  /** dist/engineDaemon.js */
  daemonScript: string;
  /** `r1Local.engine.shared`, read at each start. */
  enabled: () => boolean;
  /** Where the engine's folder is; default: this user's (XDG_RUNTIME_DIR or the cache dir, a named pipe on Windows). */
  paths?: DaemonPaths;
  env?: NodeJS.ProcessEnv;
  /** The window's name; default: one per extension host. */
  clientId?: string;
  /** Default: this process's (tests pass another). */
  platform?: NodeJS.Platform;
  /** The window's own engine host, used when the shared one is not; default: forks hostScript. */
  ownHost?: SpawnHost;
}

/** Connects to the shared engine when enabled and possible; otherwise forks this window's own host. */
export function sharedHost(options: SharedHostOptions): SpawnHost {
  const own = options.ownHost ?? forkHost(options);
  const unsupported = sharedEngineUnsupported(options.platform ?? process.platform);
  let saidUnsupported = false;
  return async (handlers) => {
    if (!options.enabled()) return own(handlers);
    if (unsupported) {
      // Said once per engine, not at every restart: it will not change.
      if (!saidUnsupported) options.log.info(`not using the shared engine, this window runs its own: ${unsupported}`);
      saidUnsupported = true;
      return own(handlers);
    }
    let connected;
    try {
      connected = await connectOrStart({
        paths: options.paths ?? currentDaemonPaths(options.env),
        script: options.daemonScript,
        execPath: options.execPath ?? process.execPath,
        env: options.env,
        who: { client: options.clientId ?? WINDOW_ID, role: 'window', build: buildHash(options.daemonScript) },
        timeoutMs: options.startTimeoutMs,
        platform: options.platform,
      });
    } catch (e) {
      options.log.warn(`not using the shared engine, this window runs its own: ${e instanceof Error ? e.message : String(e)}`);
      return own(handlers);
    }
    const { link, started } = connected;
    options.log.info(`connected to the shared engine (pid ${link.pid})${started ? ', started by this window' : ''}`);
    return new SharedHostProcess(link, handlers, options.log);
  };
}

/** One window's connection to the shared engine, seen as a host process. */
export class SharedHostProcess implements HostProcess {
  private closed = false;
  private stopping = false;
  private lastHeardAt = Date.now();
  /** Requests sent and not answered yet. */
  private readonly pending = new Set<number>();

  constructor(
    private readonly link: DaemonLink,
    handlers: HostHandlers,
    private readonly log: Logger,
  ) {
    link.onMessage((raw) => {
      this.lastHeardAt = Date.now();
      const decoded = decodeHostMessage(raw);
      if (!decoded.ok) return log.error(`the shared engine sent a malformed message: ${decoded.reason}`);
      this.settle(decoded.message);
      handlers.onMessage(decoded.message);
    });
    void link.closed.then(async () => {
      this.closed = true;
      if (this.stopping) return handlers.onExit({ code: 0, signal: null });
      const gone = await exitsWithin(this.pid, EXIT_GRACE_MS);
      log.warn(`the connection to the shared engine (pid ${this.pid}) closed: ${gone ? 'the process is gone' : 'it ended the connection'}`);
      // Reported like a crashed host, so the supervisor restarts (reconnects) with its usual delays.
      handlers.onExit({ code: 1, signal: null });
    });
  }

  get pid(): number {
    return this.link.pid;
  }

  get alive(): boolean {
    return !this.closed;
  }

  send(request: HostRequest): void {
    if (this.closed) throw new Error('the shared engine connection is closed');
    this.link.send(request);
    if (request.type !== 'cancel') this.pending.add(request.id);
  }

  /** Disconnects; kills the shared process only when it is hung (see HUNG_AFTER_MS). */
  kill(): void {
    if (this.closed) return;
    if (this.pending.size > 0 && Date.now() - this.lastHeardAt > HUNG_AFTER_MS) {
      this.log.error(`the shared engine (pid ${this.pid}) sent nothing for ${Math.round((Date.now() - this.lastHeardAt) / 1000)} s with requests waiting: killing it`);
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    this.link.destroy();
  }

  /** Leaves the shared engine (it frees the model if no other window uses it); the process stays. */
  async stop(requestId: number, graceMs: number): Promise<void> {
    if (this.closed) return;
    this.stopping = true;
    try {
      this.link.send({ type: 'shutdown', id: requestId } satisfies HostRequest);
    } catch {
      // Already closing.
    }
    const timer = setTimeout(() => this.link.destroy(), graceMs);
    await this.link.closed;
    clearTimeout(timer);
  }

  private settle(message: HostMessage): void {
    if (message.type === 'result' || message.type === 'error' || (message.type === 'event' && message.event.type === 'done')) this.pending.delete(message.id);
  }
}
