// The shape every benchmark run reports, for our engine and for the llama.cpp peer alike.
import type { RuntimePath } from '../types';

export interface DecodeFigure {
  /** Tokens already in the context when decoding starts. */
  context: number;
  tokPerS: number;
}

export interface BenchResult {
  engine: string;
  loadMs: number;
  /** Prefill throughput for the `promptTokens` prompt. */
  prefillTokPerS: number;
  /** Time to first token for that prompt (prefill plus one decode step). */
  ttftMs: number;
  decode: DecodeFigure[];
  /** After a prompt is cached, 16 more tokens arrive: time until the first new token. */
  warmCompletionMs: number;
  peakRssMB: number;
  ep: string;
  /** Our engine only: which graph ran and how its KV cache was fed. */
  runtime?: RuntimePath;
  /** Average CPU (in cores) used by other processes while this engine ran. */
  otherCpuCores: number;
  /** True when other processes used enough CPU to distort the figures. */
  noisy: boolean;
  /** Our engine only: greedy decode of the same prompt with and without prompt-lookup drafting. */
  promptLookup?: PromptLookupFigure;
}

export interface PromptLookupFigure {
  plainTokPerS: number;
  lookupTokPerS: number;
  /** Generated tokens that came from accepted drafts, of `tokens`. */
  acceptedTokens: number;
  tokens: number;
  /** Both runs produced the same token ids. */
  identical: boolean;
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
