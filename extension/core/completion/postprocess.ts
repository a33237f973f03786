// Cleans a raw continuation into the suggestion shown as ghost text, or rejects it.
import { nextCodeLine } from '../../../engine/common/text/codeLines';
import { cutAtUndecodable } from '../../../engine/common/text/undecodable';
import { blockEndIndex } from './blockEnd';
import type { PromptWindow } from './promptWindow';

export interface PostprocessInput {
  /** What the model generated after the cursor. */
  text: string;
  window: Pick<PromptWindow, 'linePrefix' | 'lineSuffix' | 'suffix' | 'previousLine'>;
  multiline: boolean;
  /** Generation ended on its own (eos, stop string, end of block), not on a token or time limit. */
  complete: boolean;
}

function firstLine(text: string): string {
  const br = text.indexOf('\n');
  return (br < 0 ? text : text.slice(0, br)).replace(/\r$/, '');
}

/** Removes generated lines from the first one that repeats the code after the cursor line. */
function cutAtSuffixCode(text: string, suffix: string): string {
  const suffixLines = suffix.split('\n');
  const at = nextCodeLine(suffixLines, 0);
  if (at === undefined) return text;
  const next = suffixLines[at]!.trim();
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.trim() === next) return lines.slice(0, i).join('\n');
  }
  return text;
}

/** `foo(|)` completed as `a, b)` must not insert a second `)`: drop the tail the line already has. */
function dropLineSuffixOverlap(text: string, lineSuffix: string): string {
  const head = lineSuffix.trim();
  for (let k = Math.min(head.length, text.length); k > 0; k--) {
    if (text.endsWith(head.slice(0, k))) return text.slice(0, text.length - k);
  }
  return text;
}

export function postprocess(input: PostprocessInput): string | undefined {
  const { window } = input;
  // Bytes that did not decode never reach the editor: Tab would insert them into the user's code.
  let text = cutAtUndecodable(input.text);

  const blockEnd = blockEndIndex(text, window.linePrefix, true);
  if (blockEnd >= 0) text = text.slice(0, blockEnd);
  if (!input.multiline) text = firstLine(text);
  // A line cut by the token or time limit is half a statement: keep only whole lines. A single
  // partial line is still shown, because partial text ready in time is better than nothing.
  if (!input.complete && text.includes('\n')) text = text.slice(0, text.lastIndexOf('\n'));
  text = text.trimEnd();

  if (input.multiline) text = cutAtSuffixCode(text, window.suffix).trimEnd();
  else text = dropLineSuffixOverlap(text, window.lineSuffix).trimEnd();
  if (text.trim() === '') return undefined;

  const completedLine = (window.linePrefix + firstLine(text)).trim();
  if (completedLine !== '' && completedLine === window.previousLine.trim()) return undefined;
  return text;
}
