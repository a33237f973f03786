// The model-builder graphs the fixture generator writes have the structure of the real builder
// exports (genai folders and the onnx-community builder files), as the structural signature sees
// it, and run in the engine on the fast path with the same greedy tokens as exported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../engine/engine';
import { buildBuilderGraph } from '../../engine/fixtures/builderGraph';
import { EXPORT_OPSETS, VARIANT_SPECS, type ExportVariant } from '../../engine/fixtures/exportVariants';
import { writeOnnxModel } from '../../engine/fixtures/onnxWriter';
import { tinyDims } from '../../engine/fixtures/qwen2Dims';
import { seededWeights } from '../../engine/fixtures/qwen2Weights';
import { graphSignature } from '../helpers/graphSignature';
import { greedyIds, realExports, scratchCopy } from '../helpers/realExports';

const BUILDER_VARIANTS: ExportVariant[] = ['genai-cpu-int4', 'genai-gpu-int4-fp16', 'genai-dml-fp16', 'community-gqa-q4', 'community-gqa-q4f16', 'community-mha-q4f16'];

for (const variant of BUILDER_VARIANTS) {
  test(`generated ${variant} graph has the real export's structure and runs on the fast path`, async () => {
    const sample = realExports().find((s) => s.name === variant)!;
    const spec = VARIANT_SPECS[variant];
    const copy = scratchCopy(sample);
    try {
      const onnxPath = join(copy.dir, spec.onnxFile);
      rmSync(`${onnxPath}.data`, { force: true });
      const graph = buildBuilderGraph({ dims: tinyDims(512), variant, weights: seededWeights(7, 'q4', 32, { symmetric: true }) });
      const external = spec.layout === 'genai' ? { fileName: 'model.onnx.data' } : undefined;
      writeOnnxModel(graph, onnxPath, { opsets: EXPORT_OPSETS, external, producer: 'onnxruntime-genai' });
      assert.deepEqual(graphSignature(onnxPath), graphSignature(join(sample.dir, spec.onnxFile)));

      const prompt = sample.prompt;
      const exported = await Engine.load({ modelPath: copy.dir, threads: 1, executionProvider: 'cpu', rewriteGraph: false });
      let want: number[];
      try {
        want = await greedyIds(exported, prompt, 12);
      } finally {
        await exported.dispose();
      }
      assert.ok(new Set(want).size > 1, `greedy output ${want} is not one repeated token`);
      const rewritten = await Engine.load({ modelPath: copy.dir, threads: 1, executionProvider: 'cpu' });
      try {
        assert.deepEqual(rewritten.info.runtime, { graph: 'rewritten', kvCache: 'in-place' });
        assert.deepEqual(await greedyIds(rewritten, prompt, 12), want);
      } finally {
        await rewritten.dispose();
      }
    } finally {
      copy.remove();
    }
  });
}
