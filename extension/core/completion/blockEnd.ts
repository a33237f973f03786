// Finds where generated code leaves the block the cursor is in, so generation can stop there
// instead of running on to the token limit, and so the suggestion does not spill into code that
// belongs to the next function.
//
// The rule is indentation, which works for brace and off-side languages alike: the cursor line's
// indentation is the base; a later line indented less has left the block. When the cursor line
// opens a block (ends with `{`, `(`, `[` or `:`), the block is over at the first line back at the
// base indentation. A closing bracket line that ends the block is kept; anything else is cut.

import { indentWidth as indentation } from '../../../engine/common/text/codeLines';

const OPENS_BLOCK = /[{([:]$/;
const CLOSES_BLOCK = /^[})\]]/;

/**
 * Index in `text` (generated after the cursor) where the suggestion should end, or -1 when the
 * block has not ended yet. A line is judged once its first non-blank character is known; a kept
 * closing line only once it is complete, or when `final` says no more text will come.
 */
export function blockEndIndex(text: string, linePrefix: string, final = false): number {
  const firstBreak = text.indexOf('\n');
  if (firstBreak < 0) return -1;
  const cursorLine = linePrefix + text.slice(0, firstBreak);
  const base = indentation(linePrefix.trim() === '' ? linePrefix : cursorLine);
  const opensBlock = OPENS_BLOCK.test(cursorLine.trimEnd());

  let lineStart = firstBreak + 1;
  while (lineStart <= text.length) {
    const lineEnd = text.indexOf('\n', lineStart);
    const complete = lineEnd >= 0;
    const line = text.slice(lineStart, complete ? lineEnd : text.length).replace(/\r$/, '');
    if (line.trim() !== '') {
      const indent = indentation(line);
      const closes = CLOSES_BLOCK.test(line.trimStart());
      // A closing bracket that ends the block is kept (post-processing drops it again when the
      // code after the cursor already has it); any other line out of the block is cut.
      if (indent < base || (opensBlock && indent === base)) {
        if (!closes) return lineStart - 1;
        if (complete) return lineEnd;
        return final ? text.length : -1;
      }
    }
    if (!complete) return -1;
    lineStart = lineEnd + 1;
  }
  return -1;
}
