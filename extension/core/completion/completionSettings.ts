// What the completion pipeline reads from the user's settings, as plain data. The extension maps
// its typed settings onto this; tests pass it directly.
import { settingsSchema, type SettingKey, type SettingValues } from '../settingsSchema';

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

export type ReadSetting = <K extends SettingKey>(key: K) => SettingValues[K];

/** The pipeline's settings, each read from its `completions.*` key (read on every query). */
export function completionSettingsFrom(get: ReadSetting): CompletionSettings {
  return {
    enabled: get('completions.enabled'),
    debounceMs: get('completions.debounceMs'),
    maxTokens: get('completions.maxTokens'),
    timeBudgetMs: get('completions.timeBudgetMs'),
    prefixTokens: get('completions.prefixTokens'),
    suffixTokens: get('completions.suffixTokens'),
    disabledLanguages: get('completions.disabledLanguages'),
  };
}

/** The defaults, as declared once in the settings schema. */
export const DEFAULT_COMPLETION_SETTINGS: CompletionSettings = completionSettingsFrom((key) => settingsSchema[key].default as SettingValues[typeof key]);
