// `modelOptions` of a vscode.lm request as an engine request. The reasoning budget levels and the
// sampling defaults are the chat view's (promptBuilder.ts, reasoningBudget.ts), so a caller that
// passes nothing gets what the side-bar chat would do with the user's settings.
import type { ChatMessage, GenerationRequest } from '../../../engine/types';
import { buildChatRequest, type ChatGenerationSettings } from '../chat/promptBuilder';
import { BUDGET_LEVELS, isReasoningBudget, type reasoningTokens } from '../chat/reasoningBudget';

/** The chat view's levels (off, short, medium, long), named through the function that scales them. */
type ReasoningBudget = Parameters<typeof reasoningTokens>[0];

/** What a caller may put in `modelOptions`; other keys are ignored. */
export interface LmModelOptions {
  temperature?: number;
  /** Most answer tokens, after the reasoning. Absent: the answer runs to its end, within the context. */
  maxTokens?: number;
  reasoningBudget?: ReasoningBudget;
}

export class LmOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LmOptionError';
  }
}

/** Reads the known keys of `modelOptions`, refusing a bad value by name rather than guessing. */
export function readModelOptions(raw: { readonly [name: string]: unknown } | undefined): LmModelOptions {
  const options: LmModelOptions = {};
  if (!raw) return options;
  const { temperature, maxTokens, reasoningBudget } = raw;
  if (temperature !== undefined) {
    if (typeof temperature !== 'number' || !Number.isFinite(temperature) || temperature < 0 || temperature > 2) {
      throw new LmOptionError(`modelOptions.temperature: expected a number from 0 to 2, got ${JSON.stringify(temperature)}`);
    }
    options.temperature = temperature;
  }
  if (maxTokens !== undefined) {
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
      throw new LmOptionError(`modelOptions.maxTokens: expected a positive integer, got ${JSON.stringify(maxTokens)}`);
    }
    options.maxTokens = maxTokens;
  }
  if (reasoningBudget !== undefined) {
    if (!isReasoningBudget(reasoningBudget)) {
      throw new LmOptionError(`modelOptions.reasoningBudget: expected one of ${BUDGET_LEVELS.join(', ')}, got ${JSON.stringify(reasoningBudget)}`);
    }
    options.reasoningBudget = reasoningBudget;
  }
  return options;
}

/**
 * The engine request of one vscode.lm call. Without `maxTokens` the cap is the context length: the
 * engine stops there anyway (generationPlan clamps to what the context has left).
 */
export function buildLmRequest(messages: ChatMessage[], options: LmModelOptions, defaults: ChatGenerationSettings, contextLength: number): GenerationRequest {
  const settings = { ...defaults, temperature: options.temperature ?? defaults.temperature };
  const request = buildChatRequest(messages, 'chat', options.reasoningBudget ?? 'medium', settings);
  const answerTokens = options.maxTokens ?? contextLength;
  // Its own KV slot: a vscode.lm caller's conversation must not evict the side-bar chat's prefix.
  return { ...request, maxNewTokens: (request.maxReasoningTokens ?? 0) + answerTokens, slot: 'lm' };
}
