// Every generated model loads in onnxruntime-node with the I/O signature of its public export
// family, and its folder holds the files that family's repository has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { FIXTURE_VOCAB_SIZE, type FixtureModel, type FixtureQuant } from '../../engine/fixtures';
import type { ExportStyle } from '../../engine/types';
import { fixtureModel } from '../helpers/fixtureModels';
import { openSession } from '../helpers/fixtureModelRunner';

const variants: Array<[kind: 'tiny' | 'scripted', style: ExportStyle, quant: FixtureQuant]> = [
  ['tiny', 'optimum', 'fp32'],
  ['tiny', 'optimum', 'q4'],
  ['tiny', 'optimum', 'q4f16'],
  ['tiny', 'genai', 'fp32'],
  ['tiny', 'genai', 'q4'],
  ['scripted', 'optimum', 'fp32'],
  ['scripted', 'genai', 'fp32'],
];

function metadata(list: readonly InferenceSession.ValueMetadata[]): Map<string, { type: string; shape: ReadonlyArray<number | string> }> {
  const out = new Map<string, { type: string; shape: ReadonlyArray<number | string> }>();
  for (const m of list) {
    assert.ok(m.isTensor, `${m.name} is a tensor`);
    out.set(m.name, { type: m.type, shape: m.shape });
  }
  return out;
}

function expectedFiles(model: FixtureModel): string[] {
  const tokenizer = ['tokenizer.json', 'tokenizer_config.json'];
  if (model.style === 'genai') return [...tokenizer, 'genai_config.json', 'model.onnx', 'model.onnx.data'];
  return [...tokenizer, 'config.json', 'generation_config.json', model.onnxFile];
}

for (const [kind, style, quant] of variants) {
  test(`${kind} ${style} ${quant}: folder layout and ORT I/O signature`, async () => {
    const model = await fixtureModel(kind, style, quant);
    for (const file of expectedFiles(model)) assert.ok(existsSync(join(model.dir, file)), `${file} exists`);
    if (style === 'optimum' && kind === 'tiny') {
      const expected = { fp32: 'onnx/model.onnx', q4: 'onnx/model_q4.onnx', q4f16: 'onnx/model_q4f16.onnx' }[quant];
      assert.equal(model.onnxFile, expected);
    }

    const session = await openSession(model);
    try {
      const { numLayers, numKvHeads, headDim } = model.dims;
      const kvType = quant === 'q4f16' ? 'float16' : 'float32';
      const layerNames = (prefix: string) => Array.from({ length: numLayers }, (_, l) => [`${prefix}.${l}.key`, `${prefix}.${l}.value`]).flat();
      const expectedInputs = ['input_ids', 'attention_mask', ...(style === 'optimum' ? ['position_ids'] : []), ...layerNames('past_key_values')];
      assert.deepEqual([...session.inputNames], expectedInputs);
      assert.deepEqual([...session.outputNames], ['logits', ...layerNames('present')]);

      const inputs = metadata(session.inputMetadata);
      assert.deepEqual(inputs.get('input_ids'), { type: 'int64', shape: ['batch_size', 'sequence_length'] });
      assert.deepEqual(inputs.get('attention_mask'), { type: 'int64', shape: ['batch_size', 'total_sequence_length'] });
      if (style === 'optimum') assert.deepEqual(inputs.get('position_ids'), { type: 'int64', shape: ['batch_size', 'sequence_length'] });
      for (const name of layerNames('past_key_values')) {
        assert.deepEqual(inputs.get(name), { type: kvType, shape: ['batch_size', numKvHeads, 'past_sequence_length', headDim] });
      }
      const outputs = metadata(session.outputMetadata);
      assert.deepEqual(outputs.get('logits'), { type: 'float32', shape: ['batch_size', 'sequence_length', FIXTURE_VOCAB_SIZE] });
      for (const name of layerNames('present')) {
        assert.deepEqual(outputs.get(name), { type: kvType, shape: ['batch_size', numKvHeads, 'total_sequence_length', headDim] });
      }
    } finally {
      await session.release();
    }
  });
}

