// Benchmarks llama.cpp (through node-llama-cpp, the binding behind many local assistants) on a GGUF,
// measuring the same figures as our engine's bench. Runs in its own process so its peak RSS is its own:
//   node --import tsx engine/bench/llamaCppRunner.mts --model M.gguf [--prompt-tokens 512]
//        [--new-tokens 64] [--contexts 512,2048,4096] [--threads 2] [--no-mmap]
// Prints one BenchResult as JSON on stdout.
import { parseArgs } from 'node:util';
import { getLlama, LlamaLogLevel, type Token } from 'node-llama-cpp';
import { type BenchResult, type DecodeFigure } from './benchResult.ts';
import { CpuNoiseMeter, NOISY_CORES } from './cpuNoise.ts';
import { benchPromptTokens } from './benchPrompt.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    'prompt-tokens': { type: 'string', default: '512' },
    'new-tokens': { type: 'string', default: '64' },
    contexts: { type: 'string', default: '512,2048,4096' },
    threads: { type: 'string', default: '2' },
    'no-mmap': { type: 'boolean', default: false },
  },
});
if (!values.model) throw new Error('--model is required');
const promptTokens = Number(values['prompt-tokens']);
const newTokens = Number(values['new-tokens']);
const contexts = values.contexts!.split(',').map(Number);
const threads = Number(values.threads);
const maxContext = Math.max(promptTokens, ...contexts) + newTokens + 32;

const noise = new CpuNoiseMeter();
noise.begin();

const t0 = performance.now();
const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: values.model, useMmap: !values['no-mmap'] });
const context = await model.createContext({ contextSize: maxContext, threads, batchSize: 512, sequences: 1 });
const loadMs = performance.now() - t0;
const sequence = context.getSequence();

/** Evaluates `prompt` from an empty context and generates `count` tokens greedily. */
async function run(prompt: number[], count: number): Promise<{ ttftMs: number; decodeTokPerS: number }> {
  await sequence.clearHistory();
  const start = performance.now();
  let first = 0;
  let n = 0;
  for await (const _token of sequence.evaluate(prompt as Token[], { temperature: 0 })) {
    n++;
    if (n === 1) first = performance.now();
    if (n >= count) break;
  }
  const end = performance.now();
  return { ttftMs: first - start, decodeTokPerS: n > 1 ? (n - 1) / ((end - first) / 1000) : 0 };
}

// Prefill: time to first token of the prompt; one decode step is small next to 512 prompt tokens,
// and both engines are measured the same way.
const prompt = benchPromptTokens(promptTokens, model.tokens.bos ?? 0);
const prefillRun = await run(prompt, 1);
const prefillTokPerS = promptTokens / (prefillRun.ttftMs / 1000);

const decode: DecodeFigure[] = [];
for (const ctx of contexts) {
  const r = await run(benchPromptTokens(ctx, model.tokens.bos ?? 0), newTokens + 1);
  decode.push({ context: ctx, tokPerS: r.decodeTokPerS });
}

// Warm completion: the prompt is cached; 16 more tokens arrive; time to the first new token.
await run(prompt, 1);
await sequence.eraseContextTokenRanges([{ start: promptTokens, end: sequence.nextTokenIndex }]);
const extra = benchPromptTokens(promptTokens + 16, model.tokens.bos ?? 0).slice(promptTokens);
const warmStart = performance.now();
for await (const _token of sequence.evaluate(extra as Token[], { temperature: 0 })) break;
const warmCompletionMs = performance.now() - warmStart;

const otherCpuCores = noise.end();
const result: BenchResult = {
  engine: 'llama.cpp',
  loadMs,
  prefillTokPerS,
  ttftMs: prefillRun.ttftMs,
  decode,
  warmCompletionMs,
  peakRssMB: process.resourceUsage().maxRSS / 1024,
  ep: 'cpu',
  otherCpuCores,
  noisy: otherCpuCores > NOISY_CORES,
};
await context.dispose();
await model.dispose();
await llama.dispose();
process.stdout.write(JSON.stringify(result) + '\n');
