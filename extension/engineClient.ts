// The extension's handle on the engine: starts the host process lazily, loads the configured model,
// streams generations, turns cancellation into `cancel` messages, survives host crashes (restart
// with backoff, then stop and ask), kills a host stuck in one step, and frees everything after an
// idle period. It never imports `vscode` at runtime, so plain Node tests drive it directly; the
// editor's CancellationToken is accepted through its structural shape.
import type { GenerationEvent, GenerationRequest, LoadOptions, ModelInfo } from '../engine/types';
import type { HostErrorCode, HostMessage, HostRequest, HostStatus } from '../engine/host/protocol';
import { decideRestart, defaultRestartPolicy, recentCrashes, type RestartPolicy } from './backoff';
import { EngineHostProcess, type HostExit } from './engineHostProcess';
import type { Logger } from './logger';
import { AsyncQueue } from './util/asyncQueue';
import { Emitter, type Disposable } from './util/emitter';

export class EngineError extends Error {
  constructor(
    readonly code: HostErrorCode,
    message: string,
    /** The engine's finer code, e.g. the ModelLoadError code of a `load_failed` (`corrupt-file`, …). */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** VS Code's CancellationToken, by shape. */
export interface CancellationLike {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: (e: unknown) => unknown): { dispose(): unknown };
}

export type CancelSource = CancellationLike | AbortSignal;

export type EngineState =
  | { kind: 'stopped' }
  | { kind: 'starting' }
  | { kind: 'loading'; modelPath: string }
  /** `rssBytes`: the engine process's resident memory, when measured since the model loaded. */
  | { kind: 'ready'; model: ModelInfo; rssBytes?: number }
  | { kind: 'generating'; model: ModelInfo; tokensPerSecond?: number }
  | { kind: 'restarting'; reason: string; delayMs: number }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'error'; reason: string };

export interface EngineClientOptions {
  hostScript: string;
  /** Where the model is and how to run it; throw an EngineError (e.g. `no_model`, `untrusted`) to refuse. */
  resolveLoadOptions: () => LoadOptions | Promise<LoadOptions>;
  log: Logger;
  execPath?: string;
  /** Longest a single model step may run before the host is killed. */
  stepTimeoutMs?: number;
  /** Longest loading a model may take before the host is killed. */
  loadTimeoutMs?: number;
  startTimeoutMs?: number;
  /** Stop the host (freeing the model) after this long without requests; 0 never. Read on each use. */
  idleUnloadMs?: () => number;
  restartPolicy?: RestartPolicy;
}

interface PendingStream {
  readonly type: 'stream';
  readonly queue: AsyncQueue<GenerationEvent>;
  readonly host: EngineHostProcess;
  cancelRequested: boolean;
  firstTokenAt?: number;
  tokens: number;
}

interface PendingCall {
  readonly type: 'call';
  readonly host: EngineHostProcess;
  resolve(result: unknown): void;
  reject(error: EngineError): void;
}

const WATCHDOG_INTERVAL_MS = 250;
const STATE_THROTTLE_MS = 500;
/** RSS is measured after a load and, at most this often, after a request. */
const RSS_INTERVAL_MS = 10_000;

function loadKey(o: LoadOptions): string {
  return JSON.stringify([o.modelPath, o.executionProvider ?? 'auto', o.threads ?? null]);
}

function onCancel(source: CancelSource | undefined, listener: () => void): { dispose(): unknown } {
  if (!source) return { dispose: () => undefined };
  if ('aborted' in source) {
    source.addEventListener('abort', listener, { once: true });
    return { dispose: () => source.removeEventListener('abort', listener) };
  }
  return source.onCancellationRequested(listener);
}

/** Resolves with `work`'s value, or with undefined as soon as `source` is cancelled. */
function unlessCancelled<T>(work: Promise<T>, source: CancelSource | undefined): Promise<T | undefined> {
  if (!source) return work;
  return new Promise((resolve, reject) => {
    const subscription = onCancel(source, () => resolve(undefined));
    work.then(resolve, reject).finally(() => subscription.dispose());
  });
}

