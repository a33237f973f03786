// The local engine host as a GenerationBackend: what completions, chat and explain talk to. It
// resolves which model to run, asks the supervisor for a process with that model, and streams.
// Lifecycle rules live in lifecycle.ts, process handling in supervisor.ts, request routing in
// connection.ts, speed and memory in telemetry.ts.
import type { HostStatus, TokenCountInput } from '../../engine/host/protocol';
import type { GenerationEvent, GenerationRequest, LoadOptions, ModelInfo } from '../../engine/types';
import { raceAbort } from '../core/abort';
import { systemClock, type Clock } from '../core/clock';
import { Emitter } from '../core/emitter';
import type { BackendCapabilities, BackendState, GenerationBackend } from '../core/generationBackend';
import type { Logger } from '../core/logger';
import { engineState, localCapabilities } from './engineState';
import { forkHost, type SpawnHost } from './hostProcess';
import { loadedModel } from './lifecycle';
import type { RestartPolicy } from './restartPolicy';
import { Supervisor } from './supervisor';
import { Telemetry } from './telemetry';

export interface LocalEngineOptions {
  /** Path of the bundled host, dist/engineHost.js. */
  hostScript: string;
  /** Where the model is and how to run it; throw an EngineError (e.g. `no_model`, `untrusted`) to refuse. */
  resolveLoadOptions: () => LoadOptions | Promise<LoadOptions>;
  log: Logger;
  /** Runtime that executes the host; default: this process's own (Electron inside VS Code). */
  execPath?: string;
  stepTimeoutMs?: number;
  loadTimeoutMs?: number;
  startTimeoutMs?: number;
  /** Stop the host (freeing the model) after this long without requests; 0 never. Read on each use. */
  idleUnloadMs?: () => number;
  restartPolicy?: RestartPolicy;
  /** Starts a host process; default: fork `hostScript`. Tests pass fakes. */
  spawn?: SpawnHost;
  clock?: Clock;
}

export class LocalEngine implements GenerationBackend {
  private readonly states = new Emitter<BackendState>();
  /** Fires on every state change: status bar, failure notices. */
  readonly onDidChangeState = this.states.event;
  private readonly telemetry: Telemetry;
  private readonly supervisor: Supervisor;

  constructor(private readonly options: LocalEngineOptions) {
    const { log } = options;
    const clock = options.clock ?? systemClock;
    this.telemetry = new Telemetry(clock);
    const spawn = options.spawn ?? forkHost({ hostScript: options.hostScript, execPath: options.execPath, startTimeoutMs: options.startTimeoutMs ?? 30_000, log });
    this.supervisor = new Supervisor({
      spawn,
      log,
      clock,
      restartPolicy: options.restartPolicy,
      stepTimeoutMs: options.stepTimeoutMs,
      loadTimeoutMs: options.loadTimeoutMs,
      idleUnloadMs: options.idleUnloadMs,
      hooks: {
        onStreamOpened: () => this.telemetry.streamOpened(),
        onTokens: (count) => this.telemetry.tokens(count) && this.publish(),
        onStreamClosed: () => this.telemetry.streamClosed() && this.afterBusy(),
      },
      reload: () => this.load(),
    });
    this.supervisor.onDidChange(({ event }) => {
      if (event.type === 'loaded') {
        this.telemetry.reset();
        void this.measureRss();
      }
      this.publish();
    });
  }

  get state(): BackendState {
    return engineState(this.supervisor.lifecycle, this.telemetry.snapshot());
  }

  /** The loaded model; undefined whenever no process holds it (before loading, after an unload). */
  get modelInfo(): ModelInfo | undefined {
    return loadedModel(this.supervisor.lifecycle);
  }

  get capabilities(): BackendCapabilities | undefined {
    const info = this.modelInfo;
    return info && localCapabilities(info);
  }

  async prepare(): Promise<BackendCapabilities> {
    return localCapabilities(await this.load());
  }

  /** Process id of the running host, for diagnostics and tests. */
  get hostPid(): number | undefined {
    return this.supervisor.connection?.pid;
  }

  /**
   * Streams a generation, starting the host and loading the model first if needed. Aborting
   * `signal` stops it within one model step and ends the stream quietly; a caller that gives up
   * while the model loads returns at once and the load carries on for the next request.
   */
  async *generate(request: GenerationRequest, signal?: AbortSignal): AsyncGenerator<GenerationEvent, void, undefined> {
    if (signal?.aborted) return;
    const release = this.supervisor.beginUse();
    try {
      const ready = this.ensureModel();
      ready.catch(() => undefined);
      const model = await raceAbort(ready, signal);
      if (!model || signal?.aborted) return;
      yield* model.connection.generate(request, signal);
    } finally {
      release();
    }
  }

  /**
   * Counts with the configured model's tokenizer in the engine host, which starts if needed but
   * loads no model. Refused like a generation where no model may load (Restricted Mode, no model).
   */
  async countTokens(input: TokenCountInput): Promise<number> {
    const release = this.supervisor.beginUse();
    try {
      const { modelPath } = await this.options.resolveLoadOptions();
      const connection = await this.supervisor.connect();
      return await connection.call('countTokens', { modelPath, input });
    } finally {
      release();
    }
  }

  /** Loads the configured model now (normally the first request does). */
  async load(): Promise<ModelInfo> {
    const release = this.supervisor.beginUse();
    try {
      return (await this.ensureModel()).info;
    } finally {
      release();
    }
  }

  /** The host's own report (RSS, model, queue), or undefined when no host runs. */
  async hostStatus(): Promise<HostStatus | undefined> {
    return this.supervisor.connection?.call('status', {});
  }

  /** After the engine gave up on a crashing host: forget the crashes and start again. */
  retry(): Promise<ModelInfo> {
    this.supervisor.retry();
    return this.load();
  }

  /** Stops the host and frees the model (the model settings changed); the next request starts it again. */
  unload(): Promise<void> {
    return this.supervisor.stop();
  }

  async dispose(): Promise<void> {
    await this.supervisor.dispose();
    this.states.dispose();
  }

  private async ensureModel(): ReturnType<Supervisor['ensureModel']> {
    return this.supervisor.ensureModel(await this.options.resolveLoadOptions());
  }

  private afterBusy(): void {
    this.publish();
    if (this.telemetry.rssDue()) void this.measureRss();
  }

  /** Asks the host for its RSS: logged, and shown with the ready state. */
  private async measureRss(): Promise<void> {
    this.telemetry.rssMeasuring();
    try {
      const status = await this.hostStatus();
      if (!status) return;
      this.telemetry.rss(status.rssBytes, status.shared?.windows);
      const shared = status.shared ? ` (shared engine, ${status.shared.windows} window${status.shared.windows === 1 ? '' : 's'})` : '';
      this.options.log.info(`engine host RSS ${(status.rssBytes / 2 ** 20).toFixed(0)} MiB${shared}`);
      this.publish();
    } catch {
      // Diagnostics only.
    }
  }

  private publish(): void {
    this.states.fire(this.state);
  }
}
