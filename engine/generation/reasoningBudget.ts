// Budget forcing for R1's reasoning: once the model has produced `maxReasoningTokens` tokens and is
// still thinking, the generator appends the closing sequence `\n</think>\n\n` (encoded with the
// model's own tokenizer) as if the model had written it, and the model continues with the answer.

/** The text injected to close the trace. */
export const REASONING_CLOSE_TEXT = '\n</think>\n\n';

/** The closing sequence as token ids of this tokenizer (`</think>` is an added token in R1, so it encodes to its id). */
export function reasoningCloseIds(tokenizer: { encode(text: string): number[] }): number[] {
  const ids = tokenizer.encode(REASONING_CLOSE_TEXT);
  if (ids.length === 0) throw new Error('the tokenizer encodes the reasoning close sequence to no tokens');
  return ids;
}

export class ReasoningBudget {
  private forcedAlready = false;

  /**
   * @param maxReasoningTokens sampled reasoning tokens allowed (0 closes the trace before the first token)
   * @param closeIds what to inject, normally `reasoningCloseIds(tokenizer)`
   */
  constructor(
    readonly maxReasoningTokens: number,
    private readonly closeIds: readonly number[],
  ) {
    if (!Number.isInteger(maxReasoningTokens) || maxReasoningTokens < 0) {
      throw new RangeError(`maxReasoningTokens must be an integer >= 0, got ${maxReasoningTokens}`);
    }
    if (closeIds.length === 0) throw new RangeError('the close sequence must have at least one token');
  }

  /** Whether the close sequence was injected. */
  get forced(): boolean {
    return this.forcedAlready;
  }

  /**
   * Call before sampling each token. Returns the ids to append (once) when the model is still thinking
   * and has used its budget; the generator feeds them to the model instead of sampling this step.
   */
  check(reasoningTokens: number, stillThinking: boolean): readonly number[] | undefined {
    if (this.forcedAlready || !stillThinking || reasoningTokens < this.maxReasoningTokens) return undefined;
    this.forcedAlready = true;
    return this.closeIds;
  }
}
