// Turns what can go wrong between us and a server into a RemoteError with a stable code: an HTTP
// status with the server's own message, or a network failure found by its errno anywhere in the
// cause chain (fetch wraps the socket's error as `TypeError: fetch failed` → cause → `ECONNREFUSED`,
// and the openai package wraps that once more as APIConnectionError).
import { RemoteError } from './remoteError';

/** `Retry-After` as seconds or an HTTP date, or the non-standard `retry-after-ms`. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') !== null && Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers.get('retry-after');
  if (raw === null || raw.trim() === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The error of a non-2xx answer. `detail` is what the server said (its JSON `error.message`, or the body). */
export function statusError(status: number, detail: string | undefined, headers: Headers | undefined, where: string, model: string): RemoteError {
  const said = detail && detail.trim() ? ` The server said: ${oneLine(detail)}` : '';
  if (status === 401 || status === 403) {
    return new RemoteError({ code: 'unauthorized', status, message: `${where} refused the request (HTTP ${status}): the API key is missing or wrong.${said}` });
  }
  if (status === 404) {
    const what = model ? `has no model "${model}" (HTTP 404), or no such endpoint` : 'has no such endpoint (HTTP 404): is the URL the API root, such as http://host:8000/v1?';
    return new RemoteError({ code: 'model_not_found', status, message: `${where} ${what}.${said}` });
  }
  if (status === 429) {
    const wait = retryAfterMs(headers);
    const after = wait === undefined ? '' : ` Retry after ${Math.ceil(wait / 1000)} s.`;
    return new RemoteError({ code: 'rate_limited', status, message: `${where} is rate limiting requests (HTTP 429).${after}${said}`, ...(wait === undefined ? {} : { retryAfterMs: wait }) });
  }
  if (status >= 500) return new RemoteError({ code: 'server_error', status, message: `${where} failed (HTTP ${status}).${said}` });
  return new RemoteError({ code: 'bad_request', status, message: `${where} refused the request (HTTP ${status}).${said}` });
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);

/** The errno (`ECONNREFUSED`, `ENOTFOUND`, …) of a failed request, searched through `cause`s (and AggregateErrors, which happy-eyeballs connects throw). */
export function errnoOf(err: unknown, depth = 0): string | undefined {
  if (depth > 6 || typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
  const nested = (err as { errors?: unknown }).errors;
  if (Array.isArray(nested)) {
    for (const inner of nested) {
      const found = errnoOf(inner, depth + 1);
      if (found) return found;
    }
  }
  return errnoOf((err as { cause?: unknown }).cause, depth + 1);
}

/** A request that got no answer at all. */
export function networkError(err: unknown, baseUrl: string): RemoteError {
  const errno = errnoOf(err);
  let host = baseUrl;
  try {
    host = new URL(baseUrl).host;
  } catch {
    // keep the text as given
  }
  if (errno === 'ECONNREFUSED') return new RemoteError({ code: 'connection_refused', message: `Nothing is listening at ${host} (connection refused): is the server running?` }, { cause: err });
  if (errno && DNS_CODES.has(errno)) return new RemoteError({ code: 'dns', message: `The host name of ${host} does not resolve (${errno}).` }, { cause: err });
  const reason = deepestMessage(err);
  // Requests go out with `redirect: 'error'`: a 307/308 would re-send the body (the user's code) to
  // an address nobody configured, past the plain-http consent given for this one.
  if (/unexpected redirect/i.test(reason)) {
    return new RemoteError({ code: 'redirected', message: `The server at ${host} redirected to another address; set r1Local.remote.endpoint to the final URL.` }, { cause: err });
  }
  return new RemoteError({ code: 'network', message: `Could not reach ${host}: ${reason}${errno && !reason.includes(errno) ? ` (${errno})` : ''}.` }, { cause: err });
}

/** A stream that stopped sending: before the first byte a `timeout`, after it an `incomplete` answer. */
export function stalledError(received: boolean, where: string, timeoutMs: number): RemoteError {
  return received
    ? new RemoteError({ code: 'incomplete', message: `${where} stopped sending for ${timeoutMs} ms in the middle of the answer; what arrived is partial.` })
    : new RemoteError({ code: 'timeout', message: `${where} sent nothing within ${timeoutMs} ms.` });
}

/** A stream that broke off: what was yielded stays, the answer is partial. `what` completes "The server at … ". */
export function brokeOff(where: string, what: string, cause?: unknown): RemoteError {
  return new RemoteError({ code: 'incomplete', message: `${where} ${what}.` }, cause === undefined ? undefined : { cause });
}

/** The innermost message of an error chain (undici's `terminated` hides `other side closed` in its cause). */
export function deepestMessage(err: unknown): string {
  let message = err instanceof Error ? err.message : String(err);
  let current: unknown = err;
  for (let i = 0; i < 6 && current instanceof Error && current.cause !== undefined; i++) {
    current = current.cause;
    if (current instanceof Error && current.message) message = current.message;
  }
  return message;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}
