// Line helpers shared by completion post-processing and Explain Selection, so both judge
// indentation and "the next line of code" the same way.

/** A tab counts as this many columns when lines indented with tabs and spaces are compared. */
export const TAB_WIDTH = 4;

export function isBlank(line: string): boolean {
  return line.trim().length === 0;
}

/** Columns of leading whitespace. */
export function indentWidth(line: string): number {
  let width = 0;
  for (const ch of line) {
    if (ch === ' ') width += 1;
    else if (ch === '\t') width += TAB_WIDTH;
    else break;
  }
  return width;
}

/** Index of the first non-blank line after line `after`, if any. */
export function nextCodeLine(lines: readonly string[], after: number): number | undefined {
  for (let i = after + 1; i < lines.length; i++) if (!isBlank(lines[i]!)) return i;
  return undefined;
}
