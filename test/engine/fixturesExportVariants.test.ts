// `r1-local fixture --variant NAME` (writeFixtureModel with a variant) writes a model folder with
// the structure of the real public export it names: the same graph signature as the real-export
// sample (inputs and outputs, float ops per layer, who reads the past and makes the presents, key
// attributes, where the weights are stored), in the same layout, and it runs in the engine on the
// fast path with the same greedy tokens as the graph as exported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../engine/engine';
import { writeFixtureModel } from '../../engine/fixtures';
import { EXPORT_VARIANTS, VARIANT_SPECS } from '../../engine/fixtures/exportVariants';
import { graphSignature } from '../helpers/graphSignature';
import { greedyIds, realExports } from '../helpers/realExports';

const SEED = 1;

for (const variant of EXPORT_VARIANTS) {
  test(`fixture --variant ${variant}: the real export's structure and layout, fast path, same tokens as exported`, async () => {
    const sample = realExports().find((s) => s.name === variant)!;
    const spec = VARIANT_SPECS[variant];
    const dir = mkdtempSync(join(tmpdir(), `r1-variant-${variant}-`));
    try {
      const model = await writeFixtureModel({ kind: 'tiny', variant, style: 'optimum', out: dir, seed: SEED });
      assert.equal(model.onnxFile, sample.modelFile);
      assert.equal(existsSync(join(dir, 'genai_config.json')), spec.layout === 'genai');
      assert.deepEqual(graphSignature(model.onnxPath), graphSignature(join(sample.dir, sample.modelFile)));

      const exported = await Engine.load({ modelPath: dir, threads: 1, executionProvider: 'cpu', rewriteGraph: false });
      let want: number[];
      try {
        want = await greedyIds(exported, sample.prompt, 12);
      } finally {
        await exported.dispose();
      }
      assert.ok(new Set(want).size > 1, `greedy output ${want} is not one repeated token`);
      // Random weights leave small top-1/top-2 logit gaps, so the rewrite's int8 activations
      // (accuracy_level 4) may change a greedy token: the rewrite is compared at the export's level
      // (the real samples' tokens at level 4 are checked in realExports.test.ts).
      const rewritten = await Engine.load({ modelPath: dir, threads: 1, executionProvider: 'cpu', raiseAccuracyLevel: false });
      try {
        assert.deepEqual(rewritten.info.runtime, { graph: 'rewritten', kvCache: 'in-place' });
        assert.deepEqual(await greedyIds(rewritten, sample.prompt, 12), want);
      } finally {
        await rewritten.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('fixture refuses a variant for the scripted model and an unknown variant', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-variant-bad-'));
  try {
    await assert.rejects(writeFixtureModel({ kind: 'scripted', variant: 'genai-cpu-int4', style: 'genai', out: dir }), /scripted model has a graph of its own/);
    await assert.rejects(writeFixtureModel({ kind: 'tiny', variant: 'genai-npu' as never, style: 'genai', out: dir }), /unknown variant/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
