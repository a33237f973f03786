// The KV cache and the forward pass against onnxruntime on generated Qwen2 models: decoding with the
// cache must give the same logits as recomputing the whole sequence, in both export styles, and
// prefill must not depend on how the prompt is chunked or where the cache was truncated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureModel } from '../helpers/fixtureModels';
import { inspectModelFolder } from '../../engine/model/modelFolder';
import { describeModelIO } from '../../engine/model/ioSignature';
import { createSession } from '../../engine/runtime/session';
import { ModelRunner } from '../../engine/runtime/modelRunner';
import { KvCache } from '../../engine/runtime/kvCache';
import { Generator } from '../../engine/generation/generator';
import type { ExportStyle } from '../../engine/types';
import type { FixtureQuant } from '../../engine/fixtures';

/** Ids at or above this are vocabulary padding with a huge negative bias: their rounding says nothing. */
let usable = Infinity;

async function openRunner(style: ExportStyle, quant: FixtureQuant): Promise<ModelRunner> {
  const fixture = await fixtureModel('tiny', style, quant);
  usable = fixture.tokenizerVocabSize;
  const folder = await inspectModelFolder(fixture.dir);
  const { session } = await createSession(folder.onnxPath, { requested: 'cpu', threads: 1 });
  const io = describeModelIO(session.inputMetadata, session.outputMetadata);
  const c = folder.config;
  return new ModelRunner(session, io, { kvHeads: io.kvHeads ?? c.numKvHeads, headDim: io.headDim ?? c.headDim, vocabSize: c.vocabSize, contextLength: c.contextLength });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < Math.min(a.length, usable); i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function argmax(a: Float32Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

const PROMPT = [11, 42, 7, 300, 5, 99, 150, 23];
const STEPS = 24;

for (const style of ['optimum', 'genai'] as const) {
  test(`${style}: cached greedy decode equals full recompute over ${STEPS} steps (fp32, 1e-4)`, async () => {
    const runner = await openRunner(style, 'fp32');
    try {
      const cache = runner.newCache();
      let logits = await runner.forward(PROMPT, cache);
      const sequence = [...PROMPT];
      let worst = 0;
      for (let step = 0; step < STEPS; step++) {
        const full = await runner.forward(sequence, runner.newCache());
        worst = Math.max(worst, maxAbsDiff(logits, full));
        const next = argmax(logits);
        sequence.push(next);
        logits = await runner.forward([next], cache);
      }
      assert.equal(cache.length, PROMPT.length + STEPS);
      assert.ok(worst < 1e-4, `max |cached - recomputed| = ${worst}`);
    } finally {
      await runner.release();
    }
  });

  test(`${style}: chunked prefill equals one-shot prefill, and decoding after it agrees`, async () => {
    const runner = await openRunner(style, 'fp32');
    try {
      const long = Array.from({ length: 37 }, (_, i) => (i * 37 + 11) % 400);
      const oneShot = new Generator(runner);
      const chunked = new Generator(runner);
      const a = await oneShot.append(long, { chunkTokens: 1000 });
      const b = await chunked.append(long, { chunkTokens: 5 });
      assert.ok(maxAbsDiff(a, b) < 1e-4);
      assert.deepEqual(chunked.tokens, long);
      const next = argmax(a);
      assert.ok(maxAbsDiff(await oneShot.step(next), await chunked.step(next)) < 1e-4);
      oneShot.dispose();
      chunked.dispose();
    } finally {
      await runner.release();
    }
  });

  test(`${style}: truncating the cache then re-feeding equals a fresh run (per-head copy)`, async () => {
    const runner = await openRunner(style, 'fp32');
    try {
      const g = new Generator(runner);
      await g.append([...PROMPT, 1, 2, 3, 4, 5]);
      g.rewindTo(5);
      assert.equal(g.tokens.length, 5);
      assert.equal(g.logits, undefined);
      const afterRewind = await g.append([77, 78, 79]);
      const fresh = await runner.forward([...PROMPT.slice(0, 5), 77, 78, 79], runner.newCache());
      assert.ok(maxAbsDiff(afterRewind, fresh) < 1e-4);
      g.dispose();
      assert.throws(() => g.rewindTo(0), /disposed/);
    } finally {
      await runner.release();
    }
  });
}

test('q4 weights: cached decode matches recompute (4-bit MatMulNBits, fp32 KV)', async () => {
  const runner = await openRunner('optimum', 'q4');
  try {
    const cache = runner.newCache();
    let logits = await runner.forward(PROMPT, cache);
    const sequence = [...PROMPT];
    for (let step = 0; step < 20; step++) {
      const full = await runner.forward(sequence, runner.newCache());
      assert.ok(maxAbsDiff(logits, full) < 1e-3, `step ${step}`);
      sequence.push(argmax(logits));
      logits = await runner.forward([sequence[sequence.length - 1]], cache);
    }
  } finally {
    await runner.release();
  }
});

test('float16 KV cache (q4f16): decode follows recompute and truncation keeps fp16 data', async () => {
  const runner = await openRunner('optimum', 'q4f16');
  try {
    assert.equal(runner.io.kvDtype, 'float16');
    const g = new Generator(runner);
    let logits = await g.append(PROMPT);
    const sequence = [...PROMPT];
    for (let step = 0; step < 20; step++) {
      const full = await runner.forward(sequence, runner.newCache());
      // Half-precision rounding of the stored past differs slightly between one pass and many.
      assert.ok(maxAbsDiff(logits, full) < 2e-2, `step ${step}`);
      sequence.push(argmax(logits));
      logits = await g.step(sequence[sequence.length - 1]);
    }
    g.rewindTo(3);
    const again = await g.append(sequence.slice(3, 10));
    const fresh = await runner.forward(sequence.slice(0, 10), runner.newCache());
    assert.ok(maxAbsDiff(again, fresh) < 2e-2);
    g.dispose();
  } finally {
    await runner.release();
  }
});

test('KvCache refuses out-of-range truncation and mis-shaped present tensors', async () => {
  const names = [{ pastKey: 'past_key_values.0.key', pastValue: 'past_key_values.0.value', presentKey: 'present.0.key', presentValue: 'present.0.value' }];
  const cache = new KvCache({ names, dtype: 'float32', kvHeads: 2, headDim: 4 });
  assert.throws(() => cache.truncate(1), /Cannot truncate/);
  const { Tensor } = await import('onnxruntime-node');
  // 2 heads × 3 positions × 4 dims, values = head*100 + position*10 + dim.
  const data = Float32Array.from({ length: 24 }, (_, i) => Math.floor(i / 12) * 100 + Math.floor((i % 12) / 4) * 10 + (i % 4));
  const present = { 'present.0.key': new Tensor('float32', data, [1, 2, 3, 4]), 'present.0.value': new Tensor('float32', data.slice(), [1, 2, 3, 4]) };
  cache.append(present, 3);
  assert.equal(cache.length, 3);
  cache.truncate(2);
  const key = cache.feeds()['past_key_values.0.key'];
  assert.deepEqual(key.dims, [1, 2, 2, 4]);
  // Each head keeps its own first two positions: head 1 starts at 100, not at head 0's third row.
  assert.deepEqual(Array.from(key.data as Float32Array), [0, 1, 2, 3, 10, 11, 12, 13, 100, 101, 102, 103, 110, 111, 112, 113]);
  // The cache holds 2 positions; outputs claiming 2 new ones must cover 4.
  assert.throws(() => cache.append(present, 2), /present.0.key has shape \[1, 2, 3, 4\], expected \[1, 2, 4, 4\]/);
  cache.release();
  assert.equal(cache.length, 0);
  assert.equal(cache.byteLength, 0);
});

test('an abort between prefill chunks leaves a consistent, reusable prefix', async () => {
  const runner = await openRunner('genai', 'fp32');
  try {
    const controller = new AbortController();
    let calls = 0;
    // Abort once two chunks have run, as a user cancelling during a long prompt would.
    const model = {
      newCache: () => runner.newCache(),
      forward: async (tokens: readonly number[], cache: KvCache) => {
        const logits = await runner.forward(tokens, cache);
        if (++calls === 2) controller.abort();
        return logits;
      },
    };
    const prompt = Array.from({ length: 30 }, (_, i) => (i * 7 + 3) % 400);
    const g = new Generator(model);
    await assert.rejects(g.append(prompt, { chunkTokens: 4, signal: controller.signal }), { name: 'AbortError' });
    assert.deepEqual(g.tokens, prompt.slice(0, 8));
    const resumed = await g.append(prompt.slice(8));
    assert.ok(maxAbsDiff(resumed, await runner.forward(prompt, runner.newCache())) < 1e-4);
    g.dispose();
  } finally {
    await runner.release();
  }
});
