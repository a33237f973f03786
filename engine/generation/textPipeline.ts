// Turns each produced token into channel text: streaming UTF-8 decode, reasoning split, then stop
// strings per channel (a stop string is never shown; text that might start one is held back).
import type { AddedTokenSource } from './logitsProcessors';
import type { Channel, ReasoningSplitter } from './reasoningSplitter';
import { StopStringMatcher } from './stopStrings';
import { StreamingDecoder, type TokenByteSource } from '../text/streamingDecoder';
import type { GenerationEvent } from '../types';

/** What generation needs from the tokenizer (TextTokenizer implements it). */
export interface GenerationTokenizer extends TokenByteSource, AddedTokenSource {
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  tokenId(content: string): number | undefined;
}

export class TextPipeline {
  private readonly decoder: StreamingDecoder;
  private readonly stops: Record<Channel, StopStringMatcher>;
  private pendingIds: number[] = [];
  private out: { channel: Channel; text: string }[] = [];
  stopped = false;

  constructor(
    tokenizer: GenerationTokenizer,
    stop: readonly string[] | undefined,
    readonly splitter: ReasoningSplitter | undefined,
  ) {
    this.decoder = new StreamingDecoder(tokenizer);
    this.stops = { reasoning: new StopStringMatcher(stop), answer: new StopStringMatcher(stop) };
  }

  push(id: number): void {
    this.pendingIds.push(id);
    if (this.stopped) return;
    this.route(this.decoder.push(id), id);
  }

  /** End of output: release whatever is held back (never past a stop string). */
  finish(): void {
    if (!this.stopped) this.route(this.decoder.flush(), undefined);
    const tail = this.splitter ? this.splitter.finish() : [];
    for (const part of tail) this.emit(part.channel, part.text);
    if (!this.stopped) {
      this.show('reasoning', this.stops.reasoning.flush());
      this.show('answer', this.stops.answer.flush());
    }
  }

  /** Delta events for what was produced since the last call; token ids ride on the first one. */
  take(): GenerationEvent[] {
    const events: GenerationEvent[] = this.out.map((p) => ({ type: 'delta', channel: p.channel, text: p.text, tokenIds: [] }));
    if (events.length > 0 && events[0].type === 'delta') {
      events[0].tokenIds = this.pendingIds;
      this.pendingIds = [];
    }
    this.out = [];
    return events;
  }

  private route(text: string, id: number | undefined): void {
    if (!this.splitter) {
      this.emit('answer', text);
      return;
    }
    if (text.length === 0 && id === undefined) return;
    for (const part of this.splitter.push(text, id)) this.emit(part.channel, part.text);
  }

  private emit(channel: Channel, text: string): void {
    if (this.stopped || text.length === 0) return;
    // The trace is over: text the reasoning matcher held back is reasoning, release it first.
    if (channel === 'answer') this.show('reasoning', this.stops.reasoning.flush());
    const checked = this.stops[channel].push(text);
    this.show(channel, checked.text);
    if (checked.stop !== undefined) this.stopped = true;
  }

  private show(channel: Channel, text: string): void {
    if (text.length === 0) return;
    const last = this.out[this.out.length - 1];
    if (last && last.channel === channel) last.text += text;
    else this.out.push({ channel, text });
  }
}
