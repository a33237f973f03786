// The OpenAI-compatible protocol (vLLM, llama-server, SGLang, Ollama's /v1, `r1-local serve`)
// through the official `openai` package: it owns SSE parsing, the request shapes and the HTTP
// error classes; this file adds the fields those servers read beyond OpenAI's API and translates
// failures into RemoteErrors.
//
// Malformed SSE: lines that are not SSE fields (no `data:`/`event:`, comments) are skipped by the
// package's decoder, as the SSE spec says. A `data:` line that is not JSON makes the package throw
// and end the stream; we report that as `incomplete` (the deltas already yielded stay), because the
// server's output can no longer be trusted to be whole.
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { RemoteError } from './remoteError';
import type { RemoteEndpointConfig } from './remoteTypes';
import { brokeOff, deepestMessage, networkError, stalledError, statusError } from './httpFailure';
import { StallGuard } from './stallGuard';
import { ERROR_BODY_LIMIT, LINE_LIMIT, limitBody, MODEL_LIST_LIMIT, oversizeIn, readCapped } from './boundedBody';
import { describeServer, type WireBackend, type WireChatRequest, type WireChunk, type WireCompletionRequest, type WireSampling } from './wire';

type Json = Record<string, unknown>;

export function createOpenAIBackend(config: RemoteEndpointConfig): WireBackend {
  const where = describeServer(config.baseUrl);
  const client = new OpenAI({
    // Everything explicit: no OPENAI_* environment variable may send a user's OpenAI key,
    // organisation or base URL to another server.
    baseURL: config.baseUrl,
    apiKey: config.apiKey || 'unused',
    organization: null,
    project: null,
    // Without a key no Authorization header at all (null removes the package's default one).
    ...(config.apiKey ? {} : { defaultHeaders: { Authorization: null } }),
    maxRetries: 0,
    // A backstop only: StallGuard ends a silent request first, also after the headers came.
    timeout: config.firstByteTimeoutMs + 5_000,
    // The package logs malformed events with console.error; the error we throw says it instead.
    logLevel: 'off',
    fetch: boundedFetch,
  });
  // vLLM refuses (400) a `max_tokens` that does not fit its max_model_len beside the prompt: once it
  // has, requests leave the bound to the server (the generator still stops at maxNewTokens).
  let maxTokensRefused = false;

  function failure(err: unknown, guard: StallGuard, model: string): RemoteError | undefined {
    const oversize = oversizeIn(err);
    if (oversize) return brokeOff(where, oversize.message, oversize);
    if (guard.stalled) return new RemoteError({ code: 'timeout', message: `${where} sent nothing within ${config.firstByteTimeoutMs} ms.` }, { cause: err });
    if (err instanceof APIUserAbortError || guard.signal.aborted) return undefined;
    if (err instanceof APIConnectionTimeoutError) return new RemoteError({ code: 'timeout', message: `${where} did not answer within ${config.firstByteTimeoutMs} ms.` }, { cause: err });
    if (err instanceof APIConnectionError) return networkError(err.cause ?? err, config.baseUrl);
    if (err instanceof APIError && typeof err.status === 'number') return statusError(err.status, serverDetail(err), err.headers, where, model);
    return networkError(err, config.baseUrl);
  }

  /** Sends a request; undefined when the caller aborted before the answer began. */
  async function open<T>(send: () => PromiseLike<T>, guard: StallGuard, model: string): Promise<T | undefined> {
    try {
      return await send();
    } catch (err) {
      const error = failure(err, guard, model);
      if (error) throw error;
      return undefined;
    }
  }

  /** Sends `body`, without `max_tokens` once the server refused it, retrying once when this request is the one refused. */
  async function openBounded<T>(send: (fields: Json) => () => PromiseLike<T>, body: Json, guard: StallGuard, model: string): Promise<T | undefined> {
    if (maxTokensRefused) return open(send(withoutMaxTokens(body)), guard, model);
    try {
      return await open(send(body), guard, model);
    } catch (err) {
      if (!(err instanceof RemoteError && err.code === 'bad_request' && err.status === 400 && MAX_TOKENS_REFUSAL.test(err.message))) throw err;
      maxTokensRefused = true;
      return open(send(withoutMaxTokens(body)), guard, model);
    }
  }

  /** Iterates a stream, touching the guard per event and turning a broken stream into `incomplete`. */
  async function* read<T>(stream: AsyncIterable<T>, guard: StallGuard): AsyncGenerator<T> {
    let received = false;
    const items = stream[Symbol.asyncIterator]();
    let finished = false;
    try {
      for (;;) {
        const next = await guard.untilAborted(items.next());
        if (next === undefined) break; // aborted: a read still pending may never settle (see StallGuard.untilAborted)
        if (next.done) {
          finished = true;
          break;
        }
        guard.touch();
        received = true;
        yield next.value;
      }
    } catch (err) {
      if (guard.signal.aborted && !guard.stalled) return;
      throw brokenStream(err, guard, received, where, config.firstByteTimeoutMs);
    } finally {
      // Not awaited: behind a pending read it would wait as long. The package aborts the request.
      if (!finished) void items.return?.(undefined)?.catch(() => undefined);
    }
    // The package ends its loop quietly on an abort: tell a stall from the caller's abort.
    if (guard.stalled) throw brokenStream(undefined, guard, received, where, config.firstByteTimeoutMs);
  }

  return {
    name: 'openai-compatible',
    where,

    async *chat(request: WireChatRequest, guard: StallGuard): AsyncIterable<WireChunk> {
      const body: Json = {
        model: request.model,
        messages: request.messages,
        stream: true,
        stream_options: { include_usage: true },
        ...sampling(request),
        ...budgetFields(request.maxReasoningTokens),
        // vLLM's names for "continue the last assistant message" (its default would open a new turn).
        ...(request.continueFinal ? { continue_final_message: true, add_generation_prompt: false } : {}),
      };
      const send = (fields: Json) => () => client.chat.completions.create(fields as unknown as OpenAI.ChatCompletionCreateParamsStreaming, { signal: guard.signal });
      const stream = await openBounded(send, body, guard, request.model);
      if (!stream) return;
      for await (const chunk of read(stream, guard)) yield chatChunk(chunk as unknown as Json);
    },

    async *complete(request: WireCompletionRequest, guard: StallGuard): AsyncIterable<WireChunk> {
      const body: Json = {
        model: request.model,
        prompt: request.prompt,
        ...(request.suffix !== undefined ? { suffix: request.suffix } : {}),
        stream: true,
        stream_options: { include_usage: true },
        ...sampling(request),
      };
      const send = (fields: Json) => () => client.completions.create(fields as unknown as OpenAI.CompletionCreateParamsStreaming, { signal: guard.signal });
      const stream = await openBounded(send, body, guard, request.model);
      if (!stream) return;
      for await (const chunk of read(stream, guard)) yield completionChunk(chunk as unknown as Json);
    },

    async listModels(signal?: AbortSignal): Promise<string[]> {
      const guard = new StallGuard(signal ?? new AbortController().signal, config.firstByteTimeoutMs);
      try {
        const page = await open(() => client.models.list({ signal: guard.signal }), guard, '');
        if (!page) throw new RemoteError({ code: 'network', message: 'Listing the models was cancelled.' });
        return page.data.map((m) => m.id);
      } finally {
        guard.dispose();
      }
    },
  };
}

