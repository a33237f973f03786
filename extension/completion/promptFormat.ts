// Turns a prompt window into what the model is asked, per model profile.
//
// R1 distills (Qwen2.5-Math base) were never trained for fill-in-the-middle: their tokenizer
// carries the FIM tokens only because it is Qwen's, and given them they produce noise. They get a
// plain continuation of the prefix, no chat template; the suffix is used afterwards to clean the
// suggestion. Coder models of the same family (Qwen2.5-Coder) were trained on
// `<|fim_prefix|>…<|fim_suffix|>…<|fim_middle|>` and see both sides of the cursor.
import type { ModelInfo, PromptInput } from '../../engine/types';
import type { PromptWindow } from './promptWindow';

export type CompletionFormat =
  | { kind: 'continuation' }
  | { kind: 'fim'; prefix: string; suffix: string; middle: string };

/** FIM only when the tokenizer declares the tokens and the config says the model is a coder model. */
export function completionFormatFor(model: Pick<ModelInfo, 'fimTokens' | 'modelName'> | undefined): CompletionFormat {
  const fim = model?.fimTokens;
  if (fim && /coder/i.test(model?.modelName ?? '')) return { kind: 'fim', ...fim };
  return { kind: 'continuation' };
}

export interface CompletionPrompt {
  prompt: PromptInput;
  /** Stop strings for the engine. */
  stop: string[];
  /** Whether the suggestion may span several lines (nothing but whitespace after the cursor). */
  multiline: boolean;
}

export function buildCompletionPrompt(format: CompletionFormat, window: PromptWindow): CompletionPrompt {
  const multiline = window.lineSuffix.trim() === '';
  // Mid-line the suggestion finishes the line; the engine stops at the line break instead of
  // generating lines that would be thrown away.
  const stop = multiline ? [] : ['\n'];
  if (format.kind === 'continuation') {
    return { prompt: { type: 'text', text: window.prefix }, stop, multiline };
  }
  const text = `${format.prefix}${window.prefix}${format.suffix}${window.suffix}${format.middle}`;
  // A FIM model that starts a new fill or file has finished this one.
  return { prompt: { type: 'text', text }, stop: [...stop, format.prefix, format.suffix, format.middle], multiline };
}
