// Keeps one engine host process alive when needed and gone when not: starts it lazily, loads the
// model on it (one load per distinct settings, however many callers wait), restarts it after a
// crash with growing delays and gives up after too many, kills it when a model step hangs, and
// stops it after an idle period. Every decision about the lifecycle goes through `reduce`
// (lifecycle.ts); this class only owns what a pure function cannot: the process, its connection
// and the timers. Spawn and clock are injected, so the rules are tested without processes.
import type { LoadOptions, ModelInfo } from '../../engine/types';
import { systemClock, unrefTimer, type Clock } from '../core/clock';
import { Emitter } from '../core/emitter';
import type { Logger } from '../core/logger';
import { runtimeSentence } from '../core/statusView';
import { HostConnection, type ConnectionHooks } from './connection';
import { EngineError, errorText } from './engineError';
import type { HostExit, SpawnHost } from './hostProcess';
import { initialLifecycle, reduce, type Lifecycle, type LifecycleEvent } from './lifecycle';
import { defaultRestartPolicy, type RestartPolicy } from './restartPolicy';

const WATCHDOG_INTERVAL_MS = 250;
const SHUTDOWN_GRACE_MS = 5_000;

export interface SupervisorOptions {
  spawn: SpawnHost;
  log: Logger;
  clock?: Clock;
  restartPolicy?: RestartPolicy;
  /** Longest a single model step may run before the process is killed. */
  stepTimeoutMs?: number;
  /** Longest loading a model may take before the process is killed. */
  loadTimeoutMs?: number;
  /** Stop the process (freeing the model) after this long without requests; 0 never. Read on each use. */
  idleUnloadMs?: () => number;
  hooks: ConnectionHooks;
  /** After a crash that took a loaded model with it: load it again so the next request does not wait. */
  reload: () => Promise<unknown>;
}

export interface LifecycleChange {
  state: Lifecycle;
  event: LifecycleEvent;
}

function loadKey(o: LoadOptions): string {
  return JSON.stringify([o.modelPath, o.executionProvider ?? 'auto', o.threads ?? null]);
}

export class Supervisor {
  private state: Lifecycle = initialLifecycle;
  private readonly changes = new Emitter<LifecycleChange>();
  readonly onDidChange = this.changes.event;
  private readonly clock: Clock;
  private readonly policy: RestartPolicy;
  private live: HostConnection | undefined;
  private starting: Promise<HostConnection> | undefined;
  /** The exit of the process being stopped; a new one starts only after it. */
  private stopped: Promise<void> | undefined;
  private load: { key: string; connection: HostConnection; promise: Promise<ModelInfo> } | undefined;
  private users = 0;
  private restartTimer: unknown;
  private idleTimer: unknown;
  private watchdogTimer: unknown;
  private disposed = false;

  constructor(private readonly options: SupervisorOptions) {
    this.clock = options.clock ?? systemClock;
    this.policy = options.restartPolicy ?? defaultRestartPolicy;
  }

  get lifecycle(): Lifecycle {
    return this.state;
  }

  /** The live process's connection, when one runs. */
  get connection(): HostConnection | undefined {
    return this.live?.process.alive ? this.live : undefined;
  }

  /** A process running `options`' model, started and loaded as needed. */
  async ensureModel(options: LoadOptions): Promise<{ connection: HostConnection; info: ModelInfo }> {
    if (this.disposed) throw new EngineError('host_unavailable', 'the engine was disposed');
    const { phase } = this.state;
    if (phase.kind === 'gaveUp') throw new EngineError('host_unavailable', phase.reason);
    const connection = await this.ensureProcess();
    const key = loadKey(options);
    if (!this.load || this.load.key !== key || this.load.connection !== connection) {
      const promise = this.loadOn(connection, key, options);
      this.load = { key, connection, promise };
      promise.catch(() => {
        if (this.load?.promise === promise) this.load = undefined;
      });
    }
    return { connection, info: await this.load.promise };
  }

