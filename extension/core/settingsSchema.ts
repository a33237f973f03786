// Every setting of the extension: key, type, default and bounds, declared once. settings.ts reads
// them through VS Code; package.json contributes the same keys (with descriptions), and a unit test
// keeps the two in step. No `vscode` import here, so it is testable in plain Node.
import type { ExecutionProviderName } from '../../engine/types';

export const SETTINGS_SECTION = 'r1Local';

interface StringSetting<T extends string = string> {
  readonly type: 'string';
  readonly default: T;
  readonly enum?: readonly T[];
  /** Chooses a file, URL, provider or thread count: ignored from untrusted workspace settings. */
  readonly restricted?: boolean;
}

interface NumberSetting {
  readonly type: 'integer' | 'number';
  readonly default: number;
  readonly minimum: number;
  readonly maximum: number;
  readonly restricted?: boolean;
}

interface BooleanSetting {
  readonly type: 'boolean';
  readonly default: boolean;
  readonly restricted?: boolean;
}

/** A list of strings (language ids, for example). */
interface StringListSetting {
  readonly type: 'array';
  readonly default: readonly string[];
  readonly restricted?: boolean;
}

export type SettingSpec = StringSetting | NumberSetting | BooleanSetting | StringListSetting;

const executionProviders: readonly ExecutionProviderName[] = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'];

export const settingsSchema = {
  /** Model folder; empty means no model chosen yet. */
  modelPath: { type: 'string', default: '', restricted: true },
  executionProvider: { type: 'string', default: 'auto' as ExecutionProviderName, enum: executionProviders, restricted: true },
  /** Intra-op threads; 0 lets the engine choose. */
  threads: { type: 'integer', default: 0, minimum: 0, maximum: 256, restricted: true },
  'completions.enabled': { type: 'boolean', default: true },
  'completions.debounceMs': { type: 'integer', default: 250, minimum: 0, maximum: 5000 },
  'completions.maxTokens': { type: 'integer', default: 64, minimum: 1, maximum: 1024 },
  /** Separate (smaller) model folder for completions; empty uses `modelPath`. */
  'completions.modelPath': { type: 'string', default: '', restricted: true },
  /** Decoding time after the first token; the prefill is bounded by the prompt window and cancellation. */
  'completions.timeBudgetMs': { type: 'integer', default: 1500, minimum: 100, maximum: 30000 },
  'completions.prefixTokens': { type: 'integer', default: 1024, minimum: 16, maximum: 16384 },
  'completions.suffixTokens': { type: 'integer', default: 256, minimum: 0, maximum: 8192 },
  'completions.disabledLanguages': { type: 'array', default: [] as readonly string[] },
  'chat.reasoningBudget': { type: 'integer', default: 2048, minimum: 0, maximum: 32768 },
  'chat.temperature': { type: 'number', default: 0.6, minimum: 0, maximum: 2 },
  /** 0 keeps the model loaded. */
  idleUnloadMinutes: { type: 'integer', default: 15, minimum: 0, maximum: 1440 },
  'hub.endpoint': { type: 'string', default: 'https://huggingface.co', restricted: true },
  'hub.repo': { type: 'string', default: 'onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX', restricted: true },
  'hub.revision': { type: 'string', default: 'main', restricted: true },
  /** Catalogue variant or dtype (q4f16, q4, fp16, int8, cpu-int4, ...). */
  'hub.variant': { type: 'string', default: '', restricted: true },
  /** Where generation runs: the local engine, or an OpenAI-compatible server (vLLM, llama-server, Ollama, SGLang, `r1-local serve`). */
  backend: { type: 'string', default: 'local' as 'local' | 'openai-compatible', enum: ['local', 'openai-compatible'] as const, restricted: true },
  /** Base URL ending in `/v1`; an untrusted workspace must never redirect code to its own server. */
  'remote.endpoint': { type: 'string', default: 'http://127.0.0.1:8080/v1', restricted: true },
  'remote.chatModel': { type: 'string', default: '', restricted: true },
  /** Empty: the chat model. */
  'remote.completionModel': { type: 'string', default: '', restricted: true },
  'remote.fim': { type: 'string', default: 'auto' as 'auto' | 'suffix' | 'prompt' | 'off', enum: ['auto', 'suffix', 'prompt', 'off'] as const, restricted: true },
  'remote.api': { type: 'string', default: 'openai' as 'openai' | 'ollama', enum: ['openai', 'ollama'] as const, restricted: true },
  /** Time to the first byte of an answer. */
  'remote.timeoutMs': { type: 'integer', default: 60000, minimum: 1000, maximum: 600000, restricted: true },
  /** One engine per user, shared by every window; off: each window runs its own. */
  'engine.shared': { type: 'boolean', default: true, restricted: true },
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof settingsSchema;

type ValueOf<S> = S extends { enum: readonly (infer E)[] }
  ? E
  : S extends { type: 'string' }
    ? string
    : S extends { type: 'boolean' }
      ? boolean
      : S extends { type: 'array' }
        ? readonly string[]
        : number;

export type SettingValues = { -readonly [K in SettingKey]: ValueOf<(typeof settingsSchema)[K]> };

export const settingKeys = Object.keys(settingsSchema) as SettingKey[];

/** Full configuration id, e.g. `r1Local.chat.temperature`. */
export function settingId(key: SettingKey): string {
  return `${SETTINGS_SECTION}.${key}`;
}

export type Coerced<T> = { value: T; problem?: string };

/**
 * The value to use for a raw configuration value: the value itself when it fits the declared type
 * and bounds, otherwise the default together with the reason (a hand-edited settings.json can hold
 * anything).
 */
export function coerceSetting<K extends SettingKey>(key: K, raw: unknown): Coerced<SettingValues[K]> {
  const spec: SettingSpec = settingsSchema[key];
  const fallback = (problem: string): Coerced<SettingValues[K]> => ({ value: spec.default as SettingValues[K], problem });
  if (raw === undefined || raw === null) return { value: spec.default as SettingValues[K] };
  switch (spec.type) {
    case 'array':
      return Array.isArray(raw) && raw.every((item) => typeof item === 'string')
        ? { value: raw as unknown as SettingValues[K] }
        : fallback(`${settingId(key)} must be a list of strings`);
    case 'boolean':
      return typeof raw === 'boolean' ? { value: raw as SettingValues[K] } : fallback(`${settingId(key)} must be true or false`);
    case 'string':
      if (typeof raw !== 'string') return fallback(`${settingId(key)} must be a string`);
      if (spec.enum && !spec.enum.includes(raw)) return fallback(`${settingId(key)} must be one of ${spec.enum.join(', ')}`);
      return { value: raw as SettingValues[K] };
    case 'integer':
    case 'number': {
      const isNumber = typeof raw === 'number' && Number.isFinite(raw) && (spec.type === 'number' || Number.isInteger(raw));
      if (!isNumber) return fallback(`${settingId(key)} must be ${spec.type === 'integer' ? 'a whole number' : 'a number'}`);
      if (raw < spec.minimum || raw > spec.maximum) return fallback(`${settingId(key)} must be between ${spec.minimum} and ${spec.maximum}`);
      return { value: raw as SettingValues[K] };
    }
  }
}

/** Settings ignored in untrusted workspaces (package.json `restrictedConfigurations`). */
export function restrictedSettingIds(): string[] {
  return settingKeys.filter((k) => (settingsSchema[k] as SettingSpec).restricted === true).map(settingId);
}
