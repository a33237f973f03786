// An independent TypeScript Qwen2 forward pass over the weights read back from the .onnx file
// agrees with onnxruntime's logits: fp32 within 1e-4; 4-bit against the dequantized weights within
// the error of accuracy_level 4 (ORT quantizes activations to int8 per block).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quantizeQ4 } from '../../engine/fixtures/quantize4bit';
import { dequantizeQ4, ReferenceQwen2 } from '../../engine/fixtures/referenceForward';
import { SeededRng } from '../../engine/fixtures/rng';
import type { FixtureQuant } from '../../engine/fixtures';
import type { ExportStyle } from '../../engine/types';
import { fixtureModel } from '../helpers/fixtureModels';
import { maxAbsDiff, openSession, step } from '../helpers/fixtureModelRunner';

const PROMPT = [479, 477, 71, 72, 101, 250, 33, 410, 478, 481, 198, 12, 300, 45, 7, 99];

function maxAbs(rows: Float32Array[], usable: number): number {
  let m = 0;
  for (const r of rows) for (let i = 0; i < usable; i++) m = Math.max(m, Math.abs(r[i]));
  return m;
}

const cases: Array<[ExportStyle, FixtureQuant, number]> = [
  ['optimum', 'fp32', 1e-4],
  ['genai', 'fp32', 1e-4],
  // int8 activations: the error is a small fraction of the logit range (measured 2%).
  ['optimum', 'q4', 0.05],
  ['genai', 'q4', 0.05],
];

for (const [style, quant, tolerance] of cases) {
  test(`reference forward agrees with ORT logits: tiny ${style} ${quant}`, async () => {
    const model = await fixtureModel('tiny', style, quant);
    const reference = new ReferenceQwen2(model.onnxPath, model.dims).logits(PROMPT);
    const session = await openSession(model);
    try {
      const { logits } = await step(session, model, PROMPT);
      const usable = model.tokenizerVocabSize;
      const scale = quant === 'fp32' ? 1 : maxAbs(reference, usable);
      assert.ok(scale > 0.5, 'logits are not degenerate');
      for (let i = 0; i < PROMPT.length; i++) {
        const diff = maxAbsDiff(logits[i].subarray(0, usable), reference[i].subarray(0, usable));
        assert.ok(diff <= tolerance * scale, `position ${i}: max |ORT - reference| = ${diff} > ${tolerance * scale}`);
      }
      // Padding rows beyond the tokenizer's vocabulary are masked in both.
      assert.ok(logits[0][model.dims.vocabSize - 1] < -1000);
    } finally {
      await session.release();
    }
  });
}

test('4-bit quantization round-trips within half a quantization step, zero points included', () => {
  const K = 80; // not a multiple of the block: exercises the padded last block
  const N = 6;
  const w = new SeededRng(7).uniform(K * N, 0.5);
  w[3] = 0; // an exact zero must stay exact
  const q = quantizeQ4(w, K, N, 32);
  assert.equal(q.packed.length, N * 3 * 16);
  assert.equal(q.zeroPoints.length, N * 2);
  const back = dequantizeQ4(q.packed, q.scales, q.zeroPoints, K, N, 32);
  for (let k = 0; k < K; k++) {
    for (let n = 0; n < N; n++) {
      const scale = q.scales[n * 3 + Math.floor(k / 32)];
      assert.ok(Math.abs(back[k * N + n] - w[k * N + n]) <= scale / 2 + 1e-7, `w[${k}][${n}]`);
    }
  }
  assert.equal(back[3], 0);
});
