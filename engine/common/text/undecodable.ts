// Output bytes that are not valid UTF-8 reach the text as U+FFFD (the streaming decoder never makes
// one from a character merely split across tokens). A model that emits them — a broken export, a
// wrong tokenizer — must not put them into the user's code, and must not go unnoticed in the chat.
export const UNDECODABLE = '\uFFFD';

/** The text before the first undecodable character: a suggestion with half a character is worse than a shorter one. */
export function cutAtUndecodable(text: string): string {
  const at = text.indexOf(UNDECODABLE);
  return at < 0 ? text : text.slice(0, at);
}

export function countUndecodable(text: string): number {
  let count = 0;
  for (let at = text.indexOf(UNDECODABLE); at >= 0; at = text.indexOf(UNDECODABLE, at + 1)) count++;
  return count;
}

/** The text as runs of plain text and runs of undecodable characters, in order, for a view to mark the latter. */
export function undecodableRuns(text: string): Array<{ text: string; undecodable: boolean }> {
  const runs: Array<{ text: string; undecodable: boolean }> = [];
  for (const match of text.matchAll(/\uFFFD+|[^\uFFFD]+/g)) runs.push({ text: match[0], undecodable: match[0][0] === UNDECODABLE });
  return runs;
}
