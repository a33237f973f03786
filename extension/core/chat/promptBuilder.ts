// Turns a conversation into the engine request. Following DeepSeek's guidance for R1: no system
// prompt, temperature 0.6 / top-p 0.95 by default, and earlier assistant turns carry only their
// answer — never their reasoning — so old traces neither fill the context nor steer the next one.
// (The chat template's generation prompt, which forces `<think>\n`, is applied by the engine.)
import type { ChatMessage, GenerationRequest } from '../../../engine/types';
import type { ChatTurn, ReasoningBudget } from '../../../engine/common/chat/protocol';
import { ANSWER_TOKENS, reasoningTokens } from './reasoningBudget';

export interface ChatGenerationSettings {
  temperature: number;
  topP: number;
  /** Reasoning tokens of the "medium" budget (setting `r1Local.chat.reasoningBudget`). */
  mediumReasoningTokens: number;
}

export const DEFAULT_GENERATION: ChatGenerationSettings = { temperature: 0.6, topP: 0.95, mediumReasoningTokens: 2048 };

/** Earlier turns kept in the prompt, newest first, until this many characters (≈ 4k tokens of prose/code). */
export const HISTORY_CHAR_BUDGET = 12_000;

/**
 * The messages for a new user turn. Earlier turns without an answer (stopped early, failed) are left
 * out whole, keeping the user/assistant alternation the template expects.
 */
export function chatMessages(previous: readonly ChatTurn[], userText: string, historyChars = HISTORY_CHAR_BUDGET): ChatMessage[] {
  const kept: ChatMessage[] = [];
  let used = 0;
  for (let i = previous.length - 1; i >= 0; i--) {
    const turn = previous[i];
    const answer = turn.answer.trim();
    if (answer.length === 0) continue;
    used += turn.user.length + answer.length;
    if (used > historyChars) break;
    kept.unshift({ role: 'user', content: turn.user }, { role: 'assistant', content: answer });
  }
  return [...kept, { role: 'user', content: userText }];
}

export function buildChatRequest(
  messages: ChatMessage[],
  kind: 'chat' | 'explain',
  budget: ReasoningBudget,
  settings: ChatGenerationSettings = DEFAULT_GENERATION,
): GenerationRequest {
  const maxReasoningTokens = reasoningTokens(budget, settings.mediumReasoningTokens);
  return {
    kind,
    prompt: { type: 'chat', messages },
    maxNewTokens: maxReasoningTokens + ANSWER_TOKENS,
    maxReasoningTokens,
    sampling: { temperature: settings.temperature, topP: settings.topP },
    splitReasoning: true,
  };
}
