// The one place the model manager touches the network. It uses Node's `http`/`https` modules
// because inside VS Code's extension host those are patched to honour `http.proxy`, `HTTPS_PROXY`
// and the system certificates. TLS verification is never turned off. Tests inject their own
// RequestFn, and redirects are followed here, by hand, so an `Authorization` header never reaches
// another host.

// Bare specifiers on purpose: VS Code's extension host hands out its proxy-aware `http`/`https`
// through its module interceptor, which is keyed by these names.
import * as http from 'http';
import * as https from 'https';
import { DownloadError, abortError } from './errors';

export interface HttpRequestOptions {
  method: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Socket idle timeout: a connection silent for this long counts as dropped. */
  idleTimeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  /** Lower-case header names; repeated headers are joined with ", ". */
  headers: Record<string, string | undefined>;
  /** The URL that answered (after redirects when returned by `requestFollowingRedirects`). */
  url: URL;
  body: AsyncIterable<Buffer>;
  /** Stops reading and releases the connection. */
  dispose(): void;
}

export type RequestFn = (url: URL, options: HttpRequestOptions) => Promise<HttpResponse>;

const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/** RequestFn over Node's http/https modules. */
export const nodeRequest: RequestFn = (url, options) =>
  new Promise<HttpResponse>((resolve, reject) => {
    if (options.signal?.aborted) return reject(abortError());
    const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
    if (!transport) return reject(new DownloadError('bad-input', `Unsupported URL scheme: ${url.protocol}`));
    let req: http.ClientRequest;
    try {
      req = transport.request(url, { method: options.method, headers: options.headers });
    } catch (error) {
      return reject(asNetworkError(error, url));
    }
    // Why we tore the connection down, so the body reader reports that instead of a bare "aborted".
    let cause: DownloadError | undefined;
    const fail = (error: DownloadError) => {
      cause ??= error;
      req.destroy(error);
    };
    const onAbort = () => fail(abortError());
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const idleMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    req.setTimeout(idleMs, () => {
      fail(new DownloadError('network', `No data from ${url.host} for ${idleMs < 1000 ? `${idleMs} ms` : `${Math.round(idleMs / 1000)} s`}.`));
    });
    req.on('error', (error) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(cause ?? asNetworkError(error, url));
    });
    req.on('response', (res) => {
      res.on('close', () => options.signal?.removeEventListener('abort', onAbort));
      resolve({
        status: res.statusCode ?? 0,
        headers: flattenHeaders(res.headers),
        url,
        body: wrapBody(res, url, () => cause),
        dispose: () => {
          res.resume();
          req.destroy();
        },
      });
    });
    req.end();
  });

async function* wrapBody(res: http.IncomingMessage, url: URL, cause: () => DownloadError | undefined): AsyncIterable<Buffer> {
  try {
    for await (const chunk of res) yield chunk as Buffer;
  } catch (error) {
    throw cause() ?? asNetworkError(error, url);
  }
  // A body cut short without an error event (the peer closed mid-response) is still a drop.
  if (!res.complete) throw new DownloadError('network', `Connection to ${url.host} closed before the response was complete.`);
}

/** OpenSSL verification failures: retrying cannot fix them, and verification is never switched off. */
const CERTIFICATE_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH|ERR_TLS_CERT_ALTNAME_INVALID/;

function asNetworkError(error: unknown, url: URL): DownloadError {
  if (error instanceof DownloadError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (CERTIFICATE_ERRORS.test(code)) {
    return new DownloadError(
      'network',
      `The TLS certificate of ${url.host} could not be verified (${detail}). Verification stays on: if a proxy re-signs traffic, add its CA certificate to the system store or NODE_EXTRA_CA_CERTS.`,
      { cause: error, retryable: false },
    );
  }
  if (code === 'ECONNRESET' || detail === 'aborted') {
    return new DownloadError('network', `The connection to ${url.host} was cut before the transfer finished.`, { cause: error });
  }
  return new DownloadError('network', `Network error talking to ${url.host}: ${detail}`, { cause: error });
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/**
 * Sends the request and follows redirects. Once a redirect leaves the original origin
 * (scheme + host + port), the `Authorization` header is dropped for good, and a redirect from
 * https to plain http is refused.
 */
export async function requestFollowingRedirects(request: RequestFn, url: URL, options: HttpRequestOptions): Promise<HttpResponse> {
  const origin = url.origin;
  let headers = { ...(options.headers ?? {}) };
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await request(current, { ...options, headers });
    const location = response.headers['location'];
    if (!REDIRECT_STATUSES.has(response.status) || !location) {
      return { ...response, url: current };
    }
    response.dispose();
    const next = new URL(location, current);
    if (current.protocol === 'https:' && next.protocol !== 'https:') {
      throw new DownloadError('http', `Refusing a redirect from ${current.host} to insecure ${next.protocol}//${next.host}.`);
    }
    if (next.origin !== origin) headers = withoutAuthorization(headers);
    current = next;
  }
  throw new DownloadError('http', `Too many redirects starting at ${url.href}.`);
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
}

/** Reads a whole (small) body as text, refusing anything larger than `limitBytes`. */
export async function readBodyText(response: HttpResponse, limitBytes = 16 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.length;
    if (total > limitBytes) {
      response.dispose();
      throw new DownloadError('http', `Response from ${response.url.host} is larger than expected (${limitBytes} bytes).`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
