// With no selection and no symbol provider, "the code around the cursor" is the enclosing
// indentation block: the nearest less-indented header line above the cursor and everything under it,
// plus a closing line at the header's indentation (`}`, `end`, …). Pure, over an array of lines.
import { indentWidth as indentOf, isBlank, nextCodeLine } from '../../../engine/common/text/codeLines';

export interface LineRange {
  /** First and last line, 0-based, inclusive. */
  start: number;
  end: number;
}

const CLOSER = /^\s*(?:[}\])]|end\b|fi\b|done\b|esac\b)/;

export function enclosingIndentationBlock(lines: readonly string[], cursorLine: number): LineRange | undefined {
  if (lines.length === 0) return undefined;
  let anchor = Math.min(Math.max(cursorLine, 0), lines.length - 1);
  // On a blank line, use the nearest code above (else below).
  while (anchor > 0 && isBlank(lines[anchor])) anchor--;
  if (isBlank(lines[anchor])) {
    while (anchor < lines.length - 1 && isBlank(lines[anchor])) anchor++;
    if (isBlank(lines[anchor])) return undefined;
  }

  // A header: the anchor itself when the next code line is indented deeper, else the nearest
  // less-indented line above it.
  let header = anchor;
  const next = nextCodeLine(lines, anchor);
  const closesBlock = CLOSER.test(lines[anchor]) ? openerOf(lines, anchor) : undefined;
  if (closesBlock !== undefined) {
    // On a closing line (`}`): the block it closes.
    header = closesBlock;
  } else if (next === undefined || indentOf(lines[next]) <= indentOf(lines[anchor])) {
    const indent = indentOf(lines[anchor]);
    header = -1;
    for (let i = anchor - 1; i >= 0; i--) {
      if (!isBlank(lines[i]) && indentOf(lines[i]) < indent) {
        header = i;
        break;
      }
    }
    if (header < 0) return paragraphAround(lines, anchor);
  }

  const headerIndent = indentOf(lines[header]);
  let end = header;
  for (let i = header + 1; i < lines.length; i++) {
    if (isBlank(lines[i])) continue;
    if (indentOf(lines[i]) > headerIndent) {
      end = i;
      continue;
    }
    if (indentOf(lines[i]) === headerIndent && CLOSER.test(lines[i])) end = i;
    break;
  }
  return { start: header, end };
}

/** The line at the same indentation above a closing line: the one that opened its block. */
function openerOf(lines: readonly string[], closer: number): number | undefined {
  const indent = indentOf(lines[closer]);
  for (let i = closer - 1; i >= 0; i--) {
    if (isBlank(lines[i])) continue;
    const lineIndent = indentOf(lines[i]);
    if (lineIndent < indent) return undefined;
    if (lineIndent === indent) return i;
  }
  return undefined;
}

/** Top-level code with no header: the run of non-blank lines around the anchor. */
function paragraphAround(lines: readonly string[], anchor: number): LineRange {
  let start = anchor;
  let end = anchor;
  while (start > 0 && !isBlank(lines[start - 1])) start--;
  while (end < lines.length - 1 && !isBlank(lines[end + 1])) end++;
  return { start, end };
}
