// Cheap checks that decide, before any prompt is built, that no completion should be offered.
// Each answer names its reason so the log can say why nothing appeared.

/** Files larger than this (UTF-16 code units, ≈ bytes for code) get no completions. */
export const MAX_DOCUMENT_LENGTH = 1024 * 1024;
/** A cursor inside a word gets no completion when more than this many characters follow it on the line. */
export const MAX_MID_WORD_SUFFIX = 4;

export type SkipReason = 'disabled-language' | 'multi-cursor' | 'too-large' | 'binary' | 'mid-word';

export interface PrefilterInput {
  languageId: string;
  disabledLanguages: readonly string[];
  cursorCount: number;
  documentLength: number;
  /** Text of the cursor's line after the cursor. */
  lineSuffix: string;
  /** A sample of the text around the cursor (the prompt window is enough): NUL marks a binary file. */
  sample: string;
}

const WORD_CHAR = /[\p{L}\p{N}_$]/u;

/** Returns why no completion should be offered, or undefined when the request may proceed. */
export function prefilter(input: PrefilterInput): SkipReason | undefined {
  if (input.disabledLanguages.includes(input.languageId)) return 'disabled-language';
  // One suggestion cannot be right for several cursors at once.
  if (input.cursorCount > 1) return 'multi-cursor';
  if (input.documentLength > MAX_DOCUMENT_LENGTH) return 'too-large';
  if (input.sample.includes('\0')) return 'binary';
  // Typing in front of an identifier in the middle of a line is editing, not writing new code.
  const next = input.lineSuffix.charAt(0);
  if (next !== '' && WORD_CHAR.test(next) && input.lineSuffix.trimEnd().length > MAX_MID_WORD_SUFFIX) return 'mid-word';
  return undefined;
}