  /** A running process, started if needed, without loading a model (token counts need only the tokenizer). */
  async connect(): Promise<HostConnection> {
    if (this.disposed) throw new EngineError('host_unavailable', 'the engine was disposed');
    const { phase } = this.state;
    if (phase.kind === 'gaveUp') throw new EngineError('host_unavailable', phase.reason);
    return this.ensureProcess();
  }

  /** Marks a request in flight (no idle unload meanwhile); call the returned function when it ends. */
  beginUse(): () => void {
    this.users++;
    this.clock.clearTimeout(this.idleTimer);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.users === 0) this.scheduleIdle();
    };
  }

  /** Stops the process and frees the model; the next request starts a fresh one. */
  async stop(): Promise<void> {
    const connection = this.live;
    if (!connection?.process.alive) return this.stopped;
    // Detach first, so a request arriving meanwhile waits for a fresh process instead of using this one.
    this.live = undefined;
    this.load = undefined;
    this.clock.clearTimeout(this.watchdogTimer);
    this.dispatch({ type: 'stopRequested' });
    connection.failAll(new EngineError('cancelled', 'the engine was stopped'));
    const stopped = connection.shutdown(SHUTDOWN_GRACE_MS);
    this.stopped = stopped;
    try {
      await stopped;
    } finally {
      if (this.stopped === stopped) this.stopped = undefined;
    }
  }

  /** After giving up on a crashing process: forget the crashes. */
  retry(): void {
    this.clock.clearTimeout(this.restartTimer);
    this.dispatch({ type: 'retried' });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.clock.clearTimeout(this.restartTimer);
    this.clock.clearTimeout(this.idleTimer);
    await this.stop();
    this.changes.dispose();
  }

  private async loadOn(connection: HostConnection, key: string, options: LoadOptions): Promise<ModelInfo> {
    this.dispatch({ type: 'loadRequested', key, modelPath: options.modelPath });
    const started = this.clock.now();
    try {
      const info = await connection.call('load', { options });
      const fallback = info.fallbackReason ? ` (asked for ${info.requestedProvider}: ${info.fallbackReason})` : '';
      const ms = Math.round(this.clock.now() - started);
      this.options.log.info(`model loaded from ${info.modelPath} on ${info.executionProvider}${fallback} in ${ms} ms;${runtimeSentence(info.runtime)}`);
      this.dispatch({ type: 'loaded', key, info });
      return info;
    } catch (e) {
      const error = e instanceof EngineError ? e : new EngineError('load_failed', errorText(e));
      this.dispatch({ type: 'loadFailed', key, reason: error.message });
      throw error;
    }
  }

  private async ensureProcess(): Promise<HostConnection> {
    if (this.live?.process.alive) return this.live;
    if (this.starting) return this.starting;
    if (this.stopped) {
      await this.stopped;
      return this.ensureProcess();
    }
    // A request does not wait for the restart timer.
    this.clock.clearTimeout(this.restartTimer);
    this.dispatch({ type: 'restartDue' });
    this.dispatch({ type: 'startRequested' });
    const started = this.clock.now();
    let connection: HostConnection | undefined;
    this.starting = this.options
      .spawn({
        onMessage: (message) => connection?.route(message),
        onExit: (exit) => connection && this.exited(connection, exit),
      })
      .then(
        (process) => {
          if (this.disposed) {
            // Disposed while it was starting: do not leave it running.
            process.kill();
            throw new EngineError('host_unavailable', 'the engine was disposed');
          }
          connection = new HostConnection(process, this.clock, this.options.log, this.options.hooks);
          this.live = connection;
          this.options.log.info(`engine host started (pid ${process.pid}) in ${Math.round(this.clock.now() - started)} ms`);
          this.dispatch({ type: 'started', pid: process.pid });
          this.scheduleWatchdog();
          return connection;
        },
        (e: unknown) => {
          const reason = errorText(e);
          this.options.log.error(reason);
          this.dispatch({ type: 'exited', expected: false, reason, at: this.clock.now() });
          this.afterExit();
          throw new EngineError('host_crashed', reason);
        },
      )
      .finally(() => {
        this.starting = undefined;
      });
    return this.starting;
  }

  private exited(connection: HostConnection, exit: HostExit): void {
    if (this.live === connection) {
      this.live = undefined;
      this.clock.clearTimeout(this.watchdogTimer);
    }
    if (this.load?.connection === connection) this.load = undefined;
    const { phase } = this.state;
    const asked = phase.kind === 'stopping' && phase.pid === connection.pid;
    const expected = this.disposed || asked || exit.code === 0;
    const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    const reason = connection.killedBecause?.reason ?? `the engine host exited unexpectedly (${how})`;
    const error = expected ? new EngineError('cancelled', 'the engine was stopped') : new EngineError(connection.killedBecause?.code ?? 'host_crashed', reason);
    connection.failAll(error);
    if (!expected) this.options.log.error(reason);
    this.dispatch({ type: 'exited', pid: connection.pid, expected, reason, at: this.clock.now() });
    this.afterExit();
  }

  /** After a crash the reducer chose to restart from: arm the timer. */
  private afterExit(): void {
    const { phase } = this.state;
    if (phase.kind !== 'restarting' || this.disposed) return;
    this.clock.clearTimeout(this.restartTimer);
    this.restartTimer = this.clock.setTimeout(() => {
      if (this.disposed || this.state.phase.kind !== 'restarting') return;
      this.dispatch({ type: 'restartDue' });
      // Without a model, start lazily on the next request instead.
      if (phase.reload) void this.options.reload().catch((e: unknown) => this.options.log.warn(`restart failed: ${errorText(e)}`));
    }, phase.delayMs);
    unrefTimer(this.restartTimer);
  }

  /** Kills a process that stays silent inside one step (or one load) longer than allowed. */
  private scheduleWatchdog(): void {
    this.clock.clearTimeout(this.watchdogTimer);
    this.watchdogTimer = this.clock.setTimeout(() => {
      this.checkWatchdog();
      if (this.live) this.scheduleWatchdog();
    }, WATCHDOG_INTERVAL_MS);
    unrefTimer(this.watchdogTimer);
  }

  private checkWatchdog(): void {
    const connection = this.live;
    if (!connection?.process.alive || connection.killedBecause) return;
    const { phase } = this.state;
    const loading = phase.kind === 'running' && phase.model.kind === 'loading';
    const busy = loading ? !connection.idle : connection.streaming;
    if (!busy) return;
    const stepLimit = this.options.stepTimeoutMs ?? 120_000;
    const limit = loading ? (this.options.loadTimeoutMs ?? 300_000) : stepLimit;
    if (this.clock.now() - connection.lastActivityAt <= limit) return;
    connection.killedBecause = { code: 'step_timeout', reason: `a model step ran longer than ${stepLimit} ms; the engine host was stopped` };
    this.options.log.error(`engine host silent for more than ${limit} ms while ${loading ? 'loading' : 'generating'}: killing it`);
    connection.process.kill();
  }

  private scheduleIdle(): void {
    this.clock.clearTimeout(this.idleTimer);
    const ms = this.options.idleUnloadMs?.() ?? 0;
    if (ms <= 0 || this.disposed) return;
    this.idleTimer = this.clock.setTimeout(() => {
      if (this.users > 0 || this.starting) return this.scheduleIdle();
      if (!this.live) return;
      this.options.log.info(`no requests for ${Math.round(ms / 1000)} s: unloading the model`);
      void this.stop();
    }, ms);
    unrefTimer(this.idleTimer);
  }

  private dispatch(event: LifecycleEvent): void {
    const next = reduce(this.state, event, this.policy);
    if (next === this.state) return;
    this.state = next;
    this.changes.fire({ state: next, event });
  }
}
