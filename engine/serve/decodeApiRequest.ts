// Checks an OpenAI-style request body and turns it into plain fields, or throws a 400 that names
// the field at fault. Fields the engine has no use for (user, presence_penalty, logit_bias, …) are
// ignored as OpenAI-compatible servers usually do; fields asking for what it cannot do (n > 1,
// echo, logprobs, tools) are refused rather than silently dropped.
import type { TemplateMessage } from '../text/chatTemplate';
import type { SamplingOptions } from '../types';
import { badField } from './apiError';

/** What both endpoints share. */
export interface CommonRequest {
  /** Absent: the one model this server serves. */
  model?: string;
  stream: boolean;
  /** `stream_options.include_usage`: a last chunk with the usage. */
  includeUsage: boolean;
  /** `max_tokens` (or `max_completion_tokens`); absent means to the end, within the context. */
  maxTokens?: number;
  sampling: SamplingOptions;
  stop?: string[];
}

export interface ChatRequest extends CommonRequest {
  messages: TemplateMessage[];
  /** The last message is the assistant's and is continued, not closed (vLLM's `continue_final_message`). */
  continueFinal: boolean;
  maxReasoningTokens?: number;
}

export interface CompletionRequest extends CommonRequest {
  prompt: string;
  /** Text after the cursor: a fill-in-the-middle prompt when the model has FIM tokens. */
  suffix?: string;
}

type Body = Record<string, unknown>;

const MAX_STOP_STRINGS = 16;

function isRecord(v: unknown): v is Body {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The field's value, with JSON null read as absent (OpenAI clients send nulls for unset fields). */
function field(body: Body, key: string): unknown {
  const v = body[key];
  return v === null ? undefined : v;
}

function optionalNumber(body: Body, key: string, check: (n: number) => boolean, expected: string): number | undefined {
  const v = field(body, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) throw badField(key, expected);
  return v;
}

function optionalBoolean(body: Body, key: string): boolean | undefined {
  const v = field(body, key);
  if (v !== undefined && typeof v !== 'boolean') throw badField(key, 'a boolean');
  return v as boolean | undefined;
}

function optionalString(body: Body, key: string): string | undefined {
  const v = field(body, key);
  if (v !== undefined && typeof v !== 'string') throw badField(key, 'a string');
  return v as string | undefined;
}

const positiveInt = (n: number) => Number.isSafeInteger(n) && n >= 1;

function maxTokens(body: Body): number | undefined {
  const a = optionalNumber(body, 'max_tokens', positiveInt, 'an integer >= 1');
  const b = optionalNumber(body, 'max_completion_tokens', positiveInt, 'an integer >= 1');
  return a ?? b;
}

function sampling(body: Body): SamplingOptions {
  const temperature = optionalNumber(body, 'temperature', (n) => n >= 0 && n <= 2, 'a number in [0, 2]');
  const topP = optionalNumber(body, 'top_p', (n) => n > 0 && n <= 1, 'a number in (0, 1]');
  const topK = optionalNumber(body, 'top_k', (n) => Number.isInteger(n) && n >= -1, 'an integer >= -1 (-1 or 0: off)');
  const seed = optionalNumber(body, 'seed', Number.isSafeInteger, 'an integer');
  const repetitionPenalty = optionalNumber(body, 'repetition_penalty', (n) => n > 0, 'a number > 0');
  // OpenAI's temperature 0 means "always the likeliest token".
  if (temperature === 0) return { greedy: true };
  const options: SamplingOptions = {};
  if (temperature !== undefined) options.temperature = temperature;
  if (topP !== undefined) options.topP = topP;
  if (topK !== undefined) options.topK = Math.max(0, topK);
  if (seed !== undefined) options.seed = seed;
  if (repetitionPenalty !== undefined) options.repetitionPenalty = repetitionPenalty;
  return options;
}

function stop(body: Body): string[] | undefined {
  const v = field(body, 'stop');
  if (v === undefined) return undefined;
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length > MAX_STOP_STRINGS || !list.every((s) => typeof s === 'string' && s.length > 0)) {
    throw badField('stop', `a non-empty string or an array of at most ${MAX_STOP_STRINGS} non-empty strings`);
  }
  return list.length > 0 ? (list as string[]) : undefined;
}

