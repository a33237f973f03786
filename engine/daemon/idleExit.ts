// When the shared engine exits: IDLE_EXIT_MS after its last window disconnected (or after it
// started, if no window ever connects). A window that connects meanwhile cancels the countdown.
// `r1-local status` connections do not count: looking must not keep the engine alive.

export const IDLE_EXIT_MS = 60_000;

export interface DaemonClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemDaemonClock: DaemonClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class IdleExit {
  private clients = 0;
  private timer: unknown;
  /** When the countdown started; undefined while a client is connected. */
  private idleSince: number | undefined;

  constructor(
    private readonly clock: DaemonClock,
    private readonly idleMs: number,
    private readonly onIdle: () => void,
  ) {
    this.arm();
  }

  get connected(): number {
    return this.clients;
  }

  /** Milliseconds until exit, or undefined while a client is connected. */
  remainingMs(): number | undefined {
    return this.idleSince === undefined ? undefined : Math.max(0, this.idleSince + this.idleMs - this.clock.now());
  }

  clientConnected(): void {
    this.clients++;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.idleSince = undefined;
  }

  clientDisconnected(): void {
    this.clients = Math.max(0, this.clients - 1);
    if (this.clients === 0) this.arm();
  }

  dispose(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.clock.clearTimeout(this.timer);
    this.idleSince = this.clock.now();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.clients === 0) this.onIdle();
    }, this.idleMs);
  }
}
