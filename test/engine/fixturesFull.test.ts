// The full-size benchmark model is too big for `npm test` (about 2 GB), so its exact code path —
// lazily generated random 4-bit weights streamed into external data, vocabulary padded beyond the
// tokenizer and masked — is exercised here with reduced dimensions.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFixtureModel } from '../../engine/fixtures';
import type { ExportStyle } from '../../engine/types';
import { argmax, maxAbsDiff, openSession, step } from '../helpers/fixtureModelRunner';

const root = mkdtempSync(join(tmpdir(), 'r1-full-fixture-'));
after(() => rmSync(root, { recursive: true, force: true }));

const SMALL = { numLayers: 2, hiddenSize: 512, numHeads: 4, numKvHeads: 1, intermediateSize: 1024, vocabSize: 4096, maxPositions: 1024 };

for (const style of ['optimum', 'genai'] as ExportStyle[]) {
  test(`full ${style} with reduced dims: external 4-bit weights, padded vocabulary, consistent KV cache`, async () => {
    const model = await writeFixtureModel({ kind: 'full', style, out: join(root, style), dims: SMALL });
    assert.equal(model.dims.headDim, 128, 'head dim of the real model is kept');
    assert.equal(model.onnxFile, style === 'optimum' ? 'onnx/model_q4.onnx' : 'model.onnx');
    assert.equal(model.externalDataFile, style === 'optimum' ? 'onnx/model_q4.onnx_data' : 'model.onnx.data');
    const dataBytes = statSync(join(model.dir, model.externalDataFile!)).size;
    assert.ok(dataBytes > 4096 * 512 * 4, 'the embedding went to external data');
    assert.ok(statSync(model.onnxPath).size < 200_000, 'the graph file holds no weights');
    assert.ok(existsSync(join(model.dir, style === 'optimum' ? 'config.json' : 'genai_config.json')));

    const session = await openSession(model);
    try {
      const prompt = [479, 477, 46, 74, 347, 11, 478, 481, 198];
      let r = await step(session, model, prompt);
      const tokens = [...prompt];
      const rows = [r.logits[r.logits.length - 1]];
      for (let i = 0; i < 6; i++) {
        const next = argmax(rows[rows.length - 1]);
        assert.ok(next < model.tokenizerVocabSize, `padding id ${next} was chosen`);
        tokens.push(next);
        r = await step(session, model, [next], r.cache);
        rows.push(r.logits[0]);
      }
      for (const row of rows) assert.ok(row.every(Number.isFinite), 'finite logits');
      const full = await step(session, model, tokens);
      const usable = (row: Float32Array) => row.subarray(0, model.tokenizerVocabSize);
      const scale = Math.max(...usable(rows[0]).map(Math.abs));
      // accuracy_level 4 rounds activations to int8 per block: at these widths a 1e-6 difference
      // between the one-token and the many-token kernels can move one rounding step (measured up
      // to 1.3% of the logit range; 4e-6 with accuracy_level 0; the tiny model is exact to 1e-4).
      rows.forEach((row, i) => {
        const diff = maxAbsDiff(usable(row), usable(full.logits[prompt.length - 1 + i]));
        assert.ok(diff <= 0.05 * scale, `step ${i}: ${diff} vs logit range ${scale}`);
      });
    } finally {
      await session.release();
    }
  });
}

test('bad fixture options get clear errors', async () => {
  const out = join(root, 'bad');
  await assert.rejects(writeFixtureModel({ kind: 'full', style: 'optimum', quant: 'fp32', out }), /4-bit only/);
  await assert.rejects(writeFixtureModel({ kind: 'tiny', style: 'genai', quant: 'q4f16', out }), /optimum style/);
  await assert.rejects(writeFixtureModel({ kind: 'huge' as 'tiny', style: 'optimum', out }), /unknown kind/);
  await assert.rejects(writeFixtureModel({ kind: 'tiny', style: 'optimum', out, script: 'x' }), /only applies to the scripted/);
  await assert.rejects(writeFixtureModel({ kind: 'full', style: 'optimum', out, dims: { numHeads: 5 } }), /numHeads/);
  await assert.rejects(writeFixtureModel({ kind: 'scripted', style: 'optimum', out, script: '' }), /empty/);
});
