// What a model folder is, decided from its files and then from the session's inputs and outputs:
// export family, which .onnx file, the numbers in its configs, and its external data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureModel } from '../helpers/fixtureModels';
import { inspectModelFolder } from '../../engine/model/modelFolder';
import { listExternalData } from '../../engine/model/onnxExternalData';
import { describeModelIO, type IoMetadata } from '../../engine/model/ioSignature';
import { Engine } from '../../engine/engine';
import { FIXTURE_EOS_IDS } from '../../engine/fixtures';

let scratch: string;
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'r1-model-folder-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

test('optimum folder: style, file, configs (eos from generation_config), no external data', async () => {
  const fixture = await fixtureModel('tiny', 'optimum', 'fp32');
  const folder = await inspectModelFolder(fixture.dir);
  assert.equal(folder.style, 'optimum');
  assert.equal(folder.onnxFile, 'onnx/model.onnx');
  assert.deepEqual(folder.externalDataFiles, []);
  assert.deepEqual(folder.config.eosTokenIds, [...FIXTURE_EOS_IDS]);
  assert.equal(folder.config.numLayers, fixture.dims.numLayers);
  assert.equal(folder.config.numKvHeads, fixture.dims.numKvHeads);
  assert.equal(folder.config.headDim, fixture.dims.headDim);
  assert.equal(folder.config.contextLength, fixture.dims.maxPositions);
  assert.equal(folder.config.recommendedSampling.temperature, 0.6);
  assert.ok(folder.tokenizerConfigPath?.endsWith('tokenizer_config.json'));
});

test('genai folder: style and file from genai_config.json, external data listed and vetted', async () => {
  const fixture = await fixtureModel('tiny', 'genai', 'fp32');
  const folder = await inspectModelFolder(fixture.dir);
  assert.equal(folder.style, 'genai');
  assert.equal(folder.onnxFile, 'model.onnx');
  assert.deepEqual(folder.externalDataFiles, ['model.onnx.data']);
  assert.deepEqual(folder.config.eosTokenIds, [...FIXTURE_EOS_IDS]);
  const refs = await listExternalData(folder.onnxPath);
  assert.ok(refs.length > 0);
  assert.ok(refs.every((r) => r.location === 'model.onnx.data' && r.length !== undefined && r.length > 0));
});

test('optimum external data (onnx/model_q4.onnx_data) is found next to the model file', async () => {
  const dir = join(scratch, 'q4-external');
  const { writeFixtureModel } = await import('../../engine/fixtures');
  await writeFixtureModel({ kind: 'tiny', style: 'optimum', quant: 'q4', out: dir, externalData: true });
  const folder = await inspectModelFolder(dir);
  assert.equal(folder.onnxFile, 'onnx/model_q4.onnx');
  assert.deepEqual(folder.externalDataFiles, ['onnx/model_q4.onnx_data']);
  const engine = await Engine.load({ modelPath: dir, executionProvider: 'cpu', threads: 1 });
  assert.equal(engine.info.onnxFile, 'onnx/model_q4.onnx');
  await engine.dispose();
});

test('q4f16 is preferred over q4 and fp32 when a folder has several variants', async () => {
  const q4f16 = await fixtureModel('tiny', 'optimum', 'q4f16');
  const dir = join(scratch, 'variants');
  cpSync(q4f16.dir, dir, { recursive: true });
  copyFileSync(join((await fixtureModel('tiny', 'optimum', 'q4')).dir, 'onnx/model_q4.onnx'), join(dir, 'onnx/model_q4.onnx'));
  assert.equal((await inspectModelFolder(dir)).onnxFile, 'onnx/model_q4f16.onnx');
  const engine = await Engine.load({ modelPath: dir, executionProvider: 'cpu', threads: 1 });
  assert.equal(engine.info.kvDtype, 'float16');
  await engine.dispose();
});

