// The reasoning budget control's levels as token caps for the engine (`maxReasoningTokens`).
// The setting `r1Local.chat.reasoningBudget` is the "medium" cap; "short" is a quarter of it and
// "long" four times it, so one number tunes all three. "off" answers straight away: the engine
// closes `<think>` before the first reasoning token.
import type { ReasoningBudget } from '../../../engine/common/chat/protocol';

export const BUDGET_LEVELS: readonly ReasoningBudget[] = ['off', 'short', 'medium', 'long'];
const SCALE: Record<ReasoningBudget, number> = { off: 0, short: 0.25, medium: 1, long: 4 };
/** Upper bound of any level, whatever the setting says. */
export const MAX_REASONING_TOKENS = 32_768;

export function reasoningTokens(budget: ReasoningBudget, mediumTokens: number): number {
  const medium = Math.max(0, Math.floor(mediumTokens));
  return Math.min(MAX_REASONING_TOKENS, Math.round(medium * SCALE[budget]));
}

/** Room for the answer after the reasoning: R1 distills answer briefly once they have reasoned. */
export const ANSWER_TOKENS = 2048;

export function isReasoningBudget(value: unknown): value is ReasoningBudget {
  return typeof value === 'string' && (BUDGET_LEVELS as readonly string[]).includes(value);
}
