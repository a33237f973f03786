// The OpenAI response objects, built from the engine's events: pure functions, no I/O. Reasoning
// goes out under both names clients read: `reasoning_content` (DeepSeek, llama-server, SGLang,
// vLLM until late 2025) and `reasoning` (vLLM now, Ollama).
import type { FinishReason, GenerationEvent } from '../types';

type Done = Extract<GenerationEvent, { type: 'done' }>;

export type Endpoint = 'chat' | 'completion';

/** What every object of one response repeats. */
export interface ResponseIdentity {
  id: string;
  /** Unix seconds. */
  created: number;
  model: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  completion_tokens_details: { reasoning_tokens: number };
}

export type OpenAiFinishReason = 'stop' | 'length';

/** eos and stop strings end a text the model finished; the token cap and the time budget cut it. */
export function finishReason(reason: FinishReason): OpenAiFinishReason {
  return reason === 'length' || reason === 'time' ? 'length' : 'stop';
}

export function usageOf(done: Done): Usage {
  const { promptTokens, generatedTokens, reasoningTokens } = done.stats;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: generatedTokens,
    total_tokens: promptTokens + generatedTokens,
    completion_tokens_details: { reasoning_tokens: reasoningTokens },
  };
}

export function newIdentity(endpoint: Endpoint, model: string, serial: number): ResponseIdentity {
  const prefix = endpoint === 'chat' ? 'chatcmpl' : 'cmpl';
  return { id: `${prefix}-${Date.now().toString(36)}${serial.toString(36)}`, created: Math.floor(Date.now() / 1000), model };
}

export interface CollectedText {
  reasoning: string;
  answer: string;
}

export function chatCompletion(who: ResponseIdentity, text: CollectedText, done: Done) {
  const reasoning = text.reasoning.length > 0 ? text.reasoning : null;
  return {
    ...who,
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content: text.answer, reasoning_content: reasoning, reasoning }, logprobs: null, finish_reason: finishReason(done.finishReason) }],
    usage: usageOf(done),
  };
}

export function textCompletion(who: ResponseIdentity, text: CollectedText, done: Done) {
  return {
    ...who,
    object: 'text_completion',
    choices: [{ index: 0, text: text.reasoning + text.answer, logprobs: null, finish_reason: finishReason(done.finishReason) }],
    usage: usageOf(done),
  };
}

type ChatDelta = { role?: 'assistant'; content?: string; reasoning_content?: string; reasoning?: string };

function chatChunk(who: ResponseIdentity, delta: ChatDelta, finish: OpenAiFinishReason | null) {
  return { ...who, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
}

function completionChunk(who: ResponseIdentity, text: string, finish: OpenAiFinishReason | null) {
  return { ...who, object: 'text_completion', choices: [{ index: 0, text, logprobs: null, finish_reason: finish }] };
}

/** The chunks of a streamed response, per endpoint. */
export const chunks = {
  /** Sent as soon as the request is admitted: the client has its first byte before the first token. */
  first(endpoint: Endpoint, who: ResponseIdentity): object | undefined {
    return endpoint === 'chat' ? chatChunk(who, { role: 'assistant', content: '' }, null) : undefined;
  },
  delta(endpoint: Endpoint, who: ResponseIdentity, channel: 'reasoning' | 'answer', text: string): object {
    if (endpoint === 'completion') return completionChunk(who, text, null);
    return chatChunk(who, channel === 'reasoning' ? { reasoning_content: text, reasoning: text } : { content: text }, null);
  },
  /** Sent while a stream has nothing to say (queued, prefilling): an event that carries no text. */
  keepAlive(endpoint: Endpoint, who: ResponseIdentity): object {
    return endpoint === 'chat' ? chatChunk(who, {}, null) : completionChunk(who, '', null);
  },
  last(endpoint: Endpoint, who: ResponseIdentity, done: Done): object {
    const finish = finishReason(done.finishReason);
    return endpoint === 'chat' ? chatChunk(who, {}, finish) : completionChunk(who, '', finish);
  },
  /** `stream_options.include_usage`: after the last choice, a chunk with no choices and the usage. */
  usage(endpoint: Endpoint, who: ResponseIdentity, done: Done): object {
    return { ...who, object: endpoint === 'chat' ? 'chat.completion.chunk' : 'text_completion', choices: [], usage: usageOf(done) };
  },
};

export function sseData(payload: object): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';

export function modelEntry(id: string, contextLength: number, created: number) {
  return { id, object: 'model', created, owned_by: 'r1-local', max_model_len: contextLength };
}