/** How vLLM (and others) say `max_tokens` plus the prompt exceed the model's context. */
const MAX_TOKENS_REFUSAL = /max_tokens|max_completion_tokens|maximum context length|max_model_len/i;

function withoutMaxTokens(body: Json): Json {
  const { max_tokens: _dropped, ...rest } = body;
  return rest;
}

/**
 * fetch for the openai package: redirects are an error, never followed (a 307/308 would re-send the
 * body, the user's code, to an address nobody configured, past the plain-http consent), and what a
 * server can make us hold is bounded: an error body is read up to ERROR_BODY_LIMIT, a model list
 * (the GET) up to MODEL_LIST_LIMIT, a stream's line up to LINE_LIMIT.
 */
async function boundedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, { ...init, redirect: 'error' });
  if (!response.body) return response;
  if (!response.ok) {
    const { text } = await readCapped(response, ERROR_BODY_LIMIT, init?.signal ?? undefined);
    return new Response(openAIErrorShape(text), { status: response.status, statusText: response.statusText, headers: response.headers });
  }
  // The one GET is the model list (one JSON document, possibly on one line); the POSTs stream SSE.
  const listing = (init?.method ?? 'GET').toUpperCase() === 'GET';
  return listing ? limitBody(response, { maxTotalBytes: MODEL_LIST_LIMIT }, 'a model list') : limitBody(response, { maxLineBytes: LINE_LIMIT }, 'a stream');
}

/**
 * vLLM (before its OpenAI-shaped errors) answers `{"object": "error", "message": …}` at the top
 * level, where the package reads only `error`: moved under `error` so its message is kept.
 */
