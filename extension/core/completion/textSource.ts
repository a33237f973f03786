// The completion pipeline reads documents through this narrow view so that it only ever touches
// the characters around the cursor: VS Code's `getText()` copies the whole file, and a 1 MB file
// must cost no more per keystroke than a small one.

/** Read access to a document's text by UTF-16 offsets. */
export interface TextSource {
  /** Length of the whole text in UTF-16 code units. */
  readonly length: number;
  /** Text of [start, end), with start and end clamped to [0, length]. */
  slice(start: number, end: number): string;
}

export function stringSource(text: string): TextSource {
  return { length: text.length, slice: (start, end) => text.slice(start, end) };
}
