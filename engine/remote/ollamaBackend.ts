// Ollama's native API (`/api/chat`, `/api/generate`, `/api/tags`) at the endpoint's root: NDJSON
// streaming (one JSON object per line, not SSE), reasoning in `thinking` when the request says
// `think: true`, sampling under `options`. Small enough to parse by hand with fetch.
import { RemoteError } from './remoteError';
import type { RemoteEndpointConfig } from './remoteTypes';
import { brokeOff, deepestMessage, networkError, stalledError, statusError } from './httpFailure';
import { StallGuard } from './stallGuard';
import { describeBytes, ERROR_BODY_LIMIT, LINE_LIMIT, MODEL_LIST_LIMIT, readCapped } from './boundedBody';
import { describeServer, type WireBackend, type WireChatRequest, type WireChunk, type WireCompletionRequest, type WireSampling } from './wire';

type Json = Record<string, unknown>;

export function createOllamaBackend(config: RemoteEndpointConfig): WireBackend {
  // The native API lives beside /v1 (http://host:11434/v1 → http://host:11434/api/…).
  const root = config.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  const where = describeServer(config.baseUrl);
  const timeoutMs = config.firstByteTimeoutMs;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/x-ndjson' };
  if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
  // A model without a thinking mode answers `think: true` with HTTP 400; ask without it from then on.
  let thinkRefused = false;

  /** undefined when the caller aborted before the answer began. */
  async function send(path: string, init: RequestInit, guard: StallGuard, model: string): Promise<Response | undefined> {
    let response: Response;
    try {
      // Never followed: a 307/308 would re-send the body (the user's code) to another address.
      response = await fetch(`${root}${path}`, { ...init, headers, signal: guard.signal, redirect: 'error' });
    } catch (err) {
      if (guard.stalled) throw stalledError(false, where, timeoutMs);
      if (guard.signal.aborted) return undefined;
      throw networkError(err, config.baseUrl);
    }
    if (response.ok) return response;
    const { text } = await readCapped(response, ERROR_BODY_LIMIT, guard.signal).catch(() => ({ text: '' }));
    throw statusError(response.status, errorText(text), response.headers, where, model);
  }

  async function* stream(path: string, body: Json, guard: StallGuard, model: string): AsyncGenerator<Json> {
    const response = await send(path, { method: 'POST', body: JSON.stringify(body) }, guard, model);
    if (!response) return;
    if (!response.body) throw brokeOff(where, 'answered with no body');
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    /** The line so far: what arrived after the last newline. */
    let pending = '';
    let received = false;
    let finished = false;
    const tooLong = (): RemoteError => brokeOff(where, `sent a line longer than ${describeBytes(LINE_LIMIT)}; the answer is partial`);
    try {
      for (;;) {
        let next: ReadableStreamReadResult<Uint8Array> | undefined;
        try {
          // Not awaited past an abort: the read may never settle then (see StallGuard.untilAborted).
          next = await guard.untilAborted(reader.read());
          if (next === undefined) {
            if (guard.stalled) throw stalledError(received, where, timeoutMs);
            return;
          }
        } catch (err) {
          if (err instanceof RemoteError) throw err;
          if (guard.stalled) throw stalledError(received, where, timeoutMs);
          if (guard.signal.aborted) return;
          throw brokeOff(where, `closed the connection in the middle of the answer (${deepestMessage(err)}); what arrived is partial`, err);
        }
        if (next.done) break;
        received = true;
        // Only the new text is searched for newlines, and a line is bounded: a server cannot make
        // this hold (or rescan) an endless line. The silence restarts per line, not per byte.
        const text = decoder.decode(next.value, { stream: true });
        let start = 0;
        for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', start)) {
          if (pending.length + newline - start > LINE_LIMIT) throw tooLong();
          const line = (pending + text.slice(start, newline)).trim();
          pending = '';
          start = newline + 1;
          if (line) {
            guard.touch();
            yield parseLine(line);
          }
        }
        pending += text.slice(start);
        if (pending.length > LINE_LIMIT) throw tooLong();
      }
      if (guard.stalled) throw stalledError(received, where, timeoutMs);
      const last = (pending + decoder.decode()).trim();
      if (last.length > LINE_LIMIT) throw tooLong();
      if (last) yield parseLine(last);
      finished = true;
    } finally {
      // An early exit (abort, budget, error) releases the socket instead of draining it.
      // Not awaited after an abort, for the same reason.
      if (!finished) {
        const cancelled = reader.cancel().catch(() => undefined);
        if (!guard.signal.aborted) await cancelled;
      }
    }
  }

  /** Malformed lines are reported, not skipped, as for SSE (openaiBackend.ts): the output is no longer known to be whole. */
  function parseLine(line: string): Json {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw brokeOff(where, `sent a malformed line (${(err as Error).message}); the answer is partial`, err);
    }
    if (!value || typeof value !== 'object') throw brokeOff(where, 'sent a line that is not a JSON object; the answer is partial');
    const error = (value as Json).error;
    if (error !== undefined) throw brokeOff(where, `reported an error in the middle of the answer: ${typeof error === 'string' ? error : JSON.stringify(error)}`);
    return value as Json;
  }

  return {
    name: 'ollama',
    where,

    async *chat(request: WireChatRequest, guard: StallGuard): AsyncIterable<WireChunk> {
      // No budget knob (`think` is on/off only): the generator enforces the budget. A continued
      // final assistant message is what Ollama completes when the conversation ends with one.
      const think = !request.continueFinal && !thinkRefused;
      const body: Json = { model: request.model, messages: request.messages, stream: true, ...(think ? { think: true } : {}), options: options(request) };
      let lines: AsyncGenerator<Json>;
      try {
        lines = stream('/api/chat', body, guard, request.model);
        const first = await lines.next();
        if (first.done) return;
        yield chatChunk(first.value);
      } catch (err) {
        if (!(think && err instanceof RemoteError && err.code === 'bad_request' && /think/i.test(err.message))) throw err;
        thinkRefused = true;
        lines = stream('/api/chat', { ...body, think: undefined }, guard, request.model);
      }
      for await (const line of lines) yield chatChunk(line);
    },

    async *complete(request: WireCompletionRequest, guard: StallGuard): AsyncIterable<WireChunk> {
      const body: Json = {
        model: request.model,
        prompt: request.prompt,
        ...(request.suffix !== undefined ? { suffix: request.suffix } : {}),
        ...(request.raw ? { raw: true } : {}),
        stream: true,
        options: options(request),
      };
      for await (const line of stream('/api/generate', body, guard, request.model)) yield generateChunk(line);
    },

    async listModels(signal?: AbortSignal): Promise<string[]> {
      const guard = new StallGuard(signal ?? new AbortController().signal, timeoutMs);
      try {
        const response = await send('/api/tags', { method: 'GET' }, guard, '');
        if (!response) throw new RemoteError({ code: 'network', message: 'Listing the models was cancelled.' });
        const { text, truncated } = await readCapped(response, MODEL_LIST_LIMIT, guard.signal);
        if (truncated) throw brokeOff(where, `sent a model list larger than ${describeBytes(MODEL_LIST_LIMIT)}`);
        if (guard.signal.aborted) throw guard.stalled ? stalledError(false, where, timeoutMs) : new RemoteError({ code: 'network', message: 'Listing the models was cancelled.' });
        const body = JSON.parse(text) as { models?: { name?: unknown; model?: unknown }[] };
        return (body.models ?? []).map((m) => m.name ?? m.model).filter((n): n is string => typeof n === 'string');
      } catch (err) {
        if (err instanceof RemoteError) throw err;
        if (guard.stalled) throw stalledError(false, where, timeoutMs);
        throw brokeOff(where, `sent a model list that could not be read (${deepestMessage(err)})`, err);
      } finally {
        guard.dispose();
      }
    },
  };
}