function openAIErrorShape(text: string): string {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !('error' in parsed) && typeof (parsed as Json).message === 'string') return JSON.stringify({ error: parsed });
  } catch {
    // not JSON (or cut at the limit): the text as it is
  }
  return text;
}

function sampling(request: WireSampling): Json {
  return {
    max_tokens: request.maxTokens,
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.topP !== undefined ? { top_p: request.topP } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    ...(request.stop && request.stop.length > 0 ? { stop: request.stop } : {}),
  };
}

/**
 * The reasoning budget, where a server has a per-request knob:
 * - `max_reasoning_tokens`: `r1-local serve` (closes the trace itself at the budget);
 * - `thinking_budget_tokens`: llama-server's per-request form of `--reasoning-budget`;
 * - vLLM's `thinking_token_budget` is NOT sent: vLLM rejects every request carrying it (HTTP 400)
 *   unless the server was started with a reasoning config, so it cannot be sent blindly;
 * - Ollama has only `think` on/off; SGLang's budget needs a server flag or a custom logit processor.
 * Servers ignore fields they do not know (vLLM logs them), so both are harmless elsewhere; the
 * generator enforces the budget client-side as well, for every server that has no knob.
 */
function budgetFields(maxReasoningTokens: number | undefined): Json {
  if (maxReasoningTokens === undefined) return {};
  return { max_reasoning_tokens: maxReasoningTokens, thinking_budget_tokens: maxReasoningTokens };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function usage(chunk: Json): WireChunk['usage'] {
  const u = chunk.usage as Json | null | undefined;
  if (!u || typeof u !== 'object') return undefined;
  const promptTokens = typeof u.prompt_tokens === 'number' ? u.prompt_tokens : undefined;
  const completionTokens = typeof u.completion_tokens === 'number' ? u.completion_tokens : undefined;
  return { promptTokens, completionTokens };
}

/** vLLM names the stop string that matched in `stop_reason` (a token id, or null, for the end-of-sequence token). */
function finish(choice: Json | undefined): Pick<WireChunk, 'finishReason' | 'stoppedByString'> {
  const reason = choice?.finish_reason;
  if (typeof reason !== 'string' || reason.length === 0) return {};
  return { finishReason: reason, ...(typeof choice?.stop_reason === 'string' ? { stoppedByString: true } : {}) };
}

/** Reasoning under any of its names: `reasoning` (vLLM since late 2025, Ollama's /v1), `reasoning_content` (llama-server, SGLang, older vLLM), `thinking`. */
function chatChunk(chunk: Json): WireChunk {
  const choice = (chunk.choices as Json[] | undefined)?.[0];
  const delta = (choice?.delta ?? {}) as Json;
  const out: WireChunk = { ...finish(choice) };
  const reasoning = text(delta.reasoning) ?? text(delta.reasoning_content) ?? text(delta.thinking);
  if (reasoning !== undefined) out.reasoning = reasoning;
  const content = text(delta.content);
  if (content !== undefined) out.content = content;
  const u = usage(chunk);
  if (u) out.usage = u;
  return out;
}

function completionChunk(chunk: Json): WireChunk {
  const choice = (chunk.choices as Json[] | undefined)?.[0];
  const out: WireChunk = { ...finish(choice) };
  const content = text(choice?.text);
  if (content !== undefined) out.content = content;
  const u = usage(chunk);
  if (u) out.usage = u;
  return out;
}

/** What the server said, without the package's "404 " prefix. */
function serverDetail(err: APIError): string | undefined {
  const body = err.error as unknown;
  if (typeof body === 'string') return body;
  if (body && typeof body === 'object' && typeof (body as Json).message === 'string') return (body as Json).message as string;
  const message = err.message.replace(/^\d{3}\s*/, '');
  return /status code \(no body\)/.test(message) ? undefined : message;
}

/** A stream that ended in an error: a stall or a break after the answer began is `incomplete`. */
function brokenStream(err: unknown, guard: StallGuard, received: boolean, where: string, timeoutMs: number): RemoteError {
  if (guard.stalled) return stalledError(received, where, timeoutMs);
  const oversize = oversizeIn(err);
  if (oversize) return brokeOff(where, `${oversize.message}; the answer is partial`, err);
  if (err instanceof SyntaxError) return brokeOff(where, `sent a malformed event (${err.message}); the answer is partial`, err);
  if (err instanceof APIError && err.status === undefined) return brokeOff(where, `reported an error in the middle of the answer: ${serverDetail(err) ?? err.message}`, err);
  return brokeOff(where, `closed the connection in the middle of the answer (${deepestMessage(err)}); what arrived is partial`, err);
}
