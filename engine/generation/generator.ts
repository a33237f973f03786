// The stateful generator: owns one KV cache and the tokens it holds. Callers append tokens
// (prefill, in chunks), read the logits of the last one, rewind to a shorter prefix, and dispose.
// The convenient loop on top (prompt → prefix reuse → sample → text events) is generate.ts.
import type { KvCache } from '../runtime/kvCache';

/** What the generator needs from the model (ModelRunner implements it). */
export interface ForwardModel {
  newCache(): KvCache;
  /** Runs `tokens` after the cache's positions, appends them to it, returns the last position's logits. */
  forward(tokens: readonly number[], cache: KvCache): Promise<Float32Array>;
  /** Like forward(), returning the logits of the last `keep` positions (for verifying a speculative draft). */
  forwardRows?(tokens: readonly number[], cache: KvCache, keep: number): Promise<Float32Array[]>;
}

/**
 * Prompt tokens per forward pass during prefill. Exported graphs return logits for every position
 * (151,936 floats each for R1), so one huge pass would allocate hundreds of MB just for logits.
 */
export const DEFAULT_PREFILL_CHUNK_TOKENS = 128;

export interface AppendOptions {
  chunkTokens?: number;
  /** Checked between chunks: a long prompt can be cancelled before it is fully prefilled. */
  signal?: AbortSignal;
}

export class Generator {
  private readonly cache: KvCache;
  private held: number[] = [];
  private last: Float32Array | undefined;
  private disposed = false;

  constructor(private readonly model: ForwardModel) {
    this.cache = model.newCache();
  }

  /** Tokens whose keys/values are in the cache, in order. */
  get tokens(): readonly number[] {
    return this.held;
  }

  /** Logits after the last appended token; undefined after a rewind until the next append. */
  get logits(): Float32Array | undefined {
    return this.last;
  }

  /** Runs `ids` through the model after the held tokens; returns the logits after the last one. */
  async append(ids: readonly number[], options: AppendOptions = {}): Promise<Float32Array> {
    this.checkAlive();
    if (ids.length === 0) throw new RangeError('append() needs at least one token.');
    const chunk = Math.max(1, Math.floor(options.chunkTokens ?? DEFAULT_PREFILL_CHUNK_TOKENS));
    if (ids.length > 1) this.cache.reserve(this.held.length + ids.length + 1);
    let logits: Float32Array | undefined;
    for (let start = 0; start < ids.length; start += chunk) {
      options.signal?.throwIfAborted();
      const piece = ids.slice(start, start + chunk);
      logits = await this.model.forward(piece, this.cache);
      // Keep tokens and cache in step after every chunk, so an abort leaves a reusable prefix.
      this.held.push(...piece);
      this.last = logits;
    }
    return logits as Float32Array;
  }

  /** True when the model can return several positions' logits from one pass (speculative verification). */
  get canVerify(): boolean {
    return this.model.forwardRows !== undefined;
  }

  /**
   * Runs `ids` in one pass after the held tokens and returns the logits after each of the last
   * `keep` of them, in order: row i follows ids[ids.length - keep + i].
   */
  async appendRows(ids: readonly number[], keep: number): Promise<Float32Array[]> {
    this.checkAlive();
    if (!this.model.forwardRows) throw new Error('This model cannot return logits for several positions.');
    const rows = await this.model.forwardRows(ids, this.cache, keep);
    this.held.push(...ids);
    this.last = rows[rows.length - 1];
    return rows;
  }

  /** One decode step: feeds the chosen token, returns the logits for the next one. */
  step(token: number): Promise<Float32Array> {
    return this.append([token]);
  }

  /** Forgets every token from position `length` on. */
  rewindTo(length: number): void {
    this.checkAlive();
    if (length === this.held.length) return;
    this.cache.truncate(length);
    this.held = this.held.slice(0, length);
    this.last = undefined;
  }

  /** Releases the KV cache; the generator cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.cache.release();
    this.held = [];
    this.last = undefined;
    this.disposed = true;
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('This generator was disposed.');
  }
}

