// Prompt-lookup (n-gram) drafting for speculative decoding: when the text being written repeats
// text already in the context (an explanation quoting the selected code, a completion repeating a
// line pattern), the tokens that followed the last occurrence of the current n-gram are a cheap
// guess of what comes next. The generator verifies a draft with one batched forward pass and keeps
// only the tokens the model itself would have chosen, so the output never changes.

export interface PromptLookupOptions {
  /** Longest n-gram matched first (default 3). */
  maxNgram?: number;
  /** Shortest n-gram accepted as a match (default 2: single tokens match too often by chance). */
  minNgram?: number;
  /** Most tokens drafted at once (default 8). */
  maxDraft?: number;
  /** Steps without drafting after a draft of which nothing was accepted; doubles per miss up to 16 (default 1). */
  missCooldown?: number;
}

const MAX_COOLDOWN = 16;

/**
 * The tokens that followed the most recent earlier occurrence of the longest suffix n-gram of
 * `history` (from maxNgram down to minNgram tokens), at most `maxDraft` of them; [] without a match.
 */
export function proposeDraft(history: readonly number[], maxNgram: number, minNgram: number, maxDraft: number): number[] {
  const len = history.length;
  if (maxDraft < 1) return [];
  for (let n = Math.min(maxNgram, len - 1); n >= minNgram; n--) {
    const start = len - n;
    // Latest earlier occurrence first: nearby context is the likeliest to be repeated.
    for (let i = start - 1; i >= 0; i--) {
      let k = 0;
      while (k < n && history[i + k] === history[start + k]) k++;
      if (k === n) {
        const from = i + n;
        return history.slice(from, Math.min(from + maxDraft, len)) as number[];
      }
    }
  }
  return [];
}

/** Drafting policy for one generation: n-gram lookup plus a back-off when drafts keep missing. */
export class PromptLookup {
  private readonly maxNgram: number;
  private readonly minNgram: number;
  private readonly maxDraft: number;
  private readonly baseCooldown: number;
  private cooldown: number;
  private wait = 0;
  proposed = 0;
  accepted = 0;

  constructor(options: PromptLookupOptions = {}) {
    this.maxNgram = Math.max(1, options.maxNgram ?? 3);
    this.minNgram = Math.max(1, Math.min(this.maxNgram, options.minNgram ?? 2));
    this.maxDraft = Math.max(1, options.maxDraft ?? 8);
    this.baseCooldown = Math.max(0, options.missCooldown ?? 1);
    this.cooldown = this.baseCooldown;
  }

  /** A draft to verify after `history`, at most `limit` tokens (room left in the context and the token budget). */
  propose(history: readonly number[], limit: number): number[] {
    if (this.wait > 0) {
      this.wait--;
      return [];
    }
    return proposeDraft(history, this.maxNgram, this.minNgram, Math.min(this.maxDraft, limit));
  }

  /** How a draft of `proposed` tokens fared: `accepted` of them matched the model's own choice. */
  record(proposed: number, accepted: number): void {
    this.proposed += proposed;
    this.accepted += accepted;
    if (accepted > 0) {
      this.cooldown = this.baseCooldown;
      return;
    }
    this.wait = this.cooldown;
    this.cooldown = Math.min(MAX_COOLDOWN, Math.max(1, this.cooldown * 2));
  }
}
