// When generation ends, and why. One small object checked once per step by the generator; the
// reasons are the engine's `FinishReason`s. Stop strings are separate (stopStrings.ts) because they
// work on text, not tokens; they report 'stop'.

import type { FinishReason } from '../types';

export interface StoppingOptions {
  /**
   * End-of-sequence ids: generation_config.json `eos_token_id` as read by engine/model/configFiles.ts
   * (R1: `<｜Assistant｜>` and `<｜end▁of▁sentence｜>`).
   */
  eosIds: readonly number[];
  maxNewTokens: number;
  /** Wall-clock budget from construction; the text produced so far is kept. */
  timeBudgetMs?: number;
  /**
   * Wall-clock budget from the first check that sees a generated token, i.e. from the end of the
   * prefill: the first token is always produced, however long the prompt took.
   */
  decodeTimeBudgetMs?: number;
  signal?: AbortSignal;
  /** Clock in milliseconds; injectable so tests need no real waiting. */
  now?: () => number;
}

export class StoppingCriteria {
  private readonly eos: ReadonlySet<number>;
  private readonly now: () => number;
  private readonly startedAt: number;
  private decodeStartedAt: number | undefined;

  constructor(private readonly options: StoppingOptions) {
    if (!Number.isInteger(options.maxNewTokens) || options.maxNewTokens < 0) {
      throw new RangeError(`maxNewTokens must be an integer >= 0, got ${options.maxNewTokens}`);
    }
    if (options.timeBudgetMs !== undefined && !(options.timeBudgetMs >= 0)) {
      throw new RangeError(`timeBudgetMs must be >= 0, got ${options.timeBudgetMs}`);
    }
    if (options.decodeTimeBudgetMs !== undefined && !(options.decodeTimeBudgetMs >= 0)) {
      throw new RangeError(`decodeTimeBudgetMs must be >= 0, got ${options.decodeTimeBudgetMs}`);
    }
    this.eos = new Set(options.eosIds);
    this.now = options.now ?? (() => performance.now());
    this.startedAt = this.now();
  }

  /**
   * Check before running the next step: abort first (the caller wants out), then the token limit,
   * then the time budgets. `generated` counts tokens produced so far; the decode budget starts at
   * the first check after a token was produced.
   */
  beforeStep(generated: number): FinishReason | undefined {
    if (this.options.signal?.aborted) return 'aborted';
    if (generated >= this.options.maxNewTokens) return 'length';
    if (this.options.timeBudgetMs !== undefined && this.now() - this.startedAt >= this.options.timeBudgetMs) return 'time';
    if (this.options.decodeTimeBudgetMs !== undefined && generated > 0) {
      this.decodeStartedAt ??= this.now();
      if (this.now() - this.decodeStartedAt >= this.options.decodeTimeBudgetMs) return 'time';
    }
    return undefined;
  }

  /** Tokens that may still be produced after `generated` (ignoring time and abort). */
  remaining(generated: number): number {
    return Math.max(0, this.options.maxNewTokens - generated);
  }

  /** Check a token just produced: an eos id ends generation (the eos token itself is not shown). */
  afterToken(id: number): FinishReason | undefined {
    return this.eos.has(id) ? 'eos' : undefined;
  }
}
