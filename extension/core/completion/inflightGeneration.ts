// One model run for a completion, shared by every request that can use its output.
//
// While the user types, each keystroke is a new request. When the characters typed since the run
// started are what the run has generated (or is still generating), the new request waits for this
// run instead of starting another one. Requests attach and release; a run nobody waits for is
// cancelled after a grace period, long enough for the next keystroke's request to adopt it.
import type { FinishReason, GenerationRequest, GenerationStats } from '../../../engine/types';
import { blockEndIndex } from './blockEnd';
import type { CacheKey } from './completionCache';
import type { GenerationStream } from '../../../engine/generation/generationStream';
import type { Clock } from '../clock';

export interface GenerationOutcome {
  /** Generated text, cut at the end of the cursor's block when it was found. */
  text: string;
  /** Ended on its own (eos, stop string, end of block) rather than at a limit or by cancellation. */
  complete: boolean;
  finishReason: FinishReason | 'block-end' | 'error';
  stats?: GenerationStats;
  error?: unknown;
}

export interface InflightGenerationInit {
  engine: GenerationStream;
  request: GenerationRequest;
  key: CacheKey;
  /** The cursor line before the cursor: decides where the block ends. */
  linePrefix: string;
  multiline: boolean;
  clock: Clock;
  graceMs: number;
}

export class InflightGeneration {
  readonly key: CacheKey;
  readonly startedAt: number;
  /** Settles when the engine stream has ended; never rejects. */
  readonly result: Promise<GenerationOutcome>;
  private generated = '';
  private finished = false;
  private waiters = 0;
  private graceTimer: unknown;
  private readonly controller = new AbortController();

  constructor(private readonly init: InflightGenerationInit) {
    this.key = init.key;
    this.startedAt = init.clock.now();
    this.result = this.run();
  }

  get text(): string {
    return this.generated;
  }

  get done(): boolean {
    return this.finished;
  }

  /**
   * Whether this run's prompt plus its output (so far, or still to come) can answer `key`: same
   * document and suffix, a prefix that extends this run's prefix, and typed text that agrees with
   * what was generated.
   */
  covers(key: CacheKey): boolean {
    if (key.document !== this.key.document || key.suffix !== this.key.suffix) return false;
    if (!key.prefix.startsWith(this.key.prefix)) return false;
    const typed = key.prefix.slice(this.key.prefix.length);
    if (this.generated.length > typed.length) return this.generated.startsWith(typed);
    return !this.finished && typed.startsWith(this.generated);
  }

  /** Registers interest in the result; call the returned function once when no longer interested. */
  attach(): () => void {
    this.waiters++;
    if (this.graceTimer !== undefined) {
      this.init.clock.clearTimeout(this.graceTimer);
      this.graceTimer = undefined;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.waiters--;
      if (this.waiters === 0 && !this.finished) {
        this.graceTimer = this.init.clock.setTimeout(() => {
          this.graceTimer = undefined;
          if (this.waiters === 0) this.abort();
        }, this.init.graceMs);
      }
    };
  }

  abort(): void {
    this.controller.abort();
  }

  private async run(): Promise<GenerationOutcome> {
    const { engine, request, linePrefix, multiline } = this.init;
    let blockEnded = false;
    let outcome: GenerationOutcome | undefined;
    try {
      for await (const event of engine.generate(request, this.controller.signal)) {
        if (event.type === 'delta') {
          // Only answer text is code (thinking is suppressed); nothing counts after the block ended.
          if (event.channel !== 'answer' || blockEnded) continue;
          this.generated += event.text;
          const end = multiline ? blockEndIndex(this.generated, linePrefix) : -1;
          if (end >= 0) {
            // The rest would be cut anyway: stop the model now and free it for the next request.
            // The stream still runs to its `done` event, which carries the counts.
            this.generated = this.generated.slice(0, end);
            blockEnded = true;
            this.controller.abort();
          }
        } else if (blockEnded) {
          outcome = { text: this.generated, complete: true, finishReason: 'block-end', stats: event.stats };
        } else {
          const complete = event.finishReason === 'eos' || event.finishReason === 'stop';
          outcome = { text: this.generated, complete, finishReason: event.finishReason, stats: event.stats };
        }
      }
    } catch (error) {
      // A cancelled stream may end by throwing; that is not a failure.
      if (!this.controller.signal.aborted) outcome = { text: this.generated, complete: false, finishReason: 'error', error };
    } finally {
      this.finished = true;
      if (this.graceTimer !== undefined) this.init.clock.clearTimeout(this.graceTimer);
    }
    if (outcome) return outcome;
    return blockEnded
      ? { text: this.generated, complete: true, finishReason: 'block-end' }
      : { text: this.generated, complete: false, finishReason: 'aborted' };
  }
}
