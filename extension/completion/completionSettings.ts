// What the completion pipeline reads from the user's settings, as plain data. The extension maps
// its typed settings onto this; tests pass it directly.

export interface CompletionSettings {
  enabled: boolean;
  /** Quiet time after a keystroke before the model is asked. */
  debounceMs: number;
  maxTokens: number;
  /** Generation stops after this long; whatever text is ready is shown. */
  timeBudgetMs: number;
  prefixTokens: number;
  suffixTokens: number;
  /** Language ids (`python`, `markdown`, …) that get no completions. */
  disabledLanguages: readonly string[];
}

export const DEFAULT_COMPLETION_SETTINGS: CompletionSettings = {
  enabled: true,
  debounceMs: 250,
  maxTokens: 64,
  timeBudgetMs: 1500,
  prefixTokens: 1024,
  suffixTokens: 256,
  disabledLanguages: [],
};
