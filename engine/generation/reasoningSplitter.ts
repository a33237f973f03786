// Splits a streamed R1 answer into a `reasoning` channel (the <think> trace) and an `answer` channel.
// R1's generation prompt already ends with `<think>\n`, so output normally starts inside the trace
// and the first `</think>` ends it; later `</think>`s (say, in a code block of the answer) are just
// answer text. The tags are matched by token id when the caller passes ids and the tokenizer has
// the tag tokens (exact, no hold-back); otherwise by text, holding back any tail that could be the
// start of a tag split across tokens.

export type Channel = 'reasoning' | 'answer';

export interface ChannelText {
  channel: Channel;
  text: string;
}

export interface ReasoningSplitterOptions {
  /**
   * True (default) when the prompt already opened the trace (R1's generation prompt ends with
   * `<think>\n`). False for a model or template that emits `<think>` itself: output is then
   * reasoning only if it opens with `<think>` (after optional whitespace), otherwise all answer.
   */
  startInReasoning?: boolean;
  /** Token id of `<think>` / `</think>`, from the tokenizer. Without them, tags are found in the text. */
  thinkStartId?: number;
  thinkEndId?: number;
  /** Drop whitespace at the start of each channel (R1 writes `</think>\n\n` before the answer). Default true. */
  trimLeadingWhitespace?: boolean;
}

const OPEN_TAG = '<think>';
const CLOSE_TAG = '</think>';

type Phase = 'awaiting' | 'reasoning' | 'answer';

export class ReasoningSplitter {
  private phase: Phase;
  private held = '';
  private started: Record<Channel, boolean> = { reasoning: false, answer: false };
  private finished = false;
  private readonly trim: boolean;

  constructor(private readonly options: ReasoningSplitterOptions = {}) {
    this.phase = options.startInReasoning === false ? 'awaiting' : 'reasoning';
    this.trim = options.trimLeadingWhitespace ?? true;
  }

  /** A splitter with the tag ids resolved from a tokenizer (TextTokenizer has `tokenId`). */
  static forTokenizer(
    tokenizer: { tokenId(content: string): number | undefined },
    options: Omit<ReasoningSplitterOptions, 'thinkStartId' | 'thinkEndId'> = {},
  ): ReasoningSplitter {
    return new ReasoningSplitter({ ...options, thinkStartId: tokenizer.tokenId(OPEN_TAG), thinkEndId: tokenizer.tokenId(CLOSE_TAG) });
  }

  /** True while output is reasoning: a token pushed while this is true (and still true after) is a reasoning token. */
  get inReasoning(): boolean {
    return this.phase === 'reasoning';
  }

  /** True once the trace was closed (or the output turned out to have none). */
  get answering(): boolean {
    return this.phase === 'answer';
  }

  /** After `finish()`: the output ended inside the trace, with no `</think>`. */
  get reasoningUnterminated(): boolean {
    return this.finished && this.phase === 'reasoning';
  }

  /**
   * Feed the text of the next token (from the streaming decoder) and, when known, its id.
   * Returns the text now safe to show, by channel (empty pieces left out).
   */
  push(text: string, tokenId?: number): ChannelText[] {
    if (this.finished) throw new Error('ReasoningSplitter: push after finish');
    const out: ChannelText[] = [];
    const byToken = tokenId !== undefined;
    if (this.phase === 'awaiting') this.await(text, byToken ? tokenId : undefined, out);
    else if (this.phase === 'reasoning') this.reason(text, byToken ? tokenId : undefined, out);
    else this.emit('answer', text, out);
    return out;
  }

  /** End of output: release held text into the current channel. */
  finish(): ChannelText[] {
    if (this.finished) return [];
    const out: ChannelText[] = [];
    const held = this.held;
    this.held = '';
    if (this.phase === 'awaiting') this.phase = 'answer';
    this.emit(this.phase === 'reasoning' ? 'reasoning' : 'answer', held, out);
    this.finished = true;
    return out;
  }

  private await(text: string, tokenId: number | undefined, out: ChannelText[]): void {
    const startId = this.options.thinkStartId;
    if (tokenId !== undefined && startId !== undefined) {
      if (tokenId === startId) {
        this.held = '';
        this.phase = 'reasoning';
        return;
      }
      this.held += text;
      if (this.held.trim().length === 0) return; // only whitespace so far: still undecided
      this.toAnswer(this.held, out);
      return;
    }
    const buffer = this.held + text;
    const lead = buffer.trimStart();
    if (lead.startsWith(OPEN_TAG)) {
      this.held = '';
      this.phase = 'reasoning';
      this.reason(lead.slice(OPEN_TAG.length), undefined, out);
    } else if (OPEN_TAG.startsWith(lead)) {
      this.held = buffer; // could still become `<think>`
    } else {
      this.toAnswer(buffer, out);
    }
  }

  private reason(text: string, tokenId: number | undefined, out: ChannelText[]): void {
    const { thinkStartId, thinkEndId } = this.options;
    if (tokenId !== undefined && thinkEndId !== undefined) {
      if (tokenId === thinkEndId) {
        this.phase = 'answer';
        return;
      }
      // A model that repeats the opening tag the prompt already holds: not part of the trace.
      if (tokenId === thinkStartId && !this.started.reasoning) return;
      this.emit('reasoning', text, out);
      return;
    }
    const buffer = this.held + text;
    const close = buffer.indexOf(CLOSE_TAG);
    if (close >= 0) {
      this.held = '';
      this.emit('reasoning', buffer.slice(0, close), out);
      this.toAnswer(buffer.slice(close + CLOSE_TAG.length), out);
      return;
    }
    const keep = partialTagLength(buffer, CLOSE_TAG);
    this.held = buffer.slice(buffer.length - keep);
    this.emit('reasoning', buffer.slice(0, buffer.length - keep), out);
  }

  private toAnswer(text: string, out: ChannelText[]): void {
    this.held = '';
    this.phase = 'answer';
    this.emit('answer', text, out);
  }

  private emit(channel: Channel, text: string, out: ChannelText[]): void {
    let piece = text;
    if (this.trim && !this.started[channel]) piece = piece.trimStart();
    if (piece.length === 0) return;
    this.started[channel] = true;
    const last = out[out.length - 1];
    if (last && last.channel === channel) last.text += piece;
    else out.push({ channel, text: piece });
  }
}

/** Length of the longest end of `text` that is a proper prefix of `tag`. */
function partialTagLength(text: string, tag: string): number {
  for (let len = Math.min(tag.length - 1, text.length); len > 0; len--) {
    if (text.endsWith(tag.slice(0, len))) return len;
  }
  return 0;
}
