// Everything that decides when a generation stops and what a token means, built from the request
// before any model work: stopping rules, sampler, logits processors, reasoning split and budget,
// the text pipeline and prompt lookup.
import { repetitionPenalty, thinkGuard, type LogitsProcessor } from './logitsProcessors';
import type { PrefixCache } from './prefixCache';
import { PromptLookup } from './promptLookup';
import { reasoningCloseIds, ReasoningBudget } from './reasoningBudget';
import { ReasoningSplitter } from './reasoningSplitter';
import { createSampler, type Sampler } from './sampler';
import { StoppingCriteria } from './stoppingCriteria';
import { TextPipeline, type GenerationTokenizer } from './textPipeline';
import type { GenerationRequest, SamplingOptions } from '../types';

export interface GenerationContext {
  prefixCache: PrefixCache;
  tokenizer: GenerationTokenizer;
  /** generation_config.json eos ids. */
  eosTokenIds: readonly number[];
  contextLength: number;
  executionProvider: string;
  /** The model folder's recommended sampling, used for fields a request leaves unset. */
  defaultSampling?: SamplingOptions;
}

export interface GenerationPlan {
  stopping: StoppingCriteria;
  sampler: Sampler;
  processors: LogitsProcessor[];
  splitter: ReasoningSplitter | undefined;
  budget: ReasoningBudget | undefined;
  text: TextPipeline;
  lookup: PromptLookup | undefined;
}

function samplingFor(request: GenerationRequest, defaults: SamplingOptions = {}): SamplingOptions {
  const asked = request.sampling ?? {};
  if (asked.greedy) return { greedy: true };
  const merged: SamplingOptions = { ...defaults };
  for (const [key, value] of Object.entries(asked) as [keyof SamplingOptions, never][]) if (value !== undefined) merged[key] = value;
  return merged;
}

/** True when the prompt ends inside an opened `<think>` (R1's generation prompt ends `<think>\n`). */
function promptOpensReasoning(prompt: readonly number[], tokenizer: GenerationTokenizer): boolean {
  const open = tokenizer.tokenId('<think>');
  if (open === undefined) return false;
  const at = prompt.lastIndexOf(open);
  return at >= 0 && tokenizer.decode(prompt.slice(at + 1)).trim() === '';
}

/** Checks the request against the model and builds its plan; throws RangeError for what cannot run. */
export function planGeneration(ctx: GenerationContext, prompt: readonly number[], request: GenerationRequest, signal?: AbortSignal): GenerationPlan {
  if (!Number.isInteger(request.maxNewTokens) || request.maxNewTokens < 1) {
    throw new RangeError(`maxNewTokens must be a positive integer, got ${request.maxNewTokens}.`);
  }
  if (prompt.length >= ctx.contextLength) {
    throw new RangeError(`The prompt has ${prompt.length} tokens but the model's context holds ${ctx.contextLength}: shorten it.`);
  }
  const stopping = new StoppingCriteria({
    eosIds: request.ignoreEos ? [] : ctx.eosTokenIds,
    maxNewTokens: Math.min(request.maxNewTokens, ctx.contextLength - prompt.length),
    timeBudgetMs: request.timeBudgetMs,
    decodeTimeBudgetMs: request.decodeTimeBudgetMs,
    signal,
  });
  const sampling = samplingFor(request, ctx.defaultSampling);
  const processors: LogitsProcessor[] = [];
  if (!sampling.greedy && sampling.repetitionPenalty !== undefined && sampling.repetitionPenalty !== 1) processors.push(repetitionPenalty(sampling.repetitionPenalty));
  if (request.suppressThinking) processors.push(thinkGuard(ctx.tokenizer));
  const split = request.splitReasoning ?? request.prompt.type === 'chat';
  const splitter = split ? ReasoningSplitter.forTokenizer(ctx.tokenizer, { startInReasoning: promptOpensReasoning(prompt, ctx.tokenizer) }) : undefined;
  const budget = splitter && request.maxReasoningTokens !== undefined ? new ReasoningBudget(request.maxReasoningTokens, reasoningCloseIds(ctx.tokenizer)) : undefined;
  return {
    stopping,
    sampler: createSampler(sampling),
    processors,
    splitter,
    budget,
    text: new TextPipeline(ctx.tokenizer, request.stop, splitter),
    lookup: (request.promptLookup ?? request.kind !== 'chat') ? new PromptLookup() : undefined,
  };
}
