// The model catalogue: default source, the files each variant needs (catalogue entries and the
// dtype rule for repositories the catalogue does not know), the sizes the repositories' file lists
// show, which entries nobody has confirmed, and clear errors for unknown variants.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CATALOGUE, DEFAULT_SOURCE, approximateVariantBytes, computeClassFor, defaultVariantFor, filesForVariant, findCatalogueModel, findVariant } from '../../engine/download/catalogue';
import { DownloadError } from '../../engine/download/errors';

const METADATA = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json'];
const EXTRAS = ['special_tokens_map.json', 'chat_template.jinja'];
const GENAI_REPO = 'onnxruntime/DeepSeek-R1-Distill-ONNX';

function graphBytes(repo: string, variant: string): number | undefined {
  return filesForVariant(repo, variant).find((f) => f.path.endsWith('.onnx') || f.path.endsWith('.onnx.data'))?.approxBytes;
}

describe('catalogue', () => {
  it('defaults to the 1.5B R1 distill from Hugging Face at main: q4 for a CPU, q4f16 for a GPU provider', () => {
    assert.deepEqual(DEFAULT_SOURCE, {
      endpoint: 'https://huggingface.co',
      repo: 'onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX',
      revision: 'main',
      variant: 'q4',
    });
    assert.equal(defaultVariantFor(DEFAULT_SOURCE.repo), 'q4');
    assert.equal(defaultVariantFor(DEFAULT_SOURCE.repo, 'gpu'), 'q4f16');
    assert.equal(defaultVariantFor(GENAI_REPO, 'cpu'), 'cpu-int4');
    assert.equal(defaultVariantFor(GENAI_REPO, 'gpu'), 'gpu-int4');
  });

  it('sends auto to a GPU only where DirectML ships (Windows); CoreML and the CPU get the CPU variant', () => {
    assert.equal(computeClassFor('auto', 'win32'), 'gpu');
    assert.equal(computeClassFor('auto', 'linux'), 'cpu');
    assert.equal(computeClassFor('auto', 'darwin'), 'cpu');
    assert.equal(computeClassFor('coreml', 'darwin'), 'cpu');
    assert.equal(computeClassFor('cpu', 'win32'), 'cpu');
    for (const gpu of ['cuda', 'dml', 'webgpu'] as const) assert.equal(computeClassFor(gpu, 'linux'), 'gpu');
  });

  it('lists the 1.5B and 7B distills, the onnxruntime-genai exports and Qwen2.5-Coder completion models', () => {
    const repos = CATALOGUE.map((m) => m.repo);
    assert.ok(repos.includes('onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX'));
    assert.ok(repos.includes('onnx-community/DeepSeek-R1-Distill-Qwen-7B-ONNX'));
    const genai = findCatalogueModel(GENAI_REPO);
    assert.equal(genai?.style, 'genai');
    assert.deepEqual(new Set(genai?.variants.flatMap((v) => v.providers)), new Set(['cpu', 'dml', 'cuda']));
    assert.ok(CATALOGUE.some((m) => m.role === 'completion' && /Qwen2\.5-Coder/.test(m.repo)));
    for (const model of CATALOGUE) {
      for (const compute of ['cpu', 'gpu'] as const) {
        const fallback = model.variants.find((v) => v.id === model.defaultVariant[compute]);
        assert.ok(fallback, `${model.repo} ${compute} default variant exists`);
        assert.ok(fallback.providers.includes(compute === 'cpu' ? 'cpu' : 'cuda'), `${model.repo}: the ${compute} default is meant for ${compute}`);
      }
      for (const v of model.variants) {
        assert.ok(v.files.some((f) => f.approxBytes && f.approxBytes > 100e6), `${model.repo} ${v.id} has an approximate size`);
        assert.ok(v.speedNote && v.speedNote.length <= 60, `${model.repo} ${v.id} has a short speed note`);
      }
    }
  });

  it('gives the sizes the repositories list for the files it knows', () => {
    const GB = 1e9;
    const MB = 1e6;
    assert.equal(graphBytes('onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX', 'q4'), 1.97 * GB);
    assert.equal(graphBytes('onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX', 'q4f16'), 1.37 * GB);
    assert.equal(graphBytes('onnx-community/Qwen2.5-Coder-0.5B-Instruct', 'q4'), 862 * MB);
    assert.equal(graphBytes('onnx-community/Qwen2.5-Coder-0.5B-Instruct', 'q4f16'), 555 * MB);
    assert.equal(graphBytes('onnx-community/Qwen2.5-Coder-1.5B-Instruct', 'q4'), 1.92 * GB);
    assert.equal(graphBytes('onnx-community/Qwen2.5-Coder-1.5B-Instruct', 'q4f16'), 1.34 * GB);
    // Whole variants: the graph plus about 7 MB of tokenizer and configuration.
    const q4f16 = approximateVariantBytes(filesForVariant(DEFAULT_SOURCE.repo, 'q4f16'));
    assert.ok(q4f16 > 1.37 * GB && q4f16 < 1.39 * GB, String(q4f16));
  });

  it('marks what nobody has confirmed, and has no DirectML folder (the gpu folder serves DirectML)', () => {
    const unverified = CATALOGUE.flatMap((m) => m.variants.filter((v) => v.unverified).map((v) => `${m.repo}:${v.id}`));
    assert.deepEqual(unverified.sort(), [
      'onnx-community/DeepSeek-R1-Distill-Qwen-7B-ONNX:q4',
      'onnx-community/DeepSeek-R1-Distill-Qwen-7B-ONNX:q4f16',
      `${GENAI_REPO}:7b-cpu-int4`,
      `${GENAI_REPO}:7b-gpu-int4`,
    ]);
    for (const model of CATALOGUE) {
      if (model.variants.some((v) => !v.unverified)) {
        for (const id of Object.values(model.defaultVariant)) assert.ok(!model.variants.find((v) => v.id === id)?.unverified, `${model.repo}: the default variant ${id} is confirmed`);
      }
      for (const v of model.variants) {
        assert.ok(v.files.every((f) => !/directml/i.test(f.remotePath ?? f.path)), `${model.repo} ${v.id} names no directml folder`);
        if (v.unverified) assert.ok(v.sizeEstimated, `${v.id}: an unconfirmed variant's size can only be an estimate`);
      }
    }
    const gpu = filesForVariant(GENAI_REPO, 'gpu-int4');
    assert.equal(gpu.find((f) => f.path === 'model.onnx')?.remotePath, 'deepseek-r1-distill-qwen-1.5B/gpu/gpu-int4-rtn-block-32/model.onnx');
    assert.deepEqual(findVariant(findCatalogueModel(GENAI_REPO)!, 'gpu-int4')?.providers, ['cuda', 'dml']);
    // The names earlier versions used still work, and give the gpu folder.
    assert.equal(filesForVariant(GENAI_REPO, 'directml-int4'), gpu);
    assert.equal(filesForVariant(GENAI_REPO, 'cuda-int4'), gpu);
  });

  it('gives the q4f16 files of the default model: its graph takes every external-data chunk the tree lists', () => {
    const files = filesForVariant('onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX', 'q4f16');
    assert.deepEqual(files.filter((f) => !f.optional).map((f) => f.path), [...METADATA, 'onnx/model_q4f16.onnx']);
    assert.deepEqual(files.filter((f) => f.optional).map((f) => f.path), EXTRAS);
    assert.deepEqual(files.filter((f) => f.externalDataChunks).map((f) => f.path), ['onnx/model_q4f16.onnx']);
  });

  it('applies the dtype rule to repositories it does not know', () => {
    for (const dtype of ['q4', 'q4f16', 'fp16', 'int8']) {
      const files = filesForVariant('someone/other-model-ONNX', dtype);
      assert.deepEqual(files.map((f) => [f.path, f.optional === true, f.externalDataChunks === true]), [
        ...METADATA.map((p) => [p, false, false]),
        ...EXTRAS.map((p) => [p, true, false]),
        [`onnx/model_${dtype}.onnx`, false, true],
      ]);
    }
    assert.equal(filesForVariant('someone/x', 'fp32').find((f) => !f.optional && f.path.endsWith('.onnx'))?.path, 'onnx/model.onnx');
  });

  it('maps genai variants from their repository subfolder to a flat model folder, chat_template.jinja included when listed', () => {
    const files = filesForVariant(GENAI_REPO, 'cpu-int4');
    const model = files.find((f) => f.path === 'model.onnx');
    assert.equal(model?.remotePath, 'deepseek-r1-distill-qwen-1.5B/cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/model.onnx');
    assert.ok(files.every((f) => !f.path.includes('/')));
    assert.ok(files.some((f) => f.path === 'genai_config.json' && !f.optional));
    assert.ok(files.some((f) => f.path === 'model.onnx.data' && !f.optional));
    assert.ok(files.some((f) => f.path === 'chat_template.jinja' && f.optional));
  });

  it('refuses an unknown variant with the list of known ones', () => {
    assert.throws(() => filesForVariant('onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX', 'q2'), (e: unknown) => e instanceof DownloadError && e.code === 'bad-input' && /q4f16, q4/.test(e.message));
    assert.throws(() => filesForVariant(GENAI_REPO, 'q4'), (e: unknown) => e instanceof DownloadError && /cpu-int4/.test(e.message));
    assert.throws(() => filesForVariant('someone/x', '../../etc'), DownloadError);
  });
});
