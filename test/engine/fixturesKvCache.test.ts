// The tiny models' KV cache is exact: decoding token by token with present.* fed back as
// past_key_values.* gives the logits of a full recompute, and a prompt fed in chunks gives the
// logits and cache of feeding it at once. Logits are compared over the tokenizer's ids: the padding
// rows sit near -1e4, where one float32 step is already 1e-3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FixtureQuant } from '../../engine/fixtures';
import type { ExportStyle } from '../../engine/types';
import { fixtureModel } from '../helpers/fixtureModels';
import { argmax, emptyCache, maxAbsDiff, openSession, step, type KvCache } from '../helpers/fixtureModelRunner';

const PROMPT = [479, 477, 46, 74, 347, 11, 369, 264, 478, 481, 198];
const DECODE_STEPS = 24;

/** Also holds for 4-bit weights and the float16 cache: both paths quantize the same values the same way. */
const tolerance = 1e-4;
const cases: Array<[ExportStyle, FixtureQuant]> = [
  ['optimum', 'fp32'],
  ['genai', 'fp32'],
  ['optimum', 'q4'],
  ['genai', 'q4'],
  ['optimum', 'q4f16'],
];

for (const [style, quant] of cases) {
  test(`cached decode equals full recompute over ${DECODE_STEPS} steps: tiny ${style} ${quant}`, async () => {
    const model = await fixtureModel('tiny', style, quant);
    const usable = (row: Float32Array) => row.subarray(0, model.tokenizerVocabSize);
    const session = await openSession(model);
    try {
      let r = await step(session, model, PROMPT);
      const tokens = [...PROMPT];
      const cachedRows = [r.logits[r.logits.length - 1]];
      for (let i = 0; i < DECODE_STEPS; i++) {
        const next = argmax(cachedRows[cachedRows.length - 1]);
        tokens.push(next);
        r = await step(session, model, [next], r.cache);
        cachedRows.push(r.logits[0]);
      }
      assert.equal(r.cache.length, PROMPT.length + DECODE_STEPS);
      assert.ok(new Set(tokens.slice(PROMPT.length)).size > 1, 'greedy decoding does not collapse to one token');
      const full = await step(session, model, tokens);
      for (let i = 0; i < cachedRows.length; i++) {
        const diff = maxAbsDiff(usable(cachedRows[i]), usable(full.logits[PROMPT.length - 1 + i]));
        assert.ok(diff <= tolerance, `step ${i}: max diff ${diff}`);
      }
    } finally {
      await session.release();
    }
  });

  test(`chunked prefill equals one-shot prefill: tiny ${style} ${quant}`, async () => {
    const model = await fixtureModel('tiny', style, quant);
    const usable = (row: Float32Array) => row.subarray(0, model.tokenizerVocabSize);
    const session = await openSession(model);
    try {
      const once = await step(session, model, PROMPT);
      let cache: KvCache = emptyCache(model);
      const rows: Float32Array[] = [];
      for (const chunk of [PROMPT.slice(0, 4), PROMPT.slice(4, 5), PROMPT.slice(5)]) {
        const r = await step(session, model, chunk, cache);
        rows.push(...r.logits);
        cache = r.cache;
      }
      for (let i = 0; i < PROMPT.length; i++) assert.ok(maxAbsDiff(usable(rows[i]), usable(once.logits[i])) <= tolerance, `position ${i}`);
      for (const [name, t] of Object.entries(once.cache.tensors)) {
        assert.deepEqual(cache.tensors[name].dims, t.dims, name);
        if (quant !== 'q4f16') assert.ok(maxAbsDiff(cache.tensors[name].data as Float32Array, t.data as Float32Array) <= tolerance, name);
      }
    } finally {
      await session.release();
    }
  });
}
