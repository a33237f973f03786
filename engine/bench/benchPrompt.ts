// Deterministic benchmark prompts as token ids, identical for every engine so the work is the same.

/** `count` token ids starting with `bos`, drawn from the first 100k ids of the vocabulary. */
export function benchPromptTokens(count: number, bos: number, vocabLimit = 100_000): number[] {
  const ids = [bos];
  let x = 12345;
  while (ids.length < count) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    ids.push(256 + (x % (vocabLimit - 256)));
  }
  return ids;
}