function refuseUnsupported(body: Body): void {
  const n = optionalNumber(body, 'n', positiveInt, 'an integer >= 1');
  if (n !== undefined && n !== 1) throw badField('n', '1 (one choice per request)');
  const bestOf = optionalNumber(body, 'best_of', positiveInt, 'an integer >= 1');
  if (bestOf !== undefined && bestOf !== 1) throw badField('best_of', '1');
  if (field(body, 'echo') === true) throw badField('echo', 'false (the prompt is not echoed)');
  const logprobs = field(body, 'logprobs');
  if (logprobs !== undefined && logprobs !== false && logprobs !== 0) throw badField('logprobs', 'false or null (log probabilities are not returned)');
  const tools = field(body, 'tools');
  if (tools !== undefined && !(Array.isArray(tools) && tools.length === 0)) throw badField('tools', 'no tools (tool calls are not supported)');
}

function common(body: Body): CommonRequest {
  refuseUnsupported(body);
  const stream = optionalBoolean(body, 'stream') ?? false;
  const options = field(body, 'stream_options');
  if (options !== undefined && !isRecord(options)) throw badField('stream_options', 'an object');
  const include = options ? field(options, 'include_usage') : undefined;
  if (include !== undefined && typeof include !== 'boolean') throw badField('stream_options.include_usage', 'a boolean');
  const includeUsage = include === true;
  return { model: optionalString(body, 'model'), stream, includeUsage: stream && includeUsage, maxTokens: maxTokens(body), sampling: sampling(body), stop: stop(body) };
}

/** A message's text: a string, null (an assistant turn without text), or text parts. */
function messageText(content: unknown, path: string): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown, i) => {
        if (!isRecord(part) || part.type !== 'text' || typeof part.text !== 'string') throw badField(`${path}[${i}]`, "a text part { type: 'text', text: string } (no images or audio)");
        return part.text;
      })
      .join('');
  }
  throw badField(path, 'a string or an array of text parts');
}

const ROLES: Record<string, TemplateMessage['role']> = { system: 'system', developer: 'system', user: 'user', assistant: 'assistant' };

function messages(body: Body): TemplateMessage[] {
  const v = body.messages;
  if (!Array.isArray(v) || v.length === 0) throw badField('messages', 'a non-empty array');
  return v.map((m: unknown, i) => {
    const path = `messages[${i}]`;
    if (!isRecord(m)) throw badField(path, 'an object');
    const role = typeof m.role === 'string' ? ROLES[m.role] : undefined;
    if (!role) throw badField(`${path}.role`, "'system', 'developer', 'user' or 'assistant' (tool messages are not supported)");
    return { role, content: messageText(m.content, `${path}.content`) };
  });
}

export function decodeChatRequest(raw: unknown): ChatRequest {
  if (!isRecord(raw)) throw badField('body', 'a JSON object');
  const list = messages(raw);
  const lastIsAssistant = list[list.length - 1]!.role === 'assistant';
  const continueFinal = optionalBoolean(raw, 'continue_final_message') ?? lastIsAssistant;
  if (continueFinal && !lastIsAssistant) throw badField('continue_final_message', 'true only when the last message is the assistant’s');
  const maxReasoningTokens = optionalNumber(raw, 'max_reasoning_tokens', (n) => Number.isSafeInteger(n) && n >= 0, 'an integer >= 0');
  return { ...common(raw), messages: list, continueFinal, maxReasoningTokens };
}

export function decodeCompletionRequest(raw: unknown): CompletionRequest {
  if (!isRecord(raw)) throw badField('body', 'a JSON object');
  let prompt = field(raw, 'prompt');
  // A batch of one prompt is what some clients send; real batches need n requests.
  if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === 'string') prompt = prompt[0];
  if (typeof prompt !== 'string') throw badField('prompt', 'a string (or an array holding one string)');
  const suffix = optionalString(raw, 'suffix');
  return { ...common(raw), prompt, suffix };
}
