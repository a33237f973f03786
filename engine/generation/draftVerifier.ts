// Prompt-lookup drafts, verified: after each chosen token the verifier either hands back logits a
// batched pass already computed (the model chose the drafted token), or rewinds the unused draft
// and runs the model again, drafting anew when the context repeats itself. Drafts are checked
// against the model's own choice from the same logits and RNG state, so the output is the one
// plain decoding gives; only the number of forward passes changes.
import type { Generator } from './generator';
import type { PromptLookup } from './promptLookup';

export interface NextLogits {
  logits: Float32Array;
  /** A forward pass ran (false: the logits came from a verified draft). */
  ranModel: boolean;
}

export class DraftVerifier {
  /** Drafted tokens already run through the model, with the logits that follow each. */
  private pending: { token: number; logits: Float32Array }[] = [];
  private drafted = 0;

  constructor(
    private readonly generator: Generator,
    private readonly lookup: PromptLookup | undefined,
  ) {}

  get accepted(): number {
    return this.lookup?.accepted ?? 0;
  }

  /**
   * Feeds the chosen `step` and returns the logits for the next token. `room(held)` caps the draft
   * length given the tokens the generator will hold (context and token limits).
   */
  async next(step: readonly number[], room: (held: number) => number): Promise<NextLogits> {
    const { generator, lookup } = this;
    if (this.pending.length > 0) {
      if (step.length === 1 && step[0] === this.pending[0].token) {
        const logits = this.pending.shift()!.logits;
        if (this.pending.length === 0) lookup?.record(this.drafted, this.drafted);
        return { logits, ranModel: false };
      }
      lookup?.record(this.drafted, this.drafted - this.pending.length);
      generator.rewindTo(generator.tokens.length - this.pending.length);
      this.pending = [];
    }
    const limit = room(generator.tokens.length + step.length);
    const draft = lookup && generator.canVerify && limit > 0 ? lookup.propose([...generator.tokens, ...step], limit) : [];
    if (draft.length === 0) return { logits: await generator.append(step), ranModel: true };
    const rows = await generator.appendRows([...step, ...draft], draft.length + 1);
    this.pending = draft.map((token, i) => ({ token, logits: rows[i + 1] }));
    this.drafted = draft.length;
    return { logits: rows[0], ranModel: true };
  }
}
