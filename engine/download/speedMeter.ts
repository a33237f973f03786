// Transfer speed over a sliding window, and the ETA it implies. A window (not the average since
// the start) so the numbers follow a connection that speeds up or stalls. The clock is injectable.

export class SpeedMeter {
  private readonly samples: { at: number; bytes: number }[] = [];
  private total = 0;

  constructor(
    private readonly windowMs = 5_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  add(bytes: number): void {
    const at = this.now();
    this.total += bytes;
    this.samples.push({ at, bytes: this.total });
    while (this.samples.length > 2 && at - this.samples[1].at > this.windowMs) this.samples.shift();
  }

  /** Bytes per second over the window; 0 until two samples at least 200 ms apart exist. */
  bytesPerSecond(): number {
    if (this.samples.length < 2) return 0;
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const ms = last.at - first.at;
    if (ms < 200) return 0;
    return ((last.bytes - first.bytes) * 1000) / ms;
  }

  /** Seconds to transfer `remainingBytes` at the current speed, or undefined when unknown. */
  etaSeconds(remainingBytes: number): number | undefined {
    const speed = this.bytesPerSecond();
    return speed > 0 ? Math.max(0, remainingBytes / speed) : undefined;
  }
}
