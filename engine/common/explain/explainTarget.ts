// `FILE[:START-END]` as the command line names the code to explain, turned into the same
// ExplainSource the editor builds from a selection, so both get the same prompt.
import type { ExplainSource } from './explainPrompt';

export interface ExplainTarget {
  path: string;
  /** 1-based inclusive line range, as editors show line numbers; absent: the whole file. */
  lines?: { start: number; end: number };
}

/** Parses `FILE`, `FILE:N` or `FILE:START-END`; a colon not followed by a range belongs to the path (`C:\…`). */
export function parseExplainTarget(arg: string): ExplainTarget {
  const match = /^(.+):(\d+)(?:-(\d+))?$/.exec(arg);
  if (!match) return { path: arg };
  const start = Number(match[2]);
  const end = match[3] === undefined ? start : Number(match[3]);
  if (start < 1 || end < start) throw new RangeError(`${arg}: the line range must be START-END with 1 ≤ START ≤ END`);
  return { path: match[1]!, lines: { start, end } };
}

/** VS Code's language id for common file extensions; else the extension itself, which models read as well. */
const LANGUAGES: Record<string, string> = {
  ts: 'typescript',
  tsx: 'typescriptreact',
  js: 'javascript',
  jsx: 'javascriptreact',
  mjs: 'javascript',
  cjs: 'javascript',
  py: 'python',
  rs: 'rust',
  go: 'go',
  rb: 'ruby',
  cs: 'csharp',
  cpp: 'cpp',
  cc: 'cpp',
  h: 'c',
  c: 'c',
  java: 'java',
  kt: 'kotlin',
  sh: 'shellscript',
  md: 'markdown',
};

export function languageIdFor(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  const ext = dot >= 0 ? fileName.slice(dot + 1).toLowerCase() : '';
  return LANGUAGES[ext] ?? (ext || 'plaintext');
}

/** The source to explain: the named lines (clamped to the file) or the whole file. */
export function explainSourceFor(target: ExplainTarget, displayName: string, text: string): ExplainSource {
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  const last = Math.max(0, lines.length - 1);
  const start = target.lines ? Math.min(target.lines.start - 1, last) : 0;
  const end = target.lines ? Math.min(target.lines.end - 1, last) : last;
  return { fileName: displayName, languageId: languageIdFor(displayName), lines, start, end };
}
