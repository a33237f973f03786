// Logits processors: in-place edits of one row of logits before the sampler sees it.
// Each is a small object so the generator can keep a list and apply them in order.

/** Edits `logits` in place. `tokenIds` is the whole sequence so far: prompt, then generated tokens. */
export interface LogitsProcessor {
  process(logits: Float32Array, tokenIds: readonly number[]): void;
}

/** Run processors in order. */
export function applyProcessors(processors: readonly LogitsProcessor[], logits: Float32Array, tokenIds: readonly number[]): void {
  for (const p of processors) p.process(logits, tokenIds);
}

/**
 * Hugging Face's repetition penalty (CTRL paper): every token already in the sequence (prompt
 * included) gets its logit divided by `penalty` when positive, multiplied when negative, once per
 * distinct token. 1 means no penalty; above 1 discourages repeats.
 */
export function repetitionPenalty(penalty: number): LogitsProcessor {
  if (!(penalty > 0) || !Number.isFinite(penalty)) {
    throw new RangeError(`repetition penalty must be a finite number > 0, got ${penalty}`);
  }
  return {
    process(logits, tokenIds) {
      if (penalty === 1) return;
      const seen = new Set<number>();
      for (const id of tokenIds) {
        if (seen.has(id) || id < 0 || id >= logits.length) continue;
        seen.add(id);
        const v = logits[id];
        logits[id] = v < 0 ? v * penalty : v / penalty;
      }
    },
  };
}

/** Set these token ids to -Infinity so they can never be sampled. Ids outside the row are ignored. */
export function maskTokens(ids: Iterable<number>): LogitsProcessor {
  const masked = Int32Array.from(new Set(ids));
  return {
    process(logits) {
      for (const id of masked) if (id >= 0 && id < logits.length) logits[id] = -Infinity;
    },
  };
}

/** What the think guard needs to know about the tokenizer (TextTokenizer has these). */
export interface AddedTokenSource {
  /** Every added token, content → id (R1: `<think>`, `</think>`, `<｜User｜>`, bos, eos, FIM, ...). */
  readonly addedTokens: ReadonlyMap<string, number>;
  /** Content of the end-of-sequence token (R1: `<｜end▁of▁sentence｜>`). */
  readonly eosToken: string | undefined;
}

/**
 * Ids the completion think guard masks: every added token of the tokenizer — the think tags, the
 * chat-role tokens, bos, FIM and tool/vision markers — except the tokenizer's eos token and any
 * `allow` ids, so a completion can still end. Resolved from the tokenizer, never hard-coded.
 */
export function thinkGuardTokenIds(tokenizer: AddedTokenSource, allow: Iterable<number> = []): number[] {
  const keep = new Set(allow);
  const eosId = tokenizer.eosToken === undefined ? undefined : tokenizer.addedTokens.get(tokenizer.eosToken);
  if (eosId !== undefined) keep.add(eosId);
  for (const tag of ['<think>', '</think>']) {
    const id = tokenizer.addedTokens.get(tag);
    if (id !== undefined) keep.delete(id); // never allowed, whatever the caller passed
  }
  return [...tokenizer.addedTokens.values()].filter((id) => !keep.has(id)).sort((a, b) => a - b);
}

/** The completion think guard as a processor: no `<think>`, `</think>` or chat-role token can appear in code. */
export function thinkGuard(tokenizer: AddedTokenSource, allow: Iterable<number> = []): LogitsProcessor {
  return maskTokens(thinkGuardTokenIds(tokenizer, allow));
}