function isCancelled(source: CancelSource | undefined): boolean {
  if (!source) return false;
  return 'aborted' in source ? source.aborted : source.isCancellationRequested;
}

export class EngineClient implements Disposable {
  private readonly stateEmitter = new Emitter<EngineState>();
  /** Fires on every state change: status bar, features that grey out while unavailable. */
  readonly onDidChangeState = this.stateEmitter.event;
  private current: EngineState = { kind: 'stopped' };

  private host: EngineHostProcess | undefined;
  private starting: Promise<EngineHostProcess> | undefined;
  private model: { key: string; host: EngineHostProcess; promise: Promise<ModelInfo> } | undefined;
  private loadedInfo: ModelInfo | undefined;
  private readonly pending = new Map<number, PendingStream | PendingCall>();
  private nextId = 1;
  private crashTimes: number[] = [];
  private gaveUp: string | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private watchdogFired = false;
  /** Hosts asked to exit: their exit is not a crash. */
  private readonly stoppingHosts = new WeakSet<EngineHostProcess>();
  /** The exit of the host being stopped; a new host starts only after it. */
  private stopped: Promise<void> | undefined;
  private disposed = false;
  private lastStateFire = 0;
  private lastRssAt = 0;
  private lastRssBytes: number | undefined;

  constructor(private readonly options: EngineClientOptions) {}

  get state(): EngineState {
    return this.current;
  }

  /** The loaded model, once a load succeeded (undefined again after an idle unload). */
  get modelInfo(): ModelInfo | undefined {
    return this.loadedInfo;
  }

  /** Process id of the running host, for diagnostics and tests. */
  get hostPid(): number | undefined {
    return this.host?.alive ? this.host.pid : undefined;
  }

  /**
   * Streams a generation. Cancelling `cancel` stops it within one model step: the stream then ends
   * quietly (a final `done` with finish reason `aborted` when the engine produced one). Failures
   * throw an EngineError whose `code` says what happened (`busy`, `superseded`, `host_crashed`, …).
   */
  async *generate(request: GenerationRequest, cancel?: CancelSource): AsyncGenerator<GenerationEvent, void, undefined> {
    if (isCancelled(cancel)) return;
    this.clearIdleTimer();
    // A caller that gives up while the model loads returns at once; the load carries on for the next.
    const loading = this.ensureModel();
    loading.catch(() => undefined);
    const host = await unlessCancelled(loading, cancel);
    if (!host || isCancelled(cancel)) return this.scheduleIdle();
    const id = this.nextId++;
    const stream: PendingStream = { type: 'stream', queue: new AsyncQueue(), host, cancelRequested: false, tokens: 0 };
    this.pending.set(id, stream);
    const requestCancel = (): void => {
      if (stream.cancelRequested || !this.pending.has(id)) return;
      stream.cancelRequested = true;
      this.trySend(host, { type: 'cancel', id: this.nextId++, target: id });
    };
    const subscription = onCancel(cancel, requestCancel);
    this.options.log.debug(`generate #${id} (${request.kind}, max ${request.maxNewTokens} tokens)`);
    this.options.log.trace(`generate #${id} prompt: ${JSON.stringify(request.prompt)}`);
    try {
      this.trySend(host, { type: 'generate', id, request });
      for await (const event of stream.queue) {
        yield event;
        if (event.type === 'done') return;
      }
    } finally {
      subscription.dispose();
      // The consumer stopped pulling early: stop the host's work too. The entry stays until the
      // host confirms, so late messages are absorbed.
      if (this.pending.has(id)) requestCancel();
      this.scheduleIdle();
    }
  }

  /** Loads the configured model now (normally this happens on first use). */
  async load(): Promise<ModelInfo> {
    this.clearIdleTimer();
    try {
      await this.ensureModel();
      return this.loadedInfo!;
    } finally {
      this.scheduleIdle();
    }
  }

