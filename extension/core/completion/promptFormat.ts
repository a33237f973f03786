// Turns a prompt window into what the model is asked, per what the backend's model can do.
//
// A model trained for fill-in-the-middle (Qwen2.5-Coder: `<|fim_prefix|>…<|fim_suffix|>…<|fim_middle|>`)
// sees both sides of the cursor. Any other (the R1 distills) gets a plain continuation of the
// prefix, no chat template; the suffix is used afterwards to clean the suggestion. A backend that
// builds the FIM prompt itself (a remote server with `suffix`, or its client's FIM prompt) gets both
// sides as an `infill` prompt: only it knows which markers, if any, its model expects.
import type { PromptInput } from '../../../engine/types';
import type { BackendCapabilities } from '../generationBackend';
import type { PromptWindow } from './promptWindow';

export type CompletionFormat =
  | { kind: 'continuation' }
  | { kind: 'infill' }
  | { kind: 'fim'; prefix: string; suffix: string; middle: string };

/** Infill or FIM when the backend says it does it; unknown capabilities mean continuation. */
export function completionFormatFor(capabilities: Pick<BackendCapabilities, 'fim' | 'infill'> | undefined): CompletionFormat {
  if (capabilities?.infill) return { kind: 'infill' };
  const fim = capabilities?.fim;
  return fim ? { kind: 'fim', ...fim } : { kind: 'continuation' };
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
  if (format.kind === 'infill') {
    return { prompt: { type: 'infill', prefix: window.prefix, suffix: window.suffix }, stop, multiline };
  }
  const text = `${format.prefix}${window.prefix}${format.suffix}${window.suffix}${format.middle}`;
  // A FIM model that starts a new fill or file has finished this one.
  return { prompt: { type: 'text', text }, stop: [...stop, format.prefix, format.suffix, format.middle], multiline };
}
