// The load-time graph rewrite (KV past as row views, new rows out, last-position logits,
// accuracy_level 4) must not change what the model computes: greedy output of the rewritten graph
// equals the graph as exported, in both export styles and with a float16 cache, including after
// prefix reuse rolls the row cache back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { Engine } from '../../engine/engine';
import type { FixtureQuant } from '../../engine/fixtures';
import type { ExportStyle, GenerationEvent, GenerationRequest } from '../../engine/types';
import { fixtureModel } from '../helpers/fixtureModels';

async function greedy(engine: Engine, text: string, slot = 'a'): Promise<number[]> {
  const request: GenerationRequest = { kind: 'completion', prompt: { type: 'text', text }, maxNewTokens: 20, sampling: { greedy: true }, ignoreEos: true, slot, splitReasoning: false };
  for await (const e of engine.generate(request)) if (e.type === 'done') return (e as Extract<GenerationEvent, { type: 'done' }>).tokenIds;
  throw new Error('no result');
}

const cases: Array<[ExportStyle, FixtureQuant]> = [
  ['optimum', 'fp32'],
  ['genai', 'fp32'],
  ['optimum', 'q4f16'],
  ['genai', 'q4'],
];

for (const [style, quant] of cases) {
  test(`rewritten graph gives the exported graph's greedy tokens: tiny ${style} ${quant}`, async () => {
    const model = await fixtureModel('tiny', style, quant);
    const rewritten = await Engine.load({ modelPath: model.dir, threads: 1 });
    const exported = await Engine.load({ modelPath: model.dir, threads: 1, rewriteGraph: false });
    try {
      assert.equal(rewritten.info.graphRewrite?.kvOrder, 'capacity');
      assert.equal(rewritten.info.graphRewrite?.lastLogitsOnly, true);
      assert.equal(rewritten.info.graphRewrite?.embeddingsFromFile, true, 'the embedding lookup left the graph');
      assert.equal(exported.info.graphRewrite?.kvOrder, 'heads');
      const prompt = 'def add(a, b):\n    return a + b\n\nprint(add(';
      const want = await greedy(exported, prompt);
      assert.ok(new Set(want).size > 1, 'greedy output is not one repeated token');
      assert.deepEqual(await greedy(rewritten, prompt), want);
      // Same slot, diverging prompt: the row cache is rolled back to the shared prefix.
      const other = 'def add(a, b):\n    return a - b\n';
      assert.deepEqual(await greedy(rewritten, other), await greedy(exported, other));
    } finally {
      await rewritten.dispose();
      await exported.dispose();
    }
  });
}

test('the rewritten graph is written once next to the model and reused', async () => {
  const model = await fixtureModel('tiny', 'optimum', 'fp32');
  const first = await Engine.load({ modelPath: model.dir, threads: 1 });
  await first.dispose();
  const { prepareRewrittenGraph } = await import('../../engine/runtime/rewrittenGraph');
  const again = await prepareRewrittenGraph(`${model.dir}/${first.info.onnxFile}`);
  assert.equal(again.reused, true);
  assert.ok(existsSync(again.onnxPath));
  assert.notEqual(again.onnxPath, `${model.dir}/${first.info.onnxFile}`);
});

test('long prompts grow the KV buffers mid-prefill without changing the output (tiny genai and optimum, 600 tokens in chunks of 100)', async () => {
  for (const style of ['genai', 'optimum'] as const) {
    const model = await fixtureModel('tiny', style, 'fp32');
    const rewritten = await Engine.load({ modelPath: model.dir, threads: 1, prefillChunkTokens: 100 });
    const exported = await Engine.load({ modelPath: model.dir, threads: 1, rewriteGraph: false, prefillChunkTokens: 100 });
    try {
      const ids = Array.from({ length: 600 }, (_, i) => 3 + ((i * 37) % (model.tokenizerVocabSize - 20)));
      const request: GenerationRequest = { kind: 'completion', prompt: { type: 'ids', ids }, maxNewTokens: 12, sampling: { greedy: true }, ignoreEos: true, splitReasoning: false, promptLookup: false };
      const tokens = async (engine: Engine) => {
        for await (const e of engine.generate(request)) if (e.type === 'done') return e.tokenIds;
        throw new Error('no result');
      };
      assert.deepEqual(await tokens(rewritten), await tokens(exported), style);
    } finally {
      await rewritten.dispose();
      await exported.dispose();
    }
  }
});

test("an inline model's rewritten copy refers to its weights in the original file instead of copying them", async () => {
  const model = await fixtureModel('tiny', 'optimum', 'fp32');
  const engine = await Engine.load({ modelPath: model.dir, threads: 1 });
  await engine.dispose();
  const onnxDir = join(model.dir, 'onnx');
  const original = engine.info.onnxFile.split('/').pop()!;
  const graphFile = readdirSync(onnxDir).find((n) => n.includes('.r1-rewrite-') && n.endsWith('.onnx'));
  assert.ok(graphFile, 'a rewritten graph exists');
  const originalBytes = readFileSync(join(onnxDir, original));
  const rewritten = onnx.ModelProto.decode(readFileSync(join(onnxDir, graphFile)));
  const exported = onnx.ModelProto.decode(originalBytes);
  let referenced = 0;
  for (const t of rewritten.graph!.initializer!) {
    assert.ok((t.rawData?.length ?? 0) < 4096, `${t.name} is still inline`);
    if (t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
    referenced++;
    const entry = (key: string) => Number(t.externalData!.find((e) => e.key === key)!.value);
    assert.equal(t.externalData!.find((e) => e.key === 'location')!.value, original);
    // The reference points at exactly the bytes the export holds inline.
    const inline = exported.graph!.initializer!.find((e) => e.name === t.name)!.rawData!;
    assert.deepEqual(originalBytes.subarray(entry('offset'), entry('offset') + entry('length')), Buffer.from(inline));
  }
  assert.ok(referenced > 0, 'weights are referenced, not copied');
  assert.ok(readFileSync(join(onnxDir, graphFile)).length < originalBytes.length / 4, 'the copy is a fraction of the model');
});