  /** The host's status (RSS, model, queue), or undefined when no host runs. */
  async status(): Promise<HostStatus | undefined> {
    const host = this.host;
    if (!host?.alive) return undefined;
    return (await this.call(host, (id) => ({ type: 'status', id }))) as HostStatus;
  }

  /** After the client gave up on a crashing host: forget the crashes and start again. */
  async retry(): Promise<ModelInfo> {
    this.gaveUp = undefined;
    this.crashTimes = [];
    this.setState({ kind: 'stopped' });
    return this.load();
  }

  /** Stops the host and frees the model; the next request starts it again. */
  async unload(): Promise<void> {
    const host = this.host;
    if (!host?.alive) return this.stopped;
    // Detach first, so a request arriving meanwhile waits for a fresh host instead of using this one.
    this.host = undefined;
    this.model = undefined;
    this.stopWatchdog();
    this.stoppingHosts.add(host);
    this.failPending(host, new EngineError('cancelled', 'the engine was stopped'));
    const stopped = host.stop(this.nextId++, 5_000);
    this.stopped = stopped;
    try {
      await stopped;
    } finally {
      if (this.stopped === stopped) this.stopped = undefined;
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.restartTimer);
    this.clearIdleTimer();
    await this.unload();
    this.stateEmitter.dispose();
  }

  // ── lifecycle ──────────────────────────────────────────────────────────────

  private async ensureModel(): Promise<EngineHostProcess> {
    if (this.disposed) throw new EngineError('host_unavailable', 'the engine client was disposed');
    if (this.gaveUp) throw new EngineError('host_unavailable', this.gaveUp);
    const options = await this.options.resolveLoadOptions();
    const host = await this.ensureHost();
    const key = loadKey(options);
    if (!this.model || this.model.key !== key || this.model.host !== host) {
      const promise = this.loadOn(host, options);
      this.model = { key, host, promise };
      promise.catch(() => {
        if (this.model?.promise === promise) this.model = undefined;
      });
    }
    await this.model.promise;
    return host;
  }

  private async loadOn(host: EngineHostProcess, options: LoadOptions): Promise<ModelInfo> {
    this.setState({ kind: 'loading', modelPath: options.modelPath });
    const started = Date.now();
    try {
      const info = (await this.call(host, (id) => ({ type: 'load', id, options }))) as ModelInfo;
      this.loadedInfo = info;
      const fallback = info.fallbackReason ? ` (asked for ${info.requestedProvider}: ${info.fallbackReason})` : '';
      this.options.log.info(`model loaded from ${info.modelPath} on ${info.executionProvider}${fallback} in ${Date.now() - started} ms`);
      this.lastRssBytes = undefined;
      this.setState({ kind: 'ready', model: info });
      void this.measureRss();
      return info;
    } catch (e) {
      const error = e instanceof EngineError ? e : new EngineError('load_failed', String(e));
      if (host.alive) this.setState({ kind: 'error', reason: error.message });
      throw error;
    }
  }

  private async ensureHost(): Promise<EngineHostProcess> {
    if (this.host?.alive) return this.host;
    if (this.starting) return this.starting;
    if (this.stopped) {
      await this.stopped;
      return this.ensureHost();
    }
    clearTimeout(this.restartTimer);
    this.setState({ kind: 'starting' });
    const started = Date.now();
    let host: EngineHostProcess | undefined;
    this.starting = EngineHostProcess.start({
      hostScript: this.options.hostScript,
      execPath: this.options.execPath,
      startTimeoutMs: this.options.startTimeoutMs ?? 30_000,
      log: this.options.log,
      onMessage: (m) => this.route(m),
      onExit: (exit) => this.onHostExit(host, exit),
    })
      .then((h) => {
        if (this.disposed) {
          // Disposed while it was starting: do not leave it running.
          this.stoppingHosts.add(h);
          h.kill();
          throw new EngineError('host_unavailable', 'the engine client was disposed');
        }
        host = h;
        this.host = h;
        this.watchdogFired = false;
        this.options.log.info(`engine host started (pid ${h.pid}) in ${Date.now() - started} ms`);
        this.startWatchdog();
        return h;
      })
      .catch((e: unknown) => {
        if (e instanceof EngineError) throw e;
        const reason = e instanceof Error ? e.message : String(e);
        this.options.log.error(reason);
        this.recordCrash(reason);
        throw new EngineError('host_crashed', reason);
      })
      .finally(() => {
        this.starting = undefined;
      });
    return this.starting;
  }

