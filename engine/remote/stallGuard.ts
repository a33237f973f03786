// One AbortController per request that fires when the caller aborts or when the server has been
// silent too long: first until its first byte (headers and first event alike, since a server may
// send headers at once and then prefill for a minute), then between events, so a stream that stalls
// mid-answer ends too. A reasoning model streams a token every few tens of milliseconds, so a
// silence as long as the first-byte timeout is a dead server, not a slow one.

export class StallGuard {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private fired = false;
  private readonly onAbort = () => this.controller.abort();

  constructor(
    private readonly caller: AbortSignal,
    private readonly timeoutMs: number,
  ) {
    if (caller.aborted) this.controller.abort();
    else caller.addEventListener('abort', this.onAbort, { once: true });
    this.arm();
  }

  /** Pass this to the request: it aborts on the caller's abort and on a stall. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True when the stall timer (not the caller) aborted the request. */
  get stalled(): boolean {
    return this.fired;
  }

  /** Something arrived: the silence starts over. */
  touch(): void {
    this.arm();
  }

  /** Resolves with `work`'s value, or with undefined as soon as the request is aborted (see untilAborted below). */
  untilAborted<T>(work: Promise<T>): Promise<T | undefined> {
    return untilAborted(work, this.controller.signal);
  }

  /** End the request on purpose (say, to stop reading reasoning past its budget). */
  abort(): void {
    this.dispose();
    this.controller.abort();
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.caller.removeEventListener('abort', this.onAbort);
  }

  private arm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.controller.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort();
    }, this.timeoutMs);
  }
}

/**
 * Resolves with `work`'s value, or with undefined as soon as `signal` aborts (at once if it already
 * has; without a signal, `work` itself). Node 20's fetch (undici 6) can leave a body read pending
 * forever when the request is aborted just as its last bytes arrive, so a read must not be awaited
 * past an abort.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