function options(request: WireSampling): Json {
  return {
    num_predict: request.maxTokens,
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.topP !== undefined ? { top_p: request.topP } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    ...(request.stop && request.stop.length > 0 ? { stop: request.stop } : {}),
  };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The last line says `done: true`, with `done_reason` and the token counts. */
function finish(line: Json): WireChunk {
  if (line.done !== true) return {};
  return {
    finishReason: str(line.done_reason) ?? 'stop',
    usage: {
      promptTokens: typeof line.prompt_eval_count === 'number' ? line.prompt_eval_count : undefined,
      completionTokens: typeof line.eval_count === 'number' ? line.eval_count : undefined,
    },
  };
}

/** `/api/chat` streams `message.thinking` and `message.content`. */
function chatChunk(line: Json): WireChunk {
  const message = (line.message ?? {}) as Json;
  return withText(finish(line), message.thinking, message.content);
}

/** `/api/generate` streams `thinking` and `response`. */
function generateChunk(line: Json): WireChunk {
  return withText(finish(line), line.thinking, line.response);
}

function withText(out: WireChunk, reasoning: unknown, content: unknown): WireChunk {
  const reasoningText = str(reasoning);
  if (reasoningText !== undefined) out.reasoning = reasoningText;
  const contentText = str(content);
  if (contentText !== undefined) out.content = contentText;
  return out;
}

/** Ollama answers errors as `{"error": "…"}`. */
function errorText(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
    if (parsed.error && typeof parsed.error === 'object' && typeof (parsed.error as Json).message === 'string') return (parsed.error as Json).message as string;
  } catch {
    // not JSON: the text itself
  }
  return body.trim() || undefined;
}
