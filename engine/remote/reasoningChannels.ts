// Routes a server's raw chunks to the reasoning and answer channels. Two server styles exist:
// - a reasoning parser (vLLM `--reasoning-parser deepseek_r1`, llama-server `--reasoning-format
//   deepseek`, SGLang, Ollama): reasoning arrives in its own field, `content` is the answer;
// - no parser: the trace stays in `content` between `<think>` tags, and is split the way the local
//   engine splits it (ReasoningSplitter). R1's chat template already opens the trace in the prompt
//   (`<｜Assistant｜><think>\n`), so output starts inside it; older templates let the model write
//   `<think>` itself, so one leading `<think>` is dropped.
// The style is decided by the first piece of text: a reasoning field first means a parser.
import { ReasoningSplitter, type ChannelText } from '../generation/reasoningSplitter';
import type { WireChunk } from './wire';

const OPEN_TAG = '<think>';

export type RouteMode =
  /** A chat answer: reasoning, then the answer. */
  | 'chat'
  /** Everything is answer text (completions; the continuation after a forced `</think>`). */
  | 'answer';

export class ChannelRouter {
  private style: 'undecided' | 'fields' | 'tags' = 'undecided';
  private splitter: ReasoningSplitter | undefined;
  /** Text held while it could still become a leading `<think>`. */
  private lead: string | undefined = '';
  private started = { reasoning: false, answer: false };
  private finished = false;

  constructor(
    private readonly mode: RouteMode,
    /** Drop whitespace at the start of each channel (not for code completions, where it matters). */
    private readonly trimLeading: boolean,
  ) {}

  push(chunk: WireChunk): ChannelText[] {
    const out: ChannelText[] = [];
    if (this.mode === 'answer') {
      this.emit('answer', (chunk.reasoning ?? '') + (chunk.content ?? ''), out);
      return out;
    }
    if (chunk.reasoning !== undefined) {
      if (this.style === 'undecided') this.style = 'fields';
      this.emit('reasoning', chunk.reasoning, out);
    }
    if (chunk.content !== undefined) {
      if (this.style === 'undecided') this.style = 'tags';
      if (this.style === 'fields') this.emit('answer', chunk.content, out);
      else this.splitTags(chunk.content, out);
    }
    return out;
  }

  /** End of output: what the tag splitter held back. */
  finish(): ChannelText[] {
    if (this.finished) return [];
    this.finished = true;
    const out: ChannelText[] = [];
    if (this.style !== 'tags') return out;
    if (this.lead !== undefined) this.feed(this.lead, out);
    this.lead = undefined;
    for (const piece of this.splitter?.finish() ?? []) this.emit(piece.channel, piece.text, out);
    return out;
  }

  /** The output ended inside the trace (call after finish()). */
  get reasoningUnterminated(): boolean {
    if (this.mode === 'answer') return false;
    if (this.style === 'tags') return this.splitter?.reasoningUnterminated ?? false;
    return this.started.reasoning && !this.started.answer;
  }

  private splitTags(text: string, out: ChannelText[]): void {
    if (this.lead !== undefined) {
      const buffered = this.lead + text;
      const trimmed = buffered.trimStart();
      if (OPEN_TAG.startsWith(trimmed) && trimmed.length < OPEN_TAG.length) {
        this.lead = buffered; // could still be `<think>`
        return;
      }
      this.lead = undefined;
      this.feed(trimmed.startsWith(OPEN_TAG) ? trimmed.slice(OPEN_TAG.length) : buffered, out);
      return;
    }
    this.feed(text, out);
  }

  private feed(text: string, out: ChannelText[]): void {
    this.splitter ??= new ReasoningSplitter({ startInReasoning: true, trimLeadingWhitespace: this.trimLeading });
    for (const piece of this.splitter.push(text)) this.emit(piece.channel, piece.text, out);
  }

  private emit(channel: ChannelText['channel'], text: string, out: ChannelText[]): void {
    let piece = text;
    if (this.trimLeading && !this.started[channel]) piece = piece.trimStart();
    if (piece.length === 0) return;
    this.started[channel] = true;
    const last = out[out.length - 1];
    if (last && last.channel === channel) last.text += piece;
    else out.push({ channel, text: piece });
  }
}
