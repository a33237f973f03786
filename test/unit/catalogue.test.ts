// The model catalogue: default source, the files each variant needs (catalogue entries and the
// dtype rule for repositories the catalogue does not know), and clear errors for unknown variants.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CATALOGUE, DEFAULT_SOURCE, defaultVariantFor, filesForVariant, findCatalogueModel } from '../../engine/download/catalogue';
import { DownloadError } from '../../engine/download/errors';

const METADATA = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json'];

describe('catalogue', () => {
  it('defaults to the 1.5B R1 distill, q4f16, from Hugging Face at main', () => {
    assert.deepEqual(DEFAULT_SOURCE, {
      endpoint: 'https://huggingface.co',
      repo: 'onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX',
      revision: 'main',
      variant: 'q4f16',
    });
    assert.equal(defaultVariantFor(DEFAULT_SOURCE.repo), 'q4f16');
  });

  it('lists the 1.5B and 7B distills, the onnxruntime-genai exports and Qwen2.5-Coder completion models', () => {
    const repos = CATALOGUE.map((m) => m.repo);
    assert.ok(repos.includes('onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX'));
    assert.ok(repos.includes('onnx-community/DeepSeek-R1-Distill-Qwen-7B-ONNX'));
    const genai = findCatalogueModel('onnxruntime/DeepSeek-R1-Distill-ONNX');
    assert.equal(genai?.style, 'genai');
    assert.deepEqual(new Set(genai?.variants.flatMap((v) => v.providers)), new Set(['cpu', 'dml', 'cuda']));
    assert.ok(CATALOGUE.some((m) => m.role === 'completion' && /Qwen2\.5-Coder/.test(m.repo)));
    for (const model of CATALOGUE) {
      assert.ok(model.variants.some((v) => v.id === model.defaultVariant), `${model.repo} default variant exists`);
      for (const v of model.variants) assert.ok(v.files.some((f) => f.approxBytes && f.approxBytes > 100e6), `${model.repo} ${v.id} has an approximate size`);
    }
  });

  it('gives the q4f16 files of the default model, with external data optional', () => {
    const files = filesForVariant('onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX', 'q4f16');
    assert.deepEqual(files.filter((f) => !f.optional).map((f) => f.path), [...METADATA, 'onnx/model_q4f16.onnx']);
    assert.deepEqual(files.filter((f) => f.optional).map((f) => f.path), ['onnx/model_q4f16.onnx_data']);
  });

  it('applies the dtype rule to repositories it does not know', () => {
    for (const dtype of ['q4', 'q4f16', 'fp16', 'int8']) {
      const files = filesForVariant('someone/other-model-ONNX', dtype);
      assert.deepEqual(files.map((f) => [f.path, f.optional === true]), [
        ...METADATA.map((p) => [p, false]),
        [`onnx/model_${dtype}.onnx`, false],
        [`onnx/model_${dtype}.onnx_data`, true],
      ]);
    }
    assert.equal(filesForVariant('someone/x', 'fp32').find((f) => !f.optional && f.path.endsWith('.onnx'))?.path, 'onnx/model.onnx');
  });

  it('maps genai variants from their repository subfolder to a flat model folder', () => {
    const files = filesForVariant('onnxruntime/DeepSeek-R1-Distill-ONNX', 'cpu-int4');
    const model = files.find((f) => f.path === 'model.onnx');
    assert.equal(model?.remotePath, 'deepseek-r1-distill-qwen-1.5B/cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/model.onnx');
    assert.ok(files.every((f) => !f.path.includes('/')));
    assert.ok(files.some((f) => f.path === 'genai_config.json' && !f.optional));
  });

  it('refuses an unknown variant with the list of known ones', () => {
    assert.throws(() => filesForVariant('onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX', 'q2'), (e: unknown) => e instanceof DownloadError && e.code === 'bad-input' && /q4f16, q4/.test(e.message));
    assert.throws(() => filesForVariant('onnxruntime/DeepSeek-R1-Distill-ONNX', 'q4'), (e: unknown) => e instanceof DownloadError && /cpu-int4/.test(e.message));
    assert.throws(() => filesForVariant('someone/x', '../../etc'), DownloadError);
  });
});
