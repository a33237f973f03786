// Stop strings over streamed text. A stop string can arrive split across tokens ("<|" then "end|>"),
// so text that could still become the start of a stop string is held back until it either
// completes one (generation stops; the stop string and anything after it are never emitted) or
// diverges (the held text is released).

export interface StopCheck {
  /** Text that is safe to show now. */
  text: string;
  /** The stop string that matched, when generation must stop. */
  stop?: string;
}

export class StopStringMatcher {
  private readonly stops: string[];
  private held = '';
  private stopped: string | undefined;

  /** Empty strings are ignored (they would stop before anything is produced). */
  constructor(stops: readonly string[] = []) {
    if (!Array.isArray(stops) || stops.some((s) => typeof s !== 'string')) {
      throw new TypeError('stop strings must be an array of strings');
    }
    this.stops = [...new Set(stops.filter((s) => s.length > 0))];
  }

  get hasStops(): boolean {
    return this.stops.length > 0;
  }

  /** The stop string that ended generation, if any. */
  get matched(): string | undefined {
    return this.stopped;
  }

  /** Feed the next piece of text. After a stop, further input is ignored. */
  push(text: string): StopCheck {
    if (this.stopped !== undefined) return { text: '', stop: this.stopped };
    if (this.stops.length === 0) return { text };
    const buffer = this.held + text;
    const hit = this.earliestMatch(buffer);
    if (hit) {
      this.held = '';
      this.stopped = hit.stop;
      return { text: buffer.slice(0, hit.index), stop: hit.stop };
    }
    const keep = this.longestStopPrefixSuffix(buffer);
    this.held = buffer.slice(buffer.length - keep);
    return { text: buffer.slice(0, buffer.length - keep) };
  }

  /** End of generation: held text turned out not to be a stop string, so release it. */
  flush(): string {
    const text = this.stopped === undefined ? this.held : '';
    this.held = '';
    return text;
  }

  /** The match that starts first; on a tie, the longest stop string. */
  private earliestMatch(buffer: string): { index: number; stop: string } | undefined {
    let best: { index: number; stop: string } | undefined;
    for (const stop of this.stops) {
      const index = buffer.indexOf(stop);
      if (index < 0) continue;
      if (!best || index < best.index || (index === best.index && stop.length > best.stop.length)) best = { index, stop };
    }
    return best;
  }

  /** Length of the longest end of `buffer` that is a proper prefix of some stop string. */
  private longestStopPrefixSuffix(buffer: string): number {
    let longest = 0;
    for (const stop of this.stops) {
      const max = Math.min(stop.length - 1, buffer.length);
      for (let len = max; len > longest; len--) {
        if (buffer.endsWith(stop.slice(0, len))) {
          longest = len;
          break;
        }
      }
    }
    return longest;
  }
}