test('optimum config.json and generation_config.json describe the graph and the fixture tokenizer', async () => {
  const model = await fixtureModel('tiny', 'optimum', 'q4');
  const config = JSON.parse(readFileSync(join(model.dir, 'config.json'), 'utf8'));
  assert.equal(config.model_type, 'qwen2');
  assert.deepEqual(config.architectures, ['Qwen2ForCausalLM']);
  assert.equal(config.vocab_size, FIXTURE_VOCAB_SIZE);
  assert.equal(config.num_hidden_layers, model.dims.numLayers);
  assert.equal(config.num_key_value_heads, model.dims.numKvHeads);
  assert.equal(config.hidden_size / config.num_attention_heads, model.dims.headDim);
  assert.equal(config.tie_word_embeddings, false);
  const generation = JSON.parse(readFileSync(join(model.dir, 'generation_config.json'), 'utf8'));
  assert.deepEqual(generation.eos_token_id, model.eosTokenIds);
  assert.equal(generation.bos_token_id, model.specialTokens.bos);
  const tokenizer = JSON.parse(readFileSync(join(model.dir, 'tokenizer.json'), 'utf8'));
  const eos = tokenizer.added_tokens.find((t: { id: number }) => t.id === model.specialTokens.eos);
  assert.equal(eos.content, '<｜end▁of▁sentence｜>');
});

test('genai_config.json mirrors onnxruntime-genai: I/O name templates, dims, token ids, search', async () => {
  const model = await fixtureModel('tiny', 'genai', 'q4');
  const { model: m, search } = JSON.parse(readFileSync(join(model.dir, 'genai_config.json'), 'utf8'));
  assert.equal(m.type, 'qwen2');
  assert.equal(m.vocab_size, FIXTURE_VOCAB_SIZE);
  assert.equal(m.context_length, model.dims.maxPositions);
  assert.equal(m.bos_token_id, model.specialTokens.bos);
  assert.deepEqual(m.eos_token_id, model.eosTokenIds);
  assert.equal(m.decoder.filename, 'model.onnx');
  assert.deepEqual(m.decoder.inputs, {
    input_ids: 'input_ids',
    attention_mask: 'attention_mask',
    past_key_names: 'past_key_values.%d.key',
    past_value_names: 'past_key_values.%d.value',
  });
  assert.deepEqual(m.decoder.outputs, { logits: 'logits', present_key_names: 'present.%d.key', present_value_names: 'present.%d.value' });
  assert.equal(m.decoder.num_hidden_layers, model.dims.numLayers);
  assert.equal(m.decoder.num_key_value_heads, model.dims.numKvHeads);
  assert.equal(m.decoder.num_attention_heads, model.dims.numHeads);
  assert.equal(m.decoder.head_size, model.dims.headDim);
  assert.equal(m.decoder.hidden_size, model.dims.hiddenSize);
  assert.equal(search.max_length, model.dims.maxPositions);
  assert.equal(search.past_present_share_buffer, false);
});

function graphNodes(onnxPath: string): onnx.INodeProto[] {
  return onnx.ModelProto.decode(readFileSync(onnxPath)).graph?.node ?? [];
}

test('the genai graph uses GroupQueryAttention, SimplifiedLayerNormalization and MatMulNBits like the int4 export', async () => {
  const nodes = graphNodes((await fixtureModel('tiny', 'genai', 'q4')).onnxPath);
  const ops = new Set(nodes.map((n) => n.opType));
  for (const op of ['GroupQueryAttention', 'SimplifiedLayerNormalization', 'MatMulNBits']) assert.ok(ops.has(op), op);
  assert.ok(!ops.has('Softmax'), 'attention is fused');
  const matmul = nodes.find((n) => n.opType === 'MatMulNBits')!;
  const attr = (name: string) => Number(matmul.attribute?.find((a) => a.name === name)?.i);
  assert.equal(matmul.domain, 'com.microsoft');
  assert.equal(attr('bits'), 4);
  assert.equal(attr('block_size'), 32);
  assert.equal(attr('accuracy_level'), 4);
});

test('the optimum graph spells attention out with standard ops and no fused attention', async () => {
  const ops = new Set(graphNodes((await fixtureModel('tiny', 'optimum', 'q4')).onnxPath).map((n) => n.opType));
  for (const op of ['MatMulNBits', 'Softmax', 'Cos', 'Sin']) assert.ok(ops.has(op), op);
  assert.ok(!ops.has('GroupQueryAttention'));
});
