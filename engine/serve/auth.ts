// Who may talk to the server: any local process on a loopback address; with an API key set, only
// requests that carry it. The key is compared in constant time (both sides hashed first, so neither
// its length nor a common prefix shows in the timing).
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { apiErrors, type ApiError } from './apiError';

/**
 * True for addresses only this machine can reach: localhost, 127.0.0.0/8, ::1 (and ::ffff:127.x).
 * Stricter than engine/common/net/loopback.ts on purpose: this decides whether `--host` may bind
 * without a key, and any other name (`*.localhost` included) is resolved by the system when
 * binding, possibly to a reachable address.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost') return true;
  if (isIPv4(h)) return h.startsWith('127.');
  if (isIPv6(h)) return h === '::1' || /^::ffff:127\./.test(h) || h === '0:0:0:0:0:0:0:1';
  return false;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The key a request carries: `Authorization: Bearer KEY` (what OpenAI clients send). */
export function presentedKey(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match ? match[1]!.trim() : undefined;
}

export class ApiKeyCheck {
  private readonly expected: Buffer | undefined;

  /** `key` undefined: every request is let in (loopback-only servers). */
  constructor(key: string | undefined) {
    this.expected = key === undefined ? undefined : digest(key);
  }

  get required(): boolean {
    return this.expected !== undefined;
  }

  /** undefined when the request may proceed, else the 401 to answer. */
  check(req: IncomingMessage): ApiError | undefined {
    if (!this.expected) return undefined;
    const presented = presentedKey(req);
    if (presented === undefined) return apiErrors.missingKey();
    return timingSafeEqual(digest(presented), this.expected) ? undefined : apiErrors.wrongKey();
  }
}

/** Binding where other machines can reach the server needs a key; on loopback one is optional. */
export function bindRefusal(host: string, apiKey: string | undefined): string | undefined {
  if (isLoopbackHost(host) || (apiKey !== undefined && apiKey.length > 0)) return undefined;
  return `refusing to listen on ${host} without an API key: other machines could use the model. Pass --api-key KEY (or set R1_LOCAL_API_KEY), or bind to 127.0.0.1.`;
}
