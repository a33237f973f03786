// Limits on what a server can make us hold in memory: an error body, a model list, one line of a
// stream. A broken or hostile server can answer with gigabytes, or with one line that never ends;
// each read here stops at its limit instead.
import { untilAborted } from './stallGuard';

/** An error body: enough for any server's message (the message quotes 300 characters of it). */
export const ERROR_BODY_LIMIT = 64 * 1024;
/** A model list (`/v1/models`, `/api/tags`): thousands of entries fit. */
export const MODEL_LIST_LIMIT = 4 * 1024 * 1024;
/** One SSE or NDJSON line: one event carries a token or a few. */
export const LINE_LIMIT = 1024 * 1024;

/** A body (or one line of it) over its limit; the stream is cut there. */
export class OversizeError extends Error {
  override readonly name = 'OversizeError';
}

/** The OversizeError anywhere in an error's cause chain (the openai package wraps what fetch threw). */
export function oversizeIn(err: unknown): OversizeError | undefined {
  let current: unknown = err;
  for (let i = 0; i < 6 && current instanceof Error; i++) {
    if (current instanceof OversizeError || current.name === 'OversizeError') return current as OversizeError;
    current = current.cause;
  }
  return undefined;
}

/**
 * The body's first `limit` bytes as text, read chunk by chunk; the rest is not read (the stream is
 * cancelled). `truncated` says whether there was more. Gives up (with what it has) on `signal`.
 */
export async function readCapped(response: Response, limit: number, signal?: AbortSignal): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  let truncated = false;
  let finished = false;
  try {
    for (;;) {
      const next = await untilAborted(reader.read(), signal);
      if (next === undefined || next.done) {
        finished = next !== undefined;
        break;
      }
      const room = limit - bytes;
      if (next.value.byteLength > room) {
        text += decoder.decode(next.value.subarray(0, room), { stream: true });
        truncated = true;
        break;
      }
      bytes += next.value.byteLength;
      text += decoder.decode(next.value, { stream: true });
    }
  } finally {
    if (!finished) void reader.cancel().catch(() => undefined);
  }
  return { text: text + decoder.decode(), truncated };
}

/**
 * A copy of `response` whose body errors with an OversizeError past `maxTotalBytes` in all, or past
 * `maxLineBytes` without a newline. Each chunk is scanned once, so a long stream costs linear time.
 */
export function limitBody(response: Response, limits: { maxTotalBytes?: number; maxLineBytes?: number }, what: string): Response {
  if (!response.body) return response;
  let total = 0;
  let sinceNewline = 0;
  const limiter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      total += chunk.byteLength;
      if (limits.maxTotalBytes !== undefined && total > limits.maxTotalBytes) {
        controller.error(new OversizeError(`sent ${what} larger than ${describeBytes(limits.maxTotalBytes)}`));
        return;
      }
      if (limits.maxLineBytes !== undefined) {
        let start = 0;
        for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
          if (sinceNewline + (nl - start) > limits.maxLineBytes) break;
          sinceNewline = 0;
          start = nl + 1;
        }
        sinceNewline += chunk.byteLength - start;
        if (sinceNewline > limits.maxLineBytes) {
          controller.error(new OversizeError(`sent a line longer than ${describeBytes(limits.maxLineBytes)}`));
          return;
        }
      }
      controller.enqueue(chunk);
    },
  });
  return new Response(response.body.pipeThrough(limiter), { status: response.status, statusText: response.statusText, headers: response.headers });
}

export function describeBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}
