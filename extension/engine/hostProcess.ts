// One engine host child process: fork, `hello` handshake, message decoding, exit. Requests in
// flight belong to the connection (connection.ts), restarts and the watchdog to the supervisor
// (supervisor.ts); this file only knows how to run and talk to a single process.
import { fork, type ChildProcess } from 'node:child_process';
import type { HostMessage, HostRequest } from '../../engine/host/protocol';
import type { Logger } from '../core/logger';
import { decodeHostMessage } from './hostMessages';

/** What the supervisor needs of a process; tests pass fakes through `SpawnHost`. */
export interface HostProcess {
  readonly pid: number;
  readonly alive: boolean;
  send(request: HostRequest): void;
  kill(): void;
  /** Asks the process to free the model and exit; kills it if it has not exited after `graceMs`. */
  stop(requestId: number, graceMs: number): Promise<void>;
}

export interface HostHandlers {
  onMessage: (message: HostMessage) => void;
  /** Called once, only for a process that started (said `hello`). */
  onExit: (exit: HostExit) => void;
}

/** Starts a process; resolves once it is ready for requests, rejects if it fails to start. */
export type SpawnHost = (handlers: HostHandlers) => Promise<HostProcess>;

export interface HostProcessOptions extends HostHandlers {
  /** Path of the bundled host, dist/engineHost.js. */
  hostScript: string;
  /**
   * Runtime that executes the host. Defaults to `process.execPath`: plain Node in tests and the
   * CLI, Electron inside VS Code (run as Node through ELECTRON_RUN_AS_NODE, set below).
   */
  execPath?: string;
  startTimeoutMs: number;
  log: Logger;
}

export interface HostExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The real thing: forks dist/engineHost.js. */
export function forkHost(options: Omit<HostProcessOptions, keyof HostHandlers>): SpawnHost {
  return (handlers) => EngineHostProcess.start({ ...options, ...handlers });
}

export class EngineHostProcess implements HostProcess {
  private exited = false;
  private readonly exitPromise: Promise<HostExit>;

  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
  ) {
    this.exitPromise = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    void this.exitPromise.then(() => {
      this.exited = true;
    });
  }

  /** Forks the host and resolves once it said `hello`; rejects if it exits or stays silent first. */
  static start(options: HostProcessOptions): Promise<EngineHostProcess> {
    const child = fork(options.hostScript, [], {
      execPath: options.execPath ?? process.execPath,
      // Inside VS Code the runtime is Electron: this makes it behave as plain Node. Pass a copy
      // of the environment, never process.env itself, so the extension host's stays untouched.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      // The extension host may run with --inspect flags; a child inheriting them would fight for
      // the same debug port.
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    child.stdout?.setEncoding('utf8').on('data', (text: string) => options.log.debug(`[engine host] ${text.trimEnd()}`));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => options.log.warn(`[engine host] ${text.trimEnd()}`));

    return new Promise((resolve, reject) => {
      let host: EngineHostProcess | undefined;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the engine host did not start within ${options.startTimeoutMs} ms`));
      }, options.startTimeoutMs);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`could not start the engine host: ${e.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (host) options.onExit({ code, signal });
        else reject(new Error(`the engine host exited during start (code ${code}, signal ${signal})`));
      });
      child.on('message', (raw: unknown) => {
        const decoded = decodeHostMessage(raw);
        if (!decoded.ok) {
          options.log.error(`engine host sent a malformed message: ${decoded.reason}`);
          return;
        }
        if (host) {
          options.onMessage(decoded.message);
        } else if (decoded.message.type === 'hello') {
          clearTimeout(timer);
          host = new EngineHostProcess(child, decoded.message.pid);
          resolve(host);
        }
      });
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  send(request: HostRequest): void {
    if (this.exited || !this.child.connected) throw new Error('the engine host is not running');
    this.child.send(request);
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  /** Asks the host to free the model and exit; kills it if it has not exited after `graceMs`. */
  async stop(requestId: number, graceMs: number): Promise<void> {
    if (this.exited) return;
    try {
      this.send({ type: 'shutdown', id: requestId });
    } catch {
      // Channel already gone: the kill below ends it.
    }
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exitPromise;
    clearTimeout(timer);
  }
}
