// One engine process for the memory benchmark (scripts/bench-memory.ts): loads a model, runs a
// short greedy generation, and prints one JSON line with the load time, how the weights are held
// and the process's memory (peak RSS, and resident anonymous vs file-backed pages now). With
// --hold it then stays alive until its stdin closes, so several processes can be measured together.
//   node --import tsx engine/bench/memoryProbe.ts --model DIR [--threads 2] [--no-prepack] [--exact] [--hold]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Engine } from '../engine';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    threads: { type: 'string', default: '2' },
    'no-prepack': { type: 'boolean', default: false },
    exact: { type: 'boolean', default: false },
    hold: { type: 'boolean', default: false },
    'prompt-tokens': { type: 'string', default: '128' },
    'new-tokens': { type: 'string', default: '16' },
  },
});
if (!values.model) throw new Error('--model is required');

function statusKB(field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) : NaN;
}

async function main(): Promise<void> {
  const engine = await Engine.load({
    modelPath: values.model!,
    threads: Number(values.threads),
    executionProvider: 'cpu',
    prepackedWeights: !values['no-prepack'],
    raiseAccuracyLevel: !values.exact,
  });
  const vocab = engine.info.vocabSize;
  const prompt = Array.from({ length: Number(values['prompt-tokens']) }, (_, i) => (i * 7919 + 13) % Math.min(vocab, 400));
  const request = { kind: 'completion' as const, prompt: { type: 'ids' as const, ids: prompt }, maxNewTokens: Number(values['new-tokens']), sampling: { greedy: true }, ignoreEos: true, promptLookup: false, splitReasoning: false };
  const started = performance.now();
  for await (const event of engine.generate(request)) void event;
  const generateMs = performance.now() - started;
  process.stdout.write(
    `${JSON.stringify({
      loadMs: engine.info.loadMs,
      generateMs,
      weights: engine.info.weights,
      peakRssMB: statusKB('VmHWM') / 1024,
      rssAnonMB: statusKB('RssAnon') / 1024,
      rssFileMB: statusKB('RssFile') / 1024,
    })}\n`,
  );
  if (values.hold) {
    process.stdin.resume();
    await new Promise((resolve) => process.stdin.on('end', resolve));
  }
  await engine.dispose();
}

void main();
