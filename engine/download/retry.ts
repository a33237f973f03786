// Bounded retries with exponential backoff. Two limits make endless loops impossible: failures in a
// row without a single new byte, and attempts per file in total (a connection that keeps dropping
// after a few bytes still ends).

import { abortError } from './errors';

export interface RetryPolicy {
  /** Attempts in a row that may fail without making progress. */
  maxConsecutiveFailures: number;
  /** Requests per file, whatever happened. */
  maxAttemptsPerFile: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxConsecutiveFailures: 5,
  maxAttemptsPerFile: 40,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
};

/** Delay before retry number `failures` (1-based): base·2^(n−1), capped, with ±20% jitter. */
export function backoffDelayMs(policy: RetryPolicy, failures: number, random: () => number = Math.random): number {
  const raw = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.round(raw * (0.8 + 0.4 * random()));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or has failed
 * `policy.maxConsecutiveFailures + 1` times; waits with backoff in between. For the small
 * metadata requests (file list, commit): file transfers have their own resume-aware loop.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  policy: RetryPolicy,
  isRetryable: (error: unknown) => boolean,
  options: { signal?: AbortSignal; onRetry?: (failures: number, error: unknown, delayMs: number) => void } = {},
): Promise<T> {
  for (let failures = 1; ; failures++) {
    try {
      return await attempt();
    } catch (error) {
      if (options.signal?.aborted) throw abortError();
      if (!isRetryable(error) || failures > policy.maxConsecutiveFailures) throw error;
      const delayMs = backoffDelayMs(policy, failures);
      options.onRetry?.(failures, error, delayMs);
      await sleep(delayMs, options.signal);
    }
  }
}
