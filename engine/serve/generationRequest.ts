// From a decoded API request to the engine's GenerationRequest. The prompt is encoded here, once
// (the engine receives token ids), which also checks it against the context and sizes max_tokens:
// a request asking for more than fits is clamped, and one that asks for nothing gets the rest of
// the context. Every HTTP request is scheduled as a non-completion kind, so the scheduler runs them
// one at a time in arrival order (its completion rule, newest first with preemption, is for one
// editor's keystrokes, not for many callers); each endpoint keeps its own KV slot for prefix reuse.
// A prompt far longer in characters than the context could hold in tokens is refused before it is
// encoded: tokenizing runs on the event loop, and a body of megabytes would stall every request.
import { ChatTemplate, ChatTemplateError } from '../text/chatTemplate';
import type { GenerationRequest, PromptInput } from '../types';
import { ApiError, apiErrors, badField } from './apiError';
import { renderChatPrompt } from './chatPrompt';
import type { ChatRequest, CommonRequest, CompletionRequest } from './decodeApiRequest';
import type { ServedEngine } from './runnerBridge';

export interface TokenLimits {
  /** Server-wide cap on max_tokens; absent: what fits in the context. */
  maxTokensCap?: number;
}

/** No tokenizer packs more characters than this into one token on average (ours: about 4 for text). */
export const MAX_CHARS_PER_TOKEN = 16;

const CHAT_SLOT = 'serve-chat';
const COMPLETION_SLOT = 'serve-completion';

/** Refuses, before any rendering or encoding, a prompt of more characters than the context could hold. */
function checkPromptSize(engine: ServedEngine, chars: number, param: string): void {
  const context = engine.info.contextLength;
  if (chars > context * MAX_CHARS_PER_TOKEN) throw apiErrors.contextLengthChars(chars, context, param);
}

function encode(engine: ServedEngine, prompt: PromptInput, param: string): number[] {
  let ids: number[];
  try {
    ids = engine.encodePrompt(prompt);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw badField(param, `a prompt the model can take (${(err as Error).message})`);
  }
  if (ids.length === 0) throw badField(param, 'a non-empty prompt');
  return ids;
}

function budget(engine: ServedEngine, promptTokens: number, body: CommonRequest, limits: TokenLimits): number {
  const context = engine.info.contextLength;
  if (promptTokens >= context) throw apiErrors.contextLength(promptTokens, context);
  return Math.min(body.maxTokens ?? Infinity, limits.maxTokensCap ?? Infinity, context - promptTokens);
}

/** What every endpoint's request has: a non-completion kind, the prompt encoded, max_tokens sized, the caller's sampling and stop strings. */
function encodedRequest(
  engine: ServedEngine,
  prompt: PromptInput,
  param: string,
  body: CommonRequest,
  limits: TokenLimits,
): Pick<GenerationRequest, 'kind' | 'prompt' | 'maxNewTokens' | 'sampling' | 'stop'> {
  const ids = encode(engine, prompt, param);
  return {
    kind: 'chat',
    prompt: { type: 'ids', ids },
    maxNewTokens: budget(engine, ids.length, body, limits),
    sampling: body.sampling,
    stop: body.stop,
  };
}

export function chatGeneration(engine: ServedEngine, body: ChatRequest, limits: TokenLimits): GenerationRequest {
  checkPromptSize(
    engine,
    body.messages.reduce((sum, m) => sum + m.content.length, 0),
    'messages',
  );
  let text: string;
  try {
    text = renderChatPrompt(ChatTemplate.forTokenizer(engine.tokenizer), body.messages, body.continueFinal);
  } catch (err) {
    if (err instanceof ChatTemplateError) throw badField('messages', `a conversation the model's chat template accepts (${err.message})`);
    throw err;
  }
  return {
    ...encodedRequest(engine, { type: 'text', text }, 'messages', body, limits),
    maxReasoningTokens: body.maxReasoningTokens,
    splitReasoning: true,
    slot: CHAT_SLOT,
  };
}

export function completionGeneration(engine: ServedEngine, body: CompletionRequest, limits: TokenLimits): GenerationRequest {
  checkPromptSize(engine, body.prompt.length + (body.suffix?.length ?? 0), 'prompt');
  const prompt: PromptInput = body.suffix === undefined ? { type: 'text', text: body.prompt } : { type: 'infill', prefix: body.prompt, suffix: body.suffix };
  return {
    ...encodedRequest(engine, prompt, 'prompt', body, limits),
    splitReasoning: false,
    slot: COMPLETION_SLOT,
    // Code repeats itself: drafts copied from the prompt are verified in one pass (same output, faster).
    promptLookup: true,
  };
}
