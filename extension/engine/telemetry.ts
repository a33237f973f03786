// Speed and memory of the engine, computed in one place: tokens per second over the current busy
// period (all streams together) and the host's resident memory, measured after a load and then at
// most every RSS_INTERVAL_MS after a request. Status changes from token counts are throttled, so a
// fast model does not repaint the status bar a thousand times a second.
import type { Clock } from '../core/clock';

const PUBLISH_INTERVAL_MS = 500;
const RSS_INTERVAL_MS = 10_000;
/** Shorter spans give tok/s figures that jump around. */
const MIN_RATE_SPAN_MS = 200;

export interface TelemetrySnapshot {
  /** A stream is open and has produced tokens. */
  generating: boolean;
  tokensPerSecond?: number;
  rssBytes?: number;
  /** Windows using the engine process, when it is the shared one (measured with the RSS). */
  sharedWith?: number;
}

export class Telemetry {
  private streams = 0;
  private firstTokenAt: number | undefined;
  private tokenCount = 0;
  private rate: number | undefined;
  private lastPublishAt = -Infinity;
  private lastRssAt = -Infinity;
  private rssBytes: number | undefined;
  private sharedWith: number | undefined;

  constructor(private readonly clock: Clock) {}

  snapshot(): TelemetrySnapshot {
    return { generating: this.streams > 0 && this.firstTokenAt !== undefined, tokensPerSecond: this.rate, rssBytes: this.rssBytes, sharedWith: this.sharedWith };
  }

  streamOpened(): void {
    this.streams++;
  }

  /** Counts streamed tokens; true when the new speed is worth publishing. */
  tokens(count: number): boolean {
    const now = this.clock.now();
    this.firstTokenAt ??= now;
    this.tokenCount += count;
    const span = now - this.firstTokenAt;
    this.rate = span > MIN_RATE_SPAN_MS ? (this.tokenCount * 1000) / span : undefined;
    if (now - this.lastPublishAt < PUBLISH_INTERVAL_MS) return false;
    this.lastPublishAt = now;
    return true;
  }

  /** True when this was the last open stream (the engine went back to ready). */
  streamClosed(): boolean {
    this.streams = Math.max(0, this.streams - 1);
    if (this.streams > 0) return false;
    this.firstTokenAt = undefined;
    this.tokenCount = 0;
    this.rate = undefined;
    return true;
  }

  /** A new model (or process): the memory figure is stale. */
  reset(): void {
    this.rssBytes = undefined;
    this.sharedWith = undefined;
    this.lastRssAt = -Infinity;
  }

  rssDue(): boolean {
    return this.clock.now() - this.lastRssAt > RSS_INTERVAL_MS;
  }

  rssMeasuring(): void {
    this.lastRssAt = this.clock.now();
  }

  rss(bytes: number, sharedWith?: number): void {
    this.rssBytes = bytes;
    this.sharedWith = sharedWith;
  }
}
