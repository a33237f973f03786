// Incremental detokenization. Byte-level BPE tokens can end in the middle of a UTF-8 character
// (an emoji is often 2-4 byte tokens), so text is assembled from each token's raw bytes through a
// streaming UTF-8 decoder, which holds back an incomplete character until its last byte arrives.
// U+FFFD appears only for bytes that can never form a character (invalid input), never for a
// character that is merely split across tokens.

/** What the decoder needs from a tokenizer (TextTokenizer implements it). */
export interface TokenByteSource {
  tokenBytes(id: number): Uint8Array;
  isSpecial(id: number): boolean;
}

export interface StreamingDecoderOptions {
  /** Give no text for special tokens (R1: eos, bos). Default true: they are control, not content. */
  skipSpecialTokens?: boolean;
}

export class StreamingDecoder {
  private readonly utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  private readonly skipSpecial: boolean;

  constructor(
    private readonly source: TokenByteSource,
    options: StreamingDecoderOptions = {},
  ) {
    this.skipSpecial = options.skipSpecialTokens ?? true;
  }

  /** Feed one token; returns the text that is now complete (possibly ''). */
  push(id: number): string {
    if (this.skipSpecial && this.source.isSpecial(id)) return '';
    const bytes = this.source.tokenBytes(id);
    if (bytes.length === 0) return '';
    return this.utf8.decode(bytes, { stream: true });
  }

  /** Feed several tokens; returns the text that is now complete. */
  pushAll(ids: readonly number[]): string {
    let out = '';
    for (const id of ids) out += this.push(id);
    return out;
  }

  /** End of stream: an unfinished character can no longer complete and becomes U+FFFD. Resets the decoder. */
  flush(): string {
    return this.utf8.decode();
  }
}
