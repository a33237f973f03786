// Per-slot KV-cache reuse. Each slot (completion, chat, explain, or a caller-chosen name) keeps the
// generator of its last request, so a new prompt that starts like the previous sequence only runs
// the tokens after the shared prefix: typing one more character in the editor costs a few tokens of
// prefill instead of the whole file. Greedy output is identical to a cold run because the kept
// positions hold exactly the keys/values a cold run would compute for them.
import { Generator, type ForwardModel } from './generator';

export interface PreparedPrompt {
  generator: Generator;
  /** Logits after the last prompt token. */
  logits: Float32Array;
  reusedTokens: number;
  prefilledTokens: number;
}

export function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** A generation was started in a slot that a live generation holds. */
export class SlotBusyError extends Error {
  override readonly name = 'SlotBusyError';
  constructor(readonly slot: string) {
    super(`KV-cache slot "${slot}" is in use by a running generation: finish or cancel it first.`);
  }
}

export interface PrefixCacheOptions {
  /** Slots kept at once; the least recently used one is released beyond this. */
  maxSlots?: number;
  prefillChunkTokens?: number;
}

export class PrefixCache {
  /** Insertion order doubles as recency: a used slot is re-inserted at the end. */
  private readonly slots = new Map<string, Generator>();
  /**
   * Slots whose generator a live generation is using: never evicted, never handed out twice. The
   * one record of which slot is busy.
   */
  private readonly pinned = new Set<string>();
  private readonly maxSlots: number;

  constructor(
    private readonly model: ForwardModel,
    private readonly options: PrefixCacheOptions = {},
  ) {
    this.maxSlots = Math.max(1, options.maxSlots ?? 4);
  }

  /**
   * The slot's generator, holding exactly `prompt`: rolled back to the longest prefix it shares with
   * what the slot holds, then the rest prefilled. The last prompt token is always run again, even
   * when the whole prompt is cached, because its logits are what the first new token is sampled from.
   */
  async prepare(slot: string, prompt: readonly number[], signal?: AbortSignal): Promise<PreparedPrompt> {
    if (prompt.length === 0) throw new RangeError('The prompt is empty: at least one token is needed.');
    const generator = this.slots.get(slot) ?? new Generator(this.model);
    this.slots.delete(slot);
    this.slots.set(slot, generator);
    this.evict();

    const keep = Math.min(commonPrefixLength(generator.tokens, prompt), prompt.length - 1);
    generator.rewindTo(keep);
    const logits = await generator.append(prompt.slice(keep), { chunkTokens: this.options.prefillChunkTokens, signal });
    return { generator, logits, reusedTokens: keep, prefilledTokens: prompt.length - keep };
  }

  /** True while any generation holds a slot. */
  get busy(): boolean {
    return this.pinned.size > 0;
  }

  /**
   * Marks a slot as used by a live generation; a slot can be pinned once (SlotBusyError otherwise).
   * Returns the release, which is safe to call more than once (only the first call unpins).
   */
  pin(slot: string): () => void {
    if (this.pinned.has(slot)) throw new SlotBusyError(slot);
    this.pinned.add(slot);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.pinned.delete(slot);
      this.evict();
    };
  }

  /** Forgets a slot's cache (not while a generation uses it: it is dropped when that one ends). */
  drop(slot: string): void {
    if (this.pinned.has(slot)) return;
    this.slots.get(slot)?.dispose();
    this.slots.delete(slot);
  }

  clear(): void {
    for (const g of this.slots.values()) g.dispose();
    this.slots.clear();
    this.pinned.clear();
  }

  /** Releases least recently used slots beyond the limit, skipping pinned ones. */
  private evict(): void {
    for (const slot of [...this.slots.keys()]) {
      if (this.slots.size <= this.maxSlots) return;
      if (!this.pinned.has(slot)) this.drop(slot);
    }
  }
}
