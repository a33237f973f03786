// Test doubles for the completion pipeline: a clock driven by hand and an engine whose output
// each test releases step by step.
import type { GenerationEvent, GenerationRequest, GenerationStats } from '../../engine/types';
import type { Clock } from '../../extension/core/clock';
import type { BackendCapabilities } from '../../extension/core/generationBackend';
import type { CompletionBackend } from '../../extension/core/completion/completionBackend';

/** Lets promise callbacks and immediates queued so far run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class FakeClock implements Clock {
  private time = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward, firing due timers in order and letting their promise chains run. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      let dueId: number | undefined;
      let dueAt = Infinity;
      for (const [id, timer] of this.timers) {
        if (timer.at <= target && timer.at < dueAt) {
          dueAt = timer.at;
          dueId = id;
        }
      }
      if (dueId === undefined) break;
      const timer = this.timers.get(dueId)!;
      this.timers.delete(dueId);
      this.time = Math.max(this.time, timer.at);
      timer.callback();
      await settle();
    }
    this.time = target;
    await settle();
  }
}

export const fakeStats: GenerationStats = {
  promptTokens: 10,
  prefilledTokens: 10,
  reusedTokens: 0,
  generatedTokens: 1,
  reasoningTokens: 0,
  ttftMs: 1,
  prefillTokPerS: 1,
  decodeTokPerS: 1,
  totalMs: 1,
  executionProvider: 'cpu',
};

/** One `generate` call of the fake engine: the test pushes its output. */
export class FakeRun {
  readonly events: GenerationEvent[] = [];
  ended = false;
  private wake: (() => void) | undefined;

  constructor(
    readonly request: GenerationRequest,
    readonly signal: AbortSignal,
  ) {
    signal.addEventListener('abort', () => this.notify(), { once: true });
  }

  delta(text: string): void {
    this.events.push({ type: 'delta', channel: 'answer', text, tokenIds: [] });
    this.notify();
  }

  finish(finishReason: 'eos' | 'stop' | 'length' | 'time' = 'eos'): void {
    this.events.push({ type: 'done', finishReason, reasoningUnterminated: false, reasoningBudgetForced: false, tokenIds: [], stats: fakeStats });
    this.notify();
  }

  async *stream(): AsyncGenerator<GenerationEvent> {
    try {
      for (;;) {
        const event = this.events.shift();
        if (event) {
          yield event;
          if (event.type === 'done') return;
          continue;
        }
        if (this.signal.aborted) {
          // Like the engine: a cancelled stream ends with an `aborted` done event.
          yield { type: 'done', finishReason: 'aborted', reasoningUnterminated: false, reasoningBudgetForced: false, tokenIds: [], stats: fakeStats };
          return;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      this.ended = true;
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** A loaded model without fill-in-the-middle: completions continue the prefix. */
export const CONTINUATION_MODEL: BackendCapabilities = { modelName: 'fake', reasoning: false, tokenCount: false };

export class FakeEngine implements CompletionBackend {
  readonly runs: FakeRun[] = [];
  capabilities: BackendCapabilities | undefined = CONTINUATION_MODEL;

  async prepare(): Promise<BackendCapabilities> {
    return this.capabilities ?? CONTINUATION_MODEL;
  }

  generate(request: GenerationRequest, signal: AbortSignal): AsyncIterable<GenerationEvent> {
    const run = new FakeRun(request, signal);
    this.runs.push(run);
    return run.stream();
  }

  get active(): number {
    return this.runs.filter((r) => !r.ended).length;
  }

  get last(): FakeRun {
    const run = this.runs.at(-1);
    if (!run) throw new Error('The engine was never asked.');
    return run;
  }
}
