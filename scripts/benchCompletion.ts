// Inline-completion latency on a model folder, through the real engine host (the path the
// extension uses): a cold request on a ~512-token code prefix, then the same prefix plus 5 typed
// characters (prefix KV reuse). Reports time to first token and time to a short single-line
// suggestion (8 tokens), medians of N rounds, with other processes' CPU use.
//   node --import tsx scripts/benchCompletion.ts --model DIR [--rounds 3] [--threads 2] [--prefix-tokens 512]
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import type { GenerationRequest } from '../engine/types';
import { TextTokenizer } from '../engine/text/tokenizer';
import { CpuNoiseMeter, NOISY_CORES } from '../engine/bench/cpuNoise';
import { median } from '../engine/bench/benchResult';
import { LocalEngine as EngineClient } from '../extension/engine/localEngine';
import { silentLogger } from '../extension/core/logger';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    'prefix-tokens': { type: 'string', default: '512' },
  },
});
if (!values.model) throw new Error('usage: benchCompletion --model DIR [--rounds N] [--threads N] [--prefix-tokens N]');
const modelPath = resolve(values.model);
const rounds = Number(values.rounds);
const prefixTokens = Number(values['prefix-tokens']);
const SHORT_LINE_TOKENS = 8;

async function main(): Promise<void> {
  if (spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' }).status !== 0) process.exit(1);

  // A real code prefix of about `prefixTokens` tokens, cut at a line end like the completion window.
  const tokenizer = await TextTokenizer.fromFolder(modelPath);
  const source = readFileSync('engine/generation/generator.ts', 'utf8').repeat(4);
  let cut = 0;
  for (const line of source.split('\n')) {
    const next = cut + line.length + 1;
    if (tokenizer.encode(source.slice(0, next)).length > prefixTokens) break;
    cut = next;
  }
  const prefix = source.slice(0, cut) + '  const ';

  function request(text: string): GenerationRequest {
    return {
      kind: 'completion',
      prompt: { type: 'text', text },
      maxNewTokens: SHORT_LINE_TOKENS,
      sampling: { greedy: true },
      suppressThinking: true,
      splitReasoning: false,
      slot: 'completion',
      ignoreEos: true,
    };
  }

  interface Timing { ttftMs: number; lineMs: number; prefilled: number }

  async function time(client: EngineClient, text: string): Promise<Timing> {
    const start = performance.now();
    let ttftMs = NaN;
    let prefilled = -1;
    for await (const event of client.generate(request(text), new AbortController().signal)) {
      if (event.type === 'delta' && Number.isNaN(ttftMs)) ttftMs = performance.now() - start;
      if (event.type === 'done') prefilled = event.stats.prefilledTokens;
    }
    return { ttftMs, lineMs: performance.now() - start, prefilled };
  }

  const client = new EngineClient({
    hostScript: resolve('dist/engineHost.js'),
    log: silentLogger,
    resolveLoadOptions: () => ({ modelPath, executionProvider: 'cpu', threads: Number(values.threads) }),
  });
  const cold: Timing[] = [];
  const warm: Timing[] = [];
  const noise = new CpuNoiseMeter({ includeChildren: true });
  let other = 0;
  try {
    await client.load();
    noise.begin();
    for (let round = 0; round < rounds; round++) {
      // A different first line each round defeats the cache, so every cold run is really cold.
      const coldPrefix = `// round ${round}\n` + prefix;
      cold.push(await time(client, coldPrefix));
      warm.push(await time(client, coldPrefix + 'next_'));
    }
    // Read before the engine host exits: its CPU time counts as ours only while it is alive.
    other = noise.end();
  } finally {
    await client.dispose();
  }
  const row = (name: string, t: Timing[]) =>
    `| ${name} | ${median(t.map((x) => x.ttftMs)).toFixed(0)} ms | ${median(t.map((x) => x.lineMs)).toFixed(0)} ms | ${median(t.map((x) => x.prefilled))} |`;
  console.log(`\nCompletion latency, ${modelPath}, ${values.threads} threads, ~${prefixTokens}-token prefix, medians of ${rounds}`);
  console.log(`| request | time to first token | ${SHORT_LINE_TOKENS}-token line | tokens prefilled |`);
  console.log('|---|---|---|---|');
  console.log(row('cold', cold));
  console.log(row('warm (+5 chars)', warm));
  console.log(`other processes: ${other.toFixed(2)} cores${other > NOISY_CORES ? ' (NOISY)' : ''}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`benchCompletion failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
