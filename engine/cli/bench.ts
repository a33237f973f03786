// `r1-local bench`: the engine's speed on one model folder — load, prefill, decode at several
// context depths, time to first token, warm completion with prefix reuse, peak RSS — with the CPU
// other processes used meanwhile (a busy neighbour on a small machine distorts every figure).
// With --json: exactly one JSON object (the contract bench:compare and the tests rely on).
import { parseArgs } from 'node:util';
import { runEngineBench } from '../bench/engineBench';
import type { BenchResult } from '../bench/benchResult';
import { EXIT_OK, UsageError, type CliCommand } from './command';
import { intOption, requiredString } from './options';

const USAGE = `usage: r1-local bench --model DIR [--prompt-tokens 512] [--new-tokens 128]
         [--contexts 512,2048,4096] [--threads N] [--runs 1] [--prompt-lookup N] [--as-exported] [--json]
  --prompt-lookup N: also decode an explain-style prompt (N tokens, the model's own continuation,
                     the N tokens again) with and without prompt-lookup drafting.`;

function parseContexts(raw: string | undefined): number[] {
  if (raw === undefined) return [512, 2048, 4096];
  const parts = raw.split(',').map((s) => s.trim());
  const values = parts.map(Number);
  if (parts.some((p) => p === '') || values.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new UsageError(`--contexts must be comma-separated positive integers, got ${JSON.stringify(raw)}.`);
  }
  return values;
}

function table(r: BenchResult): string {
  const lines = [
    `load                 ${(r.loadMs / 1000).toFixed(2)} s`,
    `prefill              ${r.prefillTokPerS.toFixed(1)} tok/s (first token after ${r.ttftMs.toFixed(0)} ms)`,
    ...r.decode.map((d) => `decode @ ${String(d.context).padEnd(11)} ${d.tokPerS.toFixed(1)} tok/s`),
    `warm completion      ${r.warmCompletionMs.toFixed(0)} ms`,
    `peak RSS             ${r.peakRssMB.toFixed(0)} MB`,
    `provider             ${r.ep}`,
    `other processes      ${r.otherCpuCores.toFixed(2)} cores${r.noisy ? ' (NOISY: figures are low)' : ''}`,
  ];
  const l = r.promptLookup;
  if (l) lines.push(`prompt lookup        ${l.plainTokPerS.toFixed(1)} → ${l.lookupTokPerS.toFixed(1)} tok/s (${l.acceptedTokens}/${l.tokens} tokens drafted, identical output: ${l.identical})`);
  return lines.join('\n');
}

async function run(args: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args,
      options: {
        model: { type: 'string' },
        'prompt-tokens': { type: 'string' },
        'new-tokens': { type: 'string' },
        contexts: { type: 'string' },
        threads: { type: 'string' },
        runs: { type: 'string' },
        'as-exported': { type: 'boolean', default: false },
        'prompt-lookup': { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const result = await runEngineBench({
    modelPath: requiredString(values, 'model'),
    promptTokens: intOption(values, 'prompt-tokens', 1) ?? 512,
    newTokens: intOption(values, 'new-tokens', 2) ?? 128,
    contexts: parseContexts(values.contexts),
    threads: intOption(values, 'threads', 1),
    runs: intOption(values, 'runs', 1) ?? 1,
    rewriteGraph: !values['as-exported'],
    lookupPromptTokens: intOption(values, 'prompt-lookup', 1),
    log: values.json ? undefined : (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${table(result)}\n`);
  return EXIT_OK;
}

export const command: CliCommand = { summary: 'measure load, prefill, decode, first-token and warm-completion speed', usage: USAGE, run };
