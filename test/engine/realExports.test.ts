// Every real-export sample (the graphs the public exporters make, see test/fixtures/real-exports)
// through the engine as a user's download would go: greedy tokens equal the unmodified graph's,
// with the load-time rewrite on (and then on the fast path: rewritten graph, KV cache in place) and
// off (the graph as exported, cache fetched every step).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../engine/engine';
import { greedyIds, realExports, scratchCopy, type RealExport } from '../helpers/realExports';

const samples = realExports();

test('all ten real-export samples are present', () => {
  assert.deepEqual(
    samples.map((s) => s.name).sort(),
    ['community-gqa-q4', 'community-gqa-q4f16', 'community-mha-q4f16', 'genai-cpu-int4', 'genai-dml-fp16', 'genai-gpu-int4-fp16', 'optimum-q4', 'optimum-q4f16', 'optimum-q4f16-fp16kv', 'optimum-tied-q4'],
  );
});

async function checkSample(sample: RealExport, rewrite: boolean): Promise<void> {
  const copy = scratchCopy(sample);
  try {
    const engine = await Engine.load({ modelPath: copy.dir, threads: 1, executionProvider: 'cpu', rewriteGraph: rewrite });
    try {
      assert.equal(engine.info.onnxFile, sample.modelFile);
      if (rewrite) {
        assert.deepEqual(engine.info.runtime, { graph: 'rewritten', kvCache: 'in-place' });
        assert.equal(engine.info.graphRewrite?.kvOrder, 'capacity');
      } else {
        assert.equal(engine.info.runtime.graph, 'as-exported');
        assert.equal(engine.info.runtime.kvCache, 'fetched');
        assert.match(engine.info.runtime.reason ?? '', /turned off/);
      }
      assert.deepEqual(await greedyIds(engine, sample.prompt, sample.tokens.length), sample.tokens);
      // A second request in the same slot rolls the cache back to the shared prefix and runs again.
      assert.deepEqual(await greedyIds(engine, sample.prompt, sample.tokens.length), sample.tokens);
    } finally {
      await engine.dispose();
    }
  } finally {
    copy.remove();
  }
}

for (const sample of samples) {
  test(`${sample.name}: rewritten graph, KV cache in place, gives the exported graph's tokens`, () => checkSample(sample, true));
  test(`${sample.name}: the graph as exported gives the same tokens`, () => checkSample(sample, false));
}

test('the MultiHeadAttention web graph runs as exported once its misdeclared cache shapes are dropped', async () => {
  const sample = samples.find((s) => s.name === 'community-mha-q4f16')!;
  const copy = scratchCopy(sample);
  try {
    const engine = await Engine.load({ modelPath: copy.dir, threads: 1, executionProvider: 'cpu', rewriteGraph: false });
    try {
      assert.match(engine.info.runtime.reason ?? '', /20 misdeclared cache shapes dropped/);
    } finally {
      await engine.dispose();
    }
  } finally {
    copy.remove();
  }
});

test('the web graph as exported takes a prompt in chunks on a past: fed one token at a time, same tokens as rewritten', async () => {
  // Its causal mask is made for one new token on a past (or a prompt without one); a second
  // 4-token chunk on the first would be an "invalid expand shape" in onnxruntime.
  const sample = samples.find((s) => s.name === 'community-mha-q4f16')!;
  const prompt = [...sample.prompt, ...sample.prompt];
  const copy = scratchCopy(sample);
  try {
    const tokens: number[][] = [];
    for (const rewriteGraph of [false, true]) {
      const engine = await Engine.load({ modelPath: copy.dir, threads: 1, executionProvider: 'cpu', rewriteGraph, prefillChunkTokens: 4 });
      try {
        tokens.push(await greedyIds(engine, prompt, 6));
      } finally {
        await engine.dispose();
      }
    }
    assert.deepEqual(tokens[0], tokens[1]);
  } finally {
    copy.remove();
  }
});
