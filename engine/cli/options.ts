// Shared option parsing for the CLI: numbers with ranges, the model/provider/sampling options that
// several subcommands take, each failing with a UsageError that names the flag.
import type { ExecutionProviderName, SamplingOptions } from '../types';
import { UsageError } from './command';

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export function intOption(values: Values, name: string, min: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}.`);
  return n;
}

export function numberOption(values: Values, name: string, check: (n: number) => boolean, expected: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} must be ${expected}, got ${JSON.stringify(raw)}.`);
  return n;
}

const PROVIDERS: readonly ExecutionProviderName[] = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'];

export function providerOption(values: Values): ExecutionProviderName | undefined {
  const raw = values.ep;
  if (raw === undefined) return undefined;
  if (!PROVIDERS.includes(raw as ExecutionProviderName)) throw new UsageError(`--ep must be one of ${PROVIDERS.join(', ')}, got ${JSON.stringify(raw)}.`);
  return raw as ExecutionProviderName;
}

export function requiredString(values: Values, name: string): string {
  const raw = values[name];
  if (typeof raw !== 'string' || raw.length === 0) throw new UsageError(`--${name} is required.`);
  return raw;
}

/** Options shared by generate and chat. */
export const MODEL_OPTIONS = {
  model: { type: 'string' },
  ep: { type: 'string' },
  threads: { type: 'string' },
  'max-new-tokens': { type: 'string' },
  greedy: { type: 'boolean', default: false },
  temperature: { type: 'string' },
  'top-p': { type: 'string' },
  'top-k': { type: 'string' },
  'repetition-penalty': { type: 'string' },
  seed: { type: 'string' },
  'as-exported': { type: 'boolean', default: false },
} as const;

/** --greedy, or temperature/top-p/top-k/seed; undefined fields fall back to the model's recommendation. */
export function samplingOptions(values: Values): SamplingOptions {
  const temperature = numberOption(values, 'temperature', (n) => n >= 0, 'a number >= 0');
  const topP = numberOption(values, 'top-p', (n) => n > 0 && n <= 1, 'a number in (0, 1]');
  const topK = intOption(values, 'top-k', 0);
  const repetitionPenalty = numberOption(values, 'repetition-penalty', (n) => n > 0, 'a number > 0');
  const seed = intOption(values, 'seed', 0);
  if (values.greedy === true) {
    if ([temperature, topP, topK, seed].some((v) => v !== undefined)) throw new UsageError('--greedy cannot be combined with --temperature, --top-p, --top-k or --seed.');
    return { greedy: true };
  }
  return { temperature, topP, topK, repetitionPenalty, seed };
}
