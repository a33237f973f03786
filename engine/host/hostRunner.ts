// Applies the scheduler's decisions: owns the loaded engine, the live generators and the single
// loop that takes one model step at a time. Control requests (load, unload, shutdown) run between
// steps in that same loop, so nothing ever touches the ORT session concurrently.
import type { GenerationStream } from '../generation/generationStream';
import type { GenerationRequest, LoadOptions, ModelInfo } from '../types';
import { DeltaBatcher } from './deltaBatcher';
import type { HostError, HostErrorCode, HostMessage, HostModelState, HostRequest, HostResults, HostStatus, TokenCountInput } from './protocol';
import { judgeStep, type Pulled, type RequestStatus } from './requestStatus';
import { admit, cancel, countByPhase, DEFAULT_CLIENT, emptySchedule, markStarted, pickNext, remove, type SchedulerState } from './scheduler';

/** What the runner needs from the engine facade. */
export interface RunnerEngine extends GenerationStream {
  readonly info: ModelInfo;
  dispose(): void | Promise<void>;
}

export type LoadEngine = (options: LoadOptions) => Promise<RunnerEngine>;

export interface RunnerOptions {
  loadEngine: LoadEngine;
  send: (message: HostMessage) => void;
  /** Most requests waiting without having started before new ones get `busy`. */
  maxQueued?: number;
  /**
   * While busy, send an `alive` message when nothing was sent for this long. It comes from a timer,
   * which fires only when the event loop turns (between forward passes), so silence means one
   * native call is taking long: what the extension's watchdog looks for.
   */
  aliveIntervalMs?: number;
  /**
   * Deltas of a request produced within this window go out as one message (0: one per event).
   * A fast model makes thousands of steps a second; the extension host should not wake for each.
   */
  coalesceMs?: number;
  rssBytes?: () => number;
  /** Counts tokens with a folder's tokenizer (main.ts: TokenCounter); absent, `countTokens` is refused. */
  countTokens?: (modelPath: string, input: TokenCountInput) => number;
  /** Called once a `shutdown` request has freed the model. */
  onShutdown?: () => void;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The engine's own error code (ModelLoadError and the like), when the error carries one. */
function errorDetail(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Lets pending IPC messages (a cancel, a newer completion) in between two model steps. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class HostRunner {
  private schedule: SchedulerState = emptySchedule;
  private readonly live = new Map<number, RequestStatus>();
  private readonly controls: Array<() => Promise<void>> = [];
  private engine: RunnerEngine | undefined;
  private modelState: HostModelState = 'unloaded';
  private pumping = false;
  private aliveTimer: NodeJS.Timeout | undefined;
  /** Loads received and not yet finished: requests arriving meanwhile wait for the model. */
  private loadsInFlight = 0;
  private lastSentAt = Date.now();
  private readonly maxQueued: number;
  private readonly aliveIntervalMs: number;
  private readonly deltas: DeltaBatcher;

  constructor(private readonly options: RunnerOptions) {
    this.maxQueued = options.maxQueued ?? 8;
    this.aliveIntervalMs = options.aliveIntervalMs ?? 1000;
    this.deltas = new DeltaBatcher(options.coalesceMs ?? 16, (message) => this.send(message));
  }

  /**
   * `client` names the sender when several share this runner (windows of the shared engine, HTTP
   * callers of `r1-local serve`): a newer completion replaces only the same client's older ones.
   */
  handle(message: HostRequest, client: string = DEFAULT_CLIENT): void {
    switch (message.type) {
      case 'generate':
        return this.enqueueGenerate(message.id, message.request, client);
      case 'cancel':
        this.cancelRequest(message.target, 'cancelled', 'cancelled by the caller');
        return this.reply(message.id, null);
      case 'status':
        return this.reply(message.id, this.status());
      case 'countTokens':
        return this.countTokens(message.id, message.modelPath, message.input);
      case 'load':
        this.loadsInFlight++;
        return this.control(message.id, async () => {
          try {
            await this.unloadModel('the model was replaced while this request ran');
            this.modelState = 'loading';
            this.engine = await this.options.loadEngine(message.options);
            this.modelState = 'ready';
            this.reply(message.id, this.engine.info);
          } catch (e) {
            this.modelState = 'unloaded';
            this.fail(message.id, 'load_failed', errorMessage(e), errorDetail(e));
          } finally {
            this.loadsInFlight--;
          }
        });
      case 'unload':
        return this.control(message.id, async () => {
          await this.unloadModel('the model was unloaded while this request ran');
          this.reply(message.id, null);
        });
      case 'shutdown':
        return this.control(message.id, async () => {
          await this.unloadModel('the engine host is shutting down');
          this.reply(message.id, null);
          this.options.onShutdown?.();
        });
    }
  }

  /** Reports a message that could not be decoded. */
  rejectMalformed(id: number | undefined, message: string): void {
    this.send({ type: 'error', id: id ?? -1, error: { code: 'bad_request', message } });
  }

  status(): HostStatus {
    const { queued, started } = countByPhase(this.schedule);
    return {
      pid: process.pid,
      modelState: this.modelState,
      model: this.engine?.info,
      rssBytes: this.options.rssBytes?.() ?? process.memoryUsage.rss(),
      queued,
      active: started,
    };
  }

  /**
   * Answered at once, between two model steps like every message: tokenizing is fast next to a
   * step, and a count never waits behind a long chat in the queue.
   */
  private countTokens(id: number, modelPath: string, input: TokenCountInput): void {
    if (!this.options.countTokens) return this.fail(id, 'bad_request', 'this engine host does not count tokens');
    try {
      this.reply(id, this.options.countTokens(modelPath, input));
    } catch (e) {
      this.fail(id, 'load_failed', `could not count tokens with the tokenizer of ${modelPath}: ${errorMessage(e)}`, errorDetail(e));
    }
  }

  private enqueueGenerate(id: number, request: GenerationRequest, client: string): void {
    if (!this.engine && this.loadsInFlight === 0) {
      return this.fail(id, 'no_model', 'no model is loaded: send `load` first');
    }
    const admission = admit(this.schedule, { id, kind: request.kind, client }, { maxQueued: this.maxQueued });
    if (!admission.accepted) {
      return admission.reason === 'busy'
        ? this.fail(id, 'busy', `the engine is busy: ${this.maxQueued} requests are already waiting`)
        : this.fail(id, 'bad_request', `request id ${id} is already in use`);
    }
    for (const old of admission.superseded) this.stopLive(old, 'superseded', `superseded by completion request ${id}`);
    this.schedule = admission.state;
    this.live.set(id, { request, abort: new AbortController() });
    this.pump();
  }

  private cancelRequest(id: number, code: HostErrorCode, message: string): void {
    if (!this.live.has(id)) return;
    this.schedule = cancel(this.schedule, id);
    this.stopLive(id, code, message);
    this.pump();
  }

  /** Aborts a live request; one that never started ends here, a started one on its last step. */
  private stopLive(id: number, code: HostErrorCode, message: string): void {
    const live = this.live.get(id);
    if (!live) return;
    live.stop ??= { code, message };
    live.abort.abort();
    if (!live.iterator) {
      this.live.delete(id);
      this.fail(id, code, message);
    }
  }

  private control(id: number, run: () => Promise<void>): void {
    this.controls.push(async () => {
      try {
        await run();
      } catch (e) {
        this.fail(id, 'generation_failed', errorMessage(e));
      }
    });
    this.pump();
  }

  private async unloadModel(reason: string): Promise<void> {
    for (const id of [...this.live.keys()]) {
      const live = this.live.get(id)!;
      live.stop ??= { code: 'generation_failed', message: reason };
      live.abort.abort();
      await this.finish(id);
      this.fail(id, live.stop.code, live.stop.message);
    }
    const engine = this.engine;
    this.engine = undefined;
    this.modelState = 'unloaded';
    await engine?.dispose();
  }

  private pump(): void {
    if (this.pumping) return;
    this.setBusy(true);
    void this.loop();
  }

  private setBusy(busy: boolean): void {
    this.pumping = busy;
    clearInterval(this.aliveTimer);
    this.aliveTimer = undefined;
    if (!busy) return;
    this.aliveTimer = setInterval(() => {
      if (Date.now() - this.lastSentAt >= this.aliveIntervalMs) this.send({ type: 'alive', busy: true });
    }, this.aliveIntervalMs / 2);
    this.aliveTimer.unref();
  }

  private async loop(): Promise<void> {
    try {
      for (;;) {
        const control = this.controls.shift();
        if (control) {
          await control();
          continue;
        }
        const task = pickNext(this.schedule);
        if (!task) {
          // Cleared in the same tick as the emptiness check, so a request arriving next is never missed.
          this.setBusy(false);
          return;
        }
        await this.step(task.id);
        await yieldToEventLoop();
      }
    } catch (e) {
      this.setBusy(false);
      throw e;
    }
  }

  /** Pulls one event from a request's generator: one model step (or a few, if the engine batches). */
  private async step(id: number): Promise<void> {
    const live = this.live.get(id);
    if (!live || !this.engine) {
      this.schedule = remove(this.schedule, id);
      if (!live) return;
      this.live.delete(id);
      return this.fail(id, 'no_model', 'the model failed to load or was unloaded');
    }
    const abortedBefore = live.abort.signal.aborted;
    const outcome = judgeStep(live, await this.pull(id, live, this.engine), abortedBefore);
    if (outcome.kind !== 'event') await this.finish(id);
    if (outcome.kind === 'failed') this.fail(id, outcome.error.code, outcome.error.message);
    else this.deltas.event(id, outcome.event);
  }

  /** The next event of a request, starting its generator on the first pull. */
  private async pull(id: number, live: RequestStatus, engine: RunnerEngine): Promise<Pulled> {
    try {
      if (!live.iterator) {
        live.iterator = engine.generate(live.request, live.abort.signal)[Symbol.asyncIterator]();
        this.schedule = markStarted(this.schedule, id);
      }
      return { ok: true, result: await live.iterator.next() };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /** Forgets a request and lets its generator run its cleanup (frees the KV slot it held). */
  private async finish(id: number): Promise<void> {
    const live = this.live.get(id);
    this.live.delete(id);
    this.schedule = remove(this.schedule, id);
    try {
      await live?.iterator?.return?.();
    } catch {
      // The generator already failed; its state is gone either way.
    }
  }

  private reply(id: number, result: HostResults[keyof HostResults]): void {
    this.send({ type: 'result', id, result });
  }

  private fail(id: number, code: HostErrorCode, message: string, detail?: string): void {
    this.deltas.flush(id);
    const error: HostError = detail === undefined ? { code, message } : { code, message, detail };
    this.send({ type: 'error', id, error });
  }

  private send(message: HostMessage): void {
    this.lastSentAt = Date.now();
    this.options.send(message);
  }
}
