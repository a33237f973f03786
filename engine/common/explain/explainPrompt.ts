// The "Explain selection" prompt: the code with its file name, language and a few surrounding
// lines, cut to a token budget. When the code is cut, the prompt says so in plain words — the user
// sees this prompt as their message, so the note is visible in the chat too.
import { CHARS_PER_TOKEN } from '../text/tokenEstimate';

export interface ExplainSource {
  /** Workspace-relative path or file name shown to the model. */
  fileName: string;
  languageId: string;
  /** The whole document, by line. */
  lines: readonly string[];
  /** The code to explain: first and last line, 0-based, inclusive. */
  start: number;
  end: number;
  /** The exact selected text when the selection does not cover whole lines. */
  selectedText?: string;
  /** What the code is, when known: the enclosing function's name. */
  symbolName?: string;
}

export interface ExplainPrompt {
  prompt: string;
  truncated: boolean;
}

export const DEFAULT_CODE_TOKEN_BUDGET = 1500;
export const CONTEXT_LINES = 3;

export function buildExplainPrompt(source: ExplainSource, tokenBudget = DEFAULT_CODE_TOKEN_BUDGET, contextLines = CONTEXT_LINES): ExplainPrompt {
  const charBudget = tokenBudget * CHARS_PER_TOKEN;
  const start = clamp(source.start, 0, source.lines.length - 1);
  const end = clamp(source.end, start, source.lines.length - 1);
  const codeLines = source.selectedText !== undefined ? source.selectedText.split(/\r?\n/) : source.lines.slice(start, end + 1);

  const kept = keepWithin(codeLines, charBudget);
  const truncated = kept.length < codeLines.length || kept.at(-1) !== codeLines[kept.length - 1];
  const code = kept.join('\n');
  const before = truncated ? [] : source.lines.slice(Math.max(0, start - contextLines), start);
  const after = truncated ? [] : source.lines.slice(end + 1, end + 1 + contextLines);

  const language = source.languageId || 'text';
  const what = source.symbolName ? `the function \`${source.symbolName}\`` : 'this code';
  const parts = [`Explain ${what} from \`${source.fileName}\` (${language}, lines ${start + 1}–${end + 1}).`];
  if (before.length > 0) parts.push(`Lines just before it, for context:\n${fenced(before.join('\n'), language)}`);
  parts.push(`The code:\n${fenced(code, language)}`);
  if (after.length > 0) parts.push(`Lines just after it, for context:\n${fenced(after.join('\n'), language)}`);
  if (truncated) {
    const shownEnd = start + kept.length;
    parts.push(`(truncated: the code was cut to fit the model's context; only lines ${start + 1}–${shownEnd} of ${start + 1}–${end + 1} are shown.)`);
  }
  parts.push('Say what it does, how it works, and anything surprising or risky in it.');
  return { prompt: parts.join('\n\n'), truncated };
}

/** Whole lines while they fit; a single line longer than the budget is cut inside. */
function keepWithin(lines: readonly string[], charBudget: number): string[] {
  const kept: string[] = [];
  let used = 0;
  for (const line of lines) {
    const cost = line.length + 1;
    if (used + cost > charBudget) {
      if (kept.length === 0) kept.push(line.slice(0, charBudget));
      break;
    }
    kept.push(line);
    used += cost;
  }
  return kept;
}

/** A Markdown fence longer than any backtick run inside the code, so the code cannot close it. */
function fenced(code: string, language: string): string {
  const longestRun = Math.max(0, ...Array.from(code.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `${fence}${language}\n${code}\n${fence}`;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), Math.max(min, max));
}