  private onHostExit(host: EngineHostProcess | undefined, exit: HostExit): void {
    if (!host) return;
    if (this.host === host) {
      this.host = undefined;
      this.stopWatchdog();
    }
    if (this.model?.host === host) this.model = undefined;
    const expected = this.stoppingHosts.has(host) || this.disposed;
    const reason = this.watchdogFired
      ? `a model step ran longer than ${this.stepTimeoutMs()} ms; the engine host was stopped`
      : `the engine host exited unexpectedly (${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`})`;
    const code: HostErrorCode = this.watchdogFired ? 'step_timeout' : 'host_crashed';
    this.failPending(host, new EngineError(expected ? 'cancelled' : code, expected ? 'the engine was stopped' : reason));
    if (expected || exit.code === 0) {
      this.setState({ kind: 'stopped' });
      return;
    }
    this.options.log.error(reason);
    this.recordCrash(reason);
  }

  /** Counts a crash, then restarts after a backoff delay or gives up and says so. */
  private recordCrash(reason: string): void {
    const now = Date.now();
    const policy = this.options.restartPolicy ?? defaultRestartPolicy;
    this.crashTimes = [...recentCrashes(this.crashTimes, now, policy), now];
    const decision = decideRestart(this.crashTimes, now, policy);
    if (!decision.restart) {
      this.gaveUp = `the engine host crashed ${this.crashTimes.length} times in ${Math.round(policy.windowMs / 1000)} s; last: ${reason}`;
      this.setState({ kind: 'unavailable', reason: this.gaveUp });
      return;
    }
    this.setState({ kind: 'restarting', reason, delayMs: decision.delayMs });
    const hadModel = this.loadedInfo !== undefined;
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (this.disposed || this.gaveUp || this.host?.alive || this.starting) return;
      // Bring the model back so the next request does not pay for the load; without a model,
      // start lazily on the next request instead.
      if (hadModel) void this.load().catch((e: unknown) => this.options.log.warn(`restart failed: ${String(e)}`));
      else this.setState({ kind: 'stopped' });
    }, decision.delayMs);
    this.restartTimer.unref?.();
  }

  // ── messages ───────────────────────────────────────────────────────────────

  private route(message: HostMessage): void {
    if (message.type === 'alive' || message.type === 'hello') return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if (pending.type === 'call') {
      this.pending.delete(message.id);
      if (message.type === 'result') pending.resolve(message.result);
      else if (message.type === 'error') pending.reject(new EngineError(message.error.code, message.error.message, message.error.detail));
      return;
    }
    if (message.type === 'event') {
      pending.queue.push(message.event);
      if (message.event.type === 'done') {
        this.pending.delete(message.id);
        pending.queue.end();
        this.afterStream();
      } else {
        this.countTokens(pending, message.event.tokenIds.length);
      }
    } else if (message.type === 'error') {
      this.pending.delete(message.id);
      const { code, message: text } = message.error;
      // The caller asked for the stop: end quietly instead of throwing at it.
      if (pending.cancelRequested && code === 'cancelled') pending.queue.end();
      else pending.queue.fail(new EngineError(code, text, message.error.detail));
      this.afterStream();
    }
  }

  private call(host: EngineHostProcess, build: (id: number) => HostRequest): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { type: 'call', host, resolve, reject });
      try {
        host.send(build(id));
      } catch (e) {
        this.pending.delete(id);
        reject(new EngineError('host_crashed', e instanceof Error ? e.message : String(e)));
      }
    });
  }

  private trySend(host: EngineHostProcess, request: HostRequest): void {
    try {
      host.send(request);
    } catch (e) {
      // The exit handler fails every pending request of this host with the reason.
      this.options.log.warn(`could not send ${request.type}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private failPending(host: EngineHostProcess, error: EngineError): void {
    for (const [id, pending] of this.pending) {
      if (pending.host !== host) continue;
      this.pending.delete(id);
      if (pending.type === 'call') pending.reject(error);
      else if (pending.cancelRequested && error.code === 'cancelled') pending.queue.end();
      else pending.queue.fail(error);
    }
  }

  // ── status, watchdog, idle ─────────────────────────────────────────────────

  private countTokens(stream: PendingStream, count: number): void {
    const now = Date.now();
    stream.firstTokenAt ??= now;
    stream.tokens += count;
    if (!this.loadedInfo || now - this.lastStateFire < STATE_THROTTLE_MS) return;
    const seconds = (now - stream.firstTokenAt) / 1000;
    const tokensPerSecond = seconds > 0.2 ? stream.tokens / seconds : undefined;
    this.setState({ kind: 'generating', model: this.loadedInfo, tokensPerSecond });
  }

  private afterStream(): void {
    const streaming = [...this.pending.values()].some((p) => p.type === 'stream');
    if (!streaming && this.loadedInfo && this.host?.alive && this.current.kind === 'generating') {
      this.setState({ kind: 'ready', model: this.loadedInfo, rssBytes: this.lastRssBytes });
      if (Date.now() - this.lastRssAt > RSS_INTERVAL_MS) void this.measureRss();
    }
  }

  private stepTimeoutMs(): number {
    return this.options.stepTimeoutMs ?? 120_000;
  }

  private startWatchdog(): void {
    this.stopWatchdog();
    this.watchdog = setInterval(() => {
      const host = this.host;
      if (!host?.alive || this.watchdogFired) return;
      const loading = this.current.kind === 'loading';
      const busy = [...this.pending.values()].some((p) => p.host === host && (p.type === 'stream' || loading));
      if (!busy) return;
      const limit = loading ? (this.options.loadTimeoutMs ?? 300_000) : this.stepTimeoutMs();
      if (Date.now() - host.lastActivityAt > limit) {
        this.watchdogFired = true;
        this.options.log.error(`engine host silent for more than ${limit} ms while ${loading ? 'loading' : 'generating'}: killing it`);
        host.kill();
      }
    }, WATCHDOG_INTERVAL_MS);
    this.watchdog.unref?.();
  }

  private stopWatchdog(): void {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  private clearIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private scheduleIdle(): void {
    this.clearIdleTimer();
    const ms = this.options.idleUnloadMs?.() ?? 0;
    if (ms <= 0 || this.disposed) return;
    this.idleTimer = setTimeout(() => {
      if (this.pending.size > 0 || this.starting) return this.scheduleIdle();
      this.options.log.info(`no requests for ${Math.round(ms / 1000)} s: unloading the model`);
      this.loadedInfo = undefined;
      void this.unload();
    }, ms);
    this.idleTimer.unref?.();
  }

  /** Asks the host for its RSS: logged, and shown with the ready state. */
  private async measureRss(): Promise<void> {
    this.lastRssAt = Date.now();
    try {
      const status = await this.status();
      if (!status) return;
      this.lastRssBytes = status.rssBytes;
      this.options.log.info(`engine host RSS ${(status.rssBytes / 2 ** 20).toFixed(0)} MiB`);
      if (this.current.kind === 'ready') this.setState({ ...this.current, rssBytes: status.rssBytes });
    } catch {
      // Diagnostics only.
    }
  }

  private setState(state: EngineState): void {
    this.current = state;
    this.lastStateFire = Date.now();
    this.stateEmitter.fire(state);
  }
}
