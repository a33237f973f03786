// Measures our engine the way llamaCppRunner.mts measures llama.cpp, on the same prompt token ids:
// load time, prefill (prompt tokens / time to first token), decode tok/s after prompts of several
// context depths (greedy, eos ignored so every run makes the same number of tokens), warm
// completion latency (the prompt is cached, 16 more tokens arrive), peak RSS, and the CPU other
// processes used meanwhile. Each figure is the median of `runs` repetitions on one loaded engine.
import { Engine } from '../engine';
import type { GenerationEvent, GenerationRequest } from '../types';
import { benchPromptTokens } from './benchPrompt';
import { median, type BenchResult, type DecodeFigure, type PromptLookupFigure } from './benchResult';
import { CpuNoiseMeter, NOISY_CORES } from './cpuNoise';

export interface EngineBenchOptions {
  modelPath: string;
  promptTokens: number;
  newTokens: number;
  contexts: number[];
  threads?: number;
  runs: number;
  /** Run the graph as exported instead of the load-time rewrite (for before/after figures). */
  rewriteGraph?: boolean;
  /** Also measure prompt-lookup decoding on an explain-style prompt (a prompt of `lookupPromptTokens`). */
  lookupPromptTokens?: number;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

/** Tokens typed after the cached prompt in the warm-completion figure. */
export const WARM_EXTRA_TOKENS = 16;
/** Prompt ids are drawn below this (or the model's vocabulary, if smaller), the same for every engine. */
const PROMPT_VOCAB_LIMIT = 100_000;

type Done = Extract<GenerationEvent, { type: 'done' }>;

async function runToEnd(engine: Engine, request: GenerationRequest): Promise<Done> {
  for await (const event of engine.generate(request)) if (event.type === 'done') return event;
  throw new Error('The generation ended without a result.');
}

function idsRequest(ids: number[], maxNewTokens: number, slot: string, promptLookup = false): GenerationRequest {
  return { kind: promptLookup ? 'explain' : 'completion', prompt: { type: 'ids', ids }, maxNewTokens, sampling: { greedy: true }, ignoreEos: true, slot, splitReasoning: false, promptLookup };
}

/**
 * An explain-style prompt whose answer repeats its own text: the prompt, the model's own greedy
 * continuation of it, then the prompt again — so the continuation is in the context to be quoted.
 * Returns plain and prompt-lookup decode speed on it, and whether both produced the same tokens.
 */
async function promptLookupFigure(engine: Engine, prompt: number[], newTokens: number): Promise<PromptLookupFigure> {
  engine.dropSlot('bench');
  const first = await runToEnd(engine, idsRequest(prompt, newTokens, 'bench'));
  const quoting = [...prompt, ...first.tokenIds, ...prompt];
  engine.dropSlot('bench');
  const plain = await runToEnd(engine, idsRequest(quoting, newTokens + 1, 'bench'));
  engine.dropSlot('bench');
  const lookup = await runToEnd(engine, idsRequest(quoting, newTokens + 1, 'bench', true));
  engine.dropSlot('bench');
  return {
    plainTokPerS: plain.stats.decodeTokPerS,
    lookupTokPerS: lookup.stats.decodeTokPerS,
    acceptedTokens: lookup.stats.draftTokensAccepted ?? 0,
    tokens: lookup.tokenIds.length,
    identical: plain.tokenIds.length === lookup.tokenIds.length && plain.tokenIds.every((t, i) => t === lookup.tokenIds[i]),
  };
}

export function checkBenchOptions(o: EngineBenchOptions, contextLength: number): void {
  const lookup = o.lookupPromptTokens ? 2 * o.lookupPromptTokens + o.newTokens : 0;
  const longest = Math.max(o.promptTokens + WARM_EXTRA_TOKENS, lookup, ...o.contexts) + o.newTokens + 1;
  if (longest > contextLength) throw new RangeError(`The benchmark needs ${longest} positions but the model's context holds ${contextLength}: use smaller --contexts/--prompt-tokens/--new-tokens.`);
}

export async function runEngineBench(o: EngineBenchOptions): Promise<BenchResult> {
  const log = o.log ?? (() => undefined);
  const noise = new CpuNoiseMeter();
  noise.begin();
  const engine = await Engine.load({ modelPath: o.modelPath, threads: o.threads, rewriteGraph: o.rewriteGraph, executionProvider: 'cpu', maxCacheSlots: 2 });
  try {
    checkBenchOptions(o, engine.info.contextLength);
    const vocabLimit = Math.min(PROMPT_VOCAB_LIMIT, engine.info.vocabSize);
    const bos = engine.tokenizer.tokenId('<｜begin▁of▁sentence｜>') ?? 0;
    const prompt = (n: number) => benchPromptTokens(n, bos, vocabLimit);
    const { runtime } = engine.info;
    log(`loaded in ${engine.info.loadMs.toFixed(0)} ms (${engine.info.threads} threads, graph ${runtime.graph}, KV cache ${runtime.kvCache}${runtime.reason ? `: ${runtime.reason}` : ''})`);

    const ttft: number[] = [];
    const decode = new Map<number, number[]>(o.contexts.map((c) => [c, []]));
    const warm: number[] = [];
    for (let run = 0; run < o.runs; run++) {
      // Cold prompt: a slot that holds nothing.
      engine.dropSlot('bench');
      const cold = await runToEnd(engine, idsRequest(prompt(o.promptTokens), 1, 'bench'));
      ttft.push(cold.stats.ttftMs);
      log(`run ${run + 1}: prefill ${o.promptTokens} tokens, first token after ${cold.stats.ttftMs.toFixed(0)} ms`);
      for (const context of o.contexts) {
        engine.dropSlot('bench');
        const done = await runToEnd(engine, idsRequest(prompt(context), o.newTokens + 1, 'bench'));
        if (done.stats.generatedTokens !== o.newTokens + 1) throw new Error(`Decode at ${context} made ${done.stats.generatedTokens} tokens, expected ${o.newTokens + 1}.`);
        decode.get(context)!.push(done.stats.decodeTokPerS);
        log(`run ${run + 1}: decode after ${context} tokens: ${done.stats.decodeTokPerS.toFixed(1)} tok/s`);
      }
      // Warm completion: the prompt is cached in the slot, then the user types 16 more tokens.
      engine.dropSlot('bench');
      await runToEnd(engine, idsRequest(prompt(o.promptTokens), 1, 'bench'));
      const started = performance.now();
      await runToEnd(engine, idsRequest(prompt(o.promptTokens + WARM_EXTRA_TOKENS), 1, 'bench'));
      warm.push(performance.now() - started);
    }
    engine.dropSlot('bench');
    const lookup = o.lookupPromptTokens ? await promptLookupFigure(engine, prompt(o.lookupPromptTokens), o.newTokens) : undefined;
    if (lookup) log(`prompt lookup: ${lookup.plainTokPerS.toFixed(1)} → ${lookup.lookupTokPerS.toFixed(1)} tok/s, ${lookup.acceptedTokens}/${lookup.tokens} drafted, identical: ${lookup.identical}`);
    const otherCpuCores = noise.end();
    const ttftMs = median(ttft);
    return {
      engine: 'r1-local (onnxruntime)',
      loadMs: engine.info.loadMs,
      prefillTokPerS: o.promptTokens / (ttftMs / 1000),
      ttftMs,
      decode: o.contexts.map((context): DecodeFigure => ({ context, tokPerS: median(decode.get(context)!) })),
      warmCompletionMs: median(warm),
      peakRssMB: process.resourceUsage().maxRSS / 1024,
      ep: engine.info.executionProvider,
      runtime: engine.info.runtime,
      otherCpuCores,
      noisy: otherCpuCores > NOISY_CORES,
      promptLookup: lookup,
    };
  } finally {
    await engine.dispose();
  }
}
