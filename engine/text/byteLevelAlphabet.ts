// The GPT-2 byte-to-unicode alphabet used by byte-level BPE tokenizers (GPT-2, Qwen2, R1 distills).
// Every byte maps to one printable character so that a token's string spells its bytes; printable
// bytes map to themselves, the rest (controls, space, ...) are shifted to U+0100 and above.
// Needed in two places: writing fixture vocabularies, and turning token strings back into raw
// bytes for streaming detokenization (the tokenizer library only decodes whole sequences).

function buildByteOrder(): number[] {
  const order: number[] = [];
  const push = (from: number, to: number) => {
    for (let b = from; b <= to; b++) order.push(b);
  };
  push(0x21, 0x7e); // '!'..'~'
  push(0xa1, 0xac); // '¡'..'¬'
  push(0xae, 0xff); // '®'..'ÿ'
  for (let b = 0; b < 256; b++) if (!order.includes(b)) order.push(b);
  return order;
}

/** Bytes in vocabulary order: the printable ones first, then the shifted ones (GPT-2's id order for ids 0..255). */
export const BYTE_ORDER: readonly number[] = buildByteOrder();

/** byte -> its one-character stand-in. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const table = new Array<string>(256);
  let shifted = 0;
  for (const b of BYTE_ORDER) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCharCode(printable ? b : 0x100 + shifted++);
  }
  return table;
})();

/** stand-in character -> byte. */
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((ch, b) => [ch, b]));

/** Spell raw bytes in the byte-level alphabet. */
export function bytesToTokenString(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += BYTE_TO_CHAR[b];
  return out;
}

/** Turn a byte-level token string back into bytes; undefined when a character is outside the alphabet. */
export function tokenStringToBytes(token: string): Uint8Array | undefined {
  const out = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const b = CHAR_TO_BYTE.get(token[i]);
    if (b === undefined) return undefined;
    out[i] = b;
  }
  return out;
}