test('the folder name does not matter; the session I/O decides the style reported', async () => {
  const genai = await fixtureModel('tiny', 'genai', 'fp32');
  // A genai model in a folder named like an optimum export.
  const dir = join(scratch, 'DeepSeek-R1-Distill-Qwen-1.5B-ONNX');
  cpSync(genai.dir, dir, { recursive: true });
  const engine = await Engine.load({ modelPath: dir, executionProvider: 'cpu', threads: 1 });
  assert.equal(engine.info.style, 'genai');
  assert.equal(engine.info.numLayers, genai.dims.numLayers);
  assert.equal(engine.info.kvDtype, 'float32');
  assert.equal(engine.info.vocabSize, genai.dims.vocabSize);
  assert.ok(engine.info.loadMs > 0);
  await engine.dispose();
});

test('genai_config.json sampling defaults and a single eos id', async () => {
  const genai = await fixtureModel('tiny', 'genai', 'fp32');
  const dir = join(scratch, 'genai-single-eos');
  cpSync(genai.dir, dir, { recursive: true });
  const config = JSON.parse(await (await import('node:fs/promises')).readFile(join(dir, 'genai_config.json'), 'utf8'));
  config.model.eos_token_id = 7;
  writeFileSync(join(dir, 'genai_config.json'), JSON.stringify(config));
  const folder = await inspectModelFolder(dir);
  assert.deepEqual(folder.config.eosTokenIds, [7]);
  assert.equal(folder.config.recommendedSampling.topP, 0.95);
});

const tensor = (name: string, type: string, shape: (number | string)[] = []): IoMetadata => ({ name, isTensor: true, type, shape });
const kv = (layers: number, type = 'float32') => {
  const inputs: IoMetadata[] = [];
  const outputs: IoMetadata[] = [];
  for (let i = 0; i < layers; i++) {
    inputs.push(tensor(`past_key_values.${i}.key`, type, ['b', 2, 'p', 128]), tensor(`past_key_values.${i}.value`, type, ['b', 2, 'p', 128]));
    outputs.push(tensor(`present.${i}.key`, type), tensor(`present.${i}.value`, type));
  }
  return { inputs, outputs };
};

test('describeModelIO: optimum vs genai by position_ids, dims from static shapes', () => {
  const cache = kv(3, 'float16');
  const base = [tensor('input_ids', 'int64'), tensor('attention_mask', 'int64')];
  const outputs = [tensor('logits', 'float16'), ...cache.outputs];
  const optimum = describeModelIO([...base, tensor('position_ids', 'int64'), ...cache.inputs], outputs);
  assert.equal(optimum.style, 'optimum');
  assert.equal(optimum.numLayers, 3);
  assert.equal(optimum.kvDtype, 'float16');
  assert.equal(optimum.kvHeads, 2);
  assert.equal(optimum.headDim, 128);
  assert.equal(optimum.logitsDtype, 'float16');
  const genai = describeModelIO([...base, ...cache.inputs], outputs);
  assert.equal(genai.style, 'genai');
  assert.equal(genai.positionDtype, undefined);
});

test('describeModelIO refuses what it cannot drive, naming the input', () => {
  const cache = kv(2);
  const base = [tensor('input_ids', 'int64'), tensor('attention_mask', 'int64')];
  const outputs = [tensor('logits', 'float32'), ...cache.outputs];
  assert.throws(() => describeModelIO([...base, ...cache.inputs, tensor('num_logits_to_keep', 'int64')], outputs), /cannot fill: num_logits_to_keep/);
  assert.throws(() => describeModelIO([...base, ...cache.inputs.slice(0, 3)], outputs), /layer 1 is incomplete: missing past_key_values\.1\.value/);
  assert.throws(() => describeModelIO([tensor('input_ids', 'int64'), ...cache.inputs], outputs), /missing attention_mask/);
  const mixed = [...base, ...cache.inputs.slice(0, 3), tensor('past_key_values.1.value', 'float16')];
  assert.throws(() => describeModelIO(mixed, outputs), /mixed KV dtypes/);
});
