// Applies the scheduler's decisions: owns the loaded engine, the live generators and the single
// loop that takes one model step at a time. Control requests (load, unload, shutdown) run between
// steps in that same loop, so nothing ever touches the ORT session concurrently.
import type { GenerationStream } from '../generation/generationStream';
import type { GenerationEvent, GenerationRequest, LoadOptions, ModelInfo } from '../types';
import type { HostError, HostErrorCode, HostMessage, HostModelState, HostRequest, HostStatus } from './protocol';
import { admit, cancel, countByPhase, emptySchedule, markQueued, markStarted, pickNext, remove, type SchedulerState } from './scheduler';

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
  /** Called once a `shutdown` request has freed the model. */
  onShutdown?: () => void;
}

interface LiveRequest {
  readonly request: GenerationRequest;
  readonly abort: AbortController;
  iterator?: AsyncIterator<GenerationEvent>;
  /** Why it was stopped, when the caller did not stop it itself. */
  stopCode?: HostErrorCode;
  stopMessage?: string;
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
  private readonly live = new Map<number, LiveRequest>();
  private readonly controls: Array<() => Promise<void>> = [];
  private engine: RunnerEngine | undefined;
  private modelState: HostModelState = 'unloaded';
  private pumping = false;
  private aliveTimer: NodeJS.Timeout | undefined;
  /**
   * Whether the engine can keep a generation paused while another one runs (different KV slots).
   * Cleared the first time it refuses (EngineBusyError); started requests then run to their end.
   */
  private preempt = true;
  /** Loads received and not yet finished: requests arriving meanwhile wait for the model. */
  private loadsInFlight = 0;
  private lastSentAt = Date.now();
  private readonly maxQueued: number;
  private readonly aliveIntervalMs: number;
  private readonly coalesceMs: number;
  /** Deltas held back for coalescing, per request. */
  private readonly outbox = new Map<number, Extract<GenerationEvent, { type: 'delta' }>>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RunnerOptions) {
    this.maxQueued = options.maxQueued ?? 8;
    this.aliveIntervalMs = options.aliveIntervalMs ?? 1000;
    this.coalesceMs = options.coalesceMs ?? 16;
  }

  handle(message: HostRequest): void {
    switch (message.type) {
      case 'generate':
        return this.enqueueGenerate(message.id, message.request);
      case 'cancel':
        this.cancelRequest(message.target, 'cancelled', 'cancelled by the caller');
        return this.reply(message.id, null);
      case 'status':
        return this.reply(message.id, this.status());
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

  private enqueueGenerate(id: number, request: GenerationRequest): void {
    if (!this.engine && this.loadsInFlight === 0) {
      return this.fail(id, 'no_model', 'no model is loaded: send `load` first');
    }
    const admission = admit(this.schedule, { id, kind: request.kind }, { maxQueued: this.maxQueued });
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
    live.stopCode ??= code;
    live.stopMessage ??= message;
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
      live.stopCode ??= 'generation_failed';
      live.stopMessage ??= reason;
      live.abort.abort();
      await this.finish(id);
      this.fail(id, live.stopCode, live.stopMessage);
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
        const task = pickNext(this.schedule, { preempt: this.preempt });
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
    if (!live) {
      this.schedule = remove(this.schedule, id);
      return;
    }
    if (!this.engine) {
      this.schedule = remove(this.schedule, id);
      this.live.delete(id);
      return this.fail(id, 'no_model', 'the model failed to load or was unloaded');
    }
    const stopping = live.abort.signal.aborted;
    const starting = !live.iterator;
    try {
      if (!live.iterator) {
        live.iterator = this.engine.generate(live.request, live.abort.signal)[Symbol.asyncIterator]();
        this.schedule = markStarted(this.schedule, id);
      }
      let next: IteratorResult<GenerationEvent>;
      try {
        next = await live.iterator.next();
      } catch (e) {
        if (!(starting && e instanceof Error && e.name === 'EngineBusyError' && this.preempt)) throw e;
        // The engine holds one generation at a time: wait for the started one instead of pausing it.
        console.error('engine cannot pause a generation for another; completions now wait for running requests');
        this.preempt = false;
        live.iterator = undefined;
        this.schedule = markQueued(this.schedule, id);
        return;
      }
      if (next.done) {
        await this.finish(id);
        return this.fail(id, 'generation_failed', 'the engine ended the stream without a `done` event');
      }
      if (next.value.type === 'done') {
        await this.finish(id);
        // A superseded request ends with an error, so its caller never mistakes it for a result.
        if (live.stopCode === 'superseded' || live.stopCode === 'generation_failed') return this.fail(id, live.stopCode, live.stopMessage!);
        return this.sendEvent(id, next.value);
      }
      if (stopping) {
        // The engine kept going after the abort: end it here rather than let it hold its slot.
        await this.finish(id);
        return this.fail(id, live.stopCode ?? 'cancelled', live.stopMessage ?? 'cancelled');
      }
      this.sendEvent(id, next.value);
    } catch (e) {
      await this.finish(id);
      if (live.abort.signal.aborted) return this.fail(id, live.stopCode ?? 'cancelled', live.stopMessage ?? 'cancelled');
      this.fail(id, 'generation_failed', errorMessage(e));
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

  private sendEvent(id: number, event: GenerationEvent): void {
    if (event.type === 'delta' && this.coalesceMs > 0) {
      const held = this.outbox.get(id);
      if (held && held.channel === event.channel) {
        held.text += event.text;
        held.tokenIds.push(...event.tokenIds);
      } else {
        this.flush(id);
        this.outbox.set(id, { ...event, tokenIds: [...event.tokenIds] });
      }
      this.flushTimer ??= setTimeout(() => this.flushAll(), this.coalesceMs);
      return;
    }
    this.flush(id);
    this.send({ type: 'event', id, event });
  }

  /** Sends a request's held-back deltas; always before anything else about that request. */
  private flush(id: number): void {
    const held = this.outbox.get(id);
    if (!held) return;
    this.outbox.delete(id);
    this.send({ type: 'event', id, event: held });
  }

  private flushAll(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const id of [...this.outbox.keys()]) this.flush(id);
  }

  private reply(id: number, result: HostStatus | ModelInfo | null): void {
    this.send({ type: 'result', id, result });
  }

  private fail(id: number, code: HostErrorCode, message: string, detail?: string): void {
    this.flush(id);
    const error: HostError = detail === undefined ? { code, message } : { code, message, detail };
    this.send({ type: 'error', id, error });
  }

  private send(message: HostMessage): void {
    this.lastSentAt = Date.now();
    this.options.send(message);
  }
}
