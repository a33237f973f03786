// What the completion pipeline reads from the user's settings, as plain data. The extension maps
// its typed settings onto this; tests pass it directly.
import { settingsSchema } from '../settingsSchema';

export interface CompletionSettings {
  enabled: boolean;
  /** Quiet time after a keystroke before the model is asked. */
  debounceMs: number;
  maxTokens: number;
  /** Generation stops this long after its first token; whatever text is ready is shown. */
  timeBudgetMs: number;
  prefixTokens: number;
  suffixTokens: number;
  /** Language ids (`python`, `markdown`, …) that get no completions. */
  disabledLanguages: readonly string[];
}

/** The defaults, as declared once in the settings schema. */
export const DEFAULT_COMPLETION_SETTINGS: CompletionSettings = {
  enabled: settingsSchema['completions.enabled'].default,
  debounceMs: settingsSchema['completions.debounceMs'].default,
  maxTokens: settingsSchema['completions.maxTokens'].default,
  timeBudgetMs: settingsSchema['completions.timeBudgetMs'].default,
  prefixTokens: settingsSchema['completions.prefixTokens'].default,
  suffixTokens: settingsSchema['completions.suffixTokens'].default,
  disabledLanguages: settingsSchema['completions.disabledLanguages'].default,
};
