// Cuts the text around the cursor to the prompt's token budget.
//
// Three properties matter here:
// - Cost is proportional to the window, never to the file: only the window's characters are read.
// - The prefix starts at a line boundary, and that boundary moves in coarse steps (a quarter of the
//   budget) rather than with every keystroke. Consecutive requests then share their prompt up to
//   the cursor, so the engine can reuse its KV cache and prefill only what was typed.
// - A cut never splits a UTF-16 surrogate pair (which would put a lone surrogate in the prompt).
//
// Token counts are estimated from characters: tokenizing in the extension host would cost more
// than the window itself, and the estimate errs towards fewer characters than the budget allows.
import { CHARS_PER_TOKEN } from '../../../engine/common/text/tokenEstimate';
import type { TextSource } from './textSource';

/** At most this much of the cursor line after the cursor is read when the suffix window is shorter. */
const LINE_SUFFIX_CAP = 256;

export interface WindowBudget {
  prefixTokens: number;
  suffixTokens: number;
  charsPerToken?: number;
}

export interface PromptWindow {
  /** Document offset of the cursor. */
  offset: number;
  /** Document offset where `prefix` starts. */
  prefixStart: number;
  /** Text from `prefixStart` up to the cursor. */
  prefix: string;
  /** Text after the cursor, ending at a line boundary when the window ends before the document. */
  suffix: string;
  /** The cursor line up to the cursor (as far as the window reaches). */
  linePrefix: string;
  /** The cursor line after the cursor, without its line break. */
  lineSuffix: string;
  /** The last non-blank line above the cursor line inside the window, or '' when there is none. */
  previousLine: string;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Where the prefix starts: a line boundary at or after `offset - budget`, moving in steps of budget/4. */
function prefixStartFor(text: TextSource, offset: number, budgetChars: number): number {
  const earliest = offset - budgetChars;
  if (earliest <= 0) return 0;
  const step = Math.max(1, Math.floor(budgetChars / 4));
  const anchor = Math.ceil(earliest / step) * step;
  if (anchor >= offset) return offset;
  if (text.slice(anchor - 1, anchor) === '\n') return anchor;
  const head = text.slice(anchor, offset);
  const newline = head.indexOf('\n');
  // No line break in the whole window (minified code): keep the raw cut, but never inside a pair.
  if (newline < 0) return isLowSurrogate(head.charCodeAt(0)) ? anchor + 1 : anchor;
  return anchor + newline + 1;
}

function suffixFor(text: TextSource, offset: number, budgetChars: number): string {
  if (budgetChars <= 0) return '';
  const end = Math.min(text.length, offset + budgetChars);
  let suffix = text.slice(offset, end);
  if (end < text.length) {
    const lastNewline = suffix.lastIndexOf('\n');
    if (lastNewline > 0) suffix = suffix.slice(0, lastNewline);
    else if (isHighSurrogate(suffix.charCodeAt(suffix.length - 1))) suffix = suffix.slice(0, -1);
  }
  return suffix;
}

function lastNonBlankLine(lines: string): string {
  let end = lines.length;
  while (end > 0) {
    const start = lines.lastIndexOf('\n', end - 1) + 1;
    const line = lines.slice(start, end).replace(/\r$/, '');
    if (line.trim() !== '') return line;
    end = start - 1;
  }
  return '';
}

export function buildPromptWindow(text: TextSource, offset: number, budget: WindowBudget): PromptWindow {
  if (!Number.isInteger(offset) || offset < 0 || offset > text.length) {
    throw new RangeError(`Cursor offset ${offset} is outside the document (length ${text.length}).`);
  }
  const charsPerToken = budget.charsPerToken ?? CHARS_PER_TOKEN;
  const prefixChars = Math.max(0, Math.floor(budget.prefixTokens * charsPerToken));
  const suffixChars = Math.max(0, Math.floor(budget.suffixTokens * charsPerToken));

  const prefixStart = prefixStartFor(text, offset, prefixChars);
  const prefix = text.slice(prefixStart, offset);
  const suffix = suffixFor(text, offset, suffixChars);

  const lineStart = prefix.lastIndexOf('\n') + 1;
  // The rest of the line is needed even with a zero suffix budget; a line longer than the cap is
  // long enough for every decision made from it.
  const lineAhead = suffix.includes('\n') ? suffix : text.slice(offset, offset + LINE_SUFFIX_CAP);
  const newlineAfter = lineAhead.indexOf('\n');
  const lineSuffix = (newlineAfter < 0 ? lineAhead : lineAhead.slice(0, newlineAfter)).replace(/\r$/, '');
  return {
    offset,
    prefixStart,
    prefix,
    suffix,
    linePrefix: prefix.slice(lineStart),
    lineSuffix,
    previousLine: lineStart > 0 ? lastNonBlankLine(prefix.slice(0, lineStart - 1)) : '',
  };
}
