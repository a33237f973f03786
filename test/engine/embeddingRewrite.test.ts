// The embedding lookup leaves the graph at load (embeddingRewrite.ts): the Gather over the table
// becomes an input the engine fills from the file. What is detached and what is left alone, and
// that a damaged copy of an inline table is rebuilt rather than fed to the model. (That outputs
// are unchanged is checked in rewrite.test.ts for both export styles.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { Engine } from '../../engine/engine';
import { detachEmbedding, INPUTS_EMBEDS } from '../../engine/runtime/embeddingRewrite';
import { GraphEditor } from '../../engine/runtime/graphEditor';
import type { GenerationRequest } from '../../engine/types';
import { fixtureModel } from '../helpers/fixtureModels';

const FLOAT = onnx.TensorProto.DataType.FLOAT;

function graphWith(table: onnx.ITensorProto, extraNodes: onnx.INodeProto[] = []): onnx.IGraphProto {
  return {
    input: [{ name: 'input_ids' }],
    output: [{ name: 'logits' }],
    initializer: [table],
    node: [
      { opType: 'Gather', input: [table.name!, 'input_ids'], output: ['embeds'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] },
      { opType: 'Relu', input: ['embeds'], output: ['logits'] },
      ...extraNodes,
    ],
  };
}

test('an inline table: the Gather and the initializer go, its output becomes an input, the bytes come back', () => {
  const graph = graphWith({ name: 'embed', dataType: FLOAT, dims: [3, 2], floatData: [1, 2, 3, 4, 5, 6] });
  const result = detachEmbedding(new GraphEditor(graph), 'model.embed');
  assert.ok('spec' in result);
  assert.deepEqual(result.spec, { input: INPUTS_EMBEDS, dtype: 'float32', rows: 3, width: 2, file: 'model.embed', offset: 0 });
  assert.deepEqual([...new Float32Array(result.inlineBytes!.slice().buffer)], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(graph.node!.map((n) => n.opType), ['Relu']);
  assert.deepEqual(graph.node![0].input, [INPUTS_EMBEDS]);
  assert.equal(graph.initializer!.length, 0);
  assert.ok(graph.input!.some((i) => i.name === INPUTS_EMBEDS));
});

test('an external table is read where the model keeps it', () => {
  const graph = graphWith({
    name: 'embed',
    dataType: onnx.TensorProto.DataType.FLOAT16,
    dims: [10, 4],
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [{ key: 'location', value: 'model.onnx.data' }, { key: 'offset', value: '4096' }, { key: 'length', value: '80' }],
  });
  const result = detachEmbedding(new GraphEditor(graph), 'unused.embed');
  assert.ok('spec' in result);
  assert.deepEqual(result.spec, { input: INPUTS_EMBEDS, dtype: 'float16', rows: 10, width: 4, file: 'model.onnx.data', offset: 4096 });
  assert.equal(result.inlineBytes, undefined);
});

test('left alone: a table other nodes read too (tied lm_head), a wrong external length, a non-float table', () => {
  const tied = graphWith({ name: 'embed', dataType: FLOAT, dims: [3, 2], floatData: [1, 2, 3, 4, 5, 6] }, [{ opType: 'MatMul', input: ['logits', 'embed'], output: ['head'] }]);
  const tiedResult = detachEmbedding(new GraphEditor(tied), 'x.embed');
  assert.ok('skipped' in tiedResult && /tied/.test(tiedResult.skipped));
  assert.equal(tied.node!.length, 3, 'the graph is unchanged');

  const badLength = graphWith({
    name: 'embed',
    dataType: FLOAT,
    dims: [10, 4],
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [{ key: 'location', value: 'd' }, { key: 'length', value: '7' }],
  });
  assert.ok('skipped' in detachEmbedding(new GraphEditor(badLength), 'x.embed'));

  const ints = graphWith({ name: 'embed', dataType: onnx.TensorProto.DataType.INT32, dims: [3, 2], int32Data: [1, 2, 3, 4, 5, 6] });
  assert.ok('skipped' in detachEmbedding(new GraphEditor(ints), 'x.embed'));
});

/**
 * Runs `body` on a private copy of the tiny optimum model whose graph `edit` changed (no rewritten
 * copy carried over), and removes the copy afterwards.
 */
async function withEditedModel(edit: (model: onnx.IModelProto) => void, body: (dir: string, onnxDir: string) => Promise<void>): Promise<void> {
  const fixture = await fixtureModel('tiny', 'optimum', 'fp32');
  const scratch = mkdtempSync(join(tmpdir(), 'r1-embed-'));
  try {
    const dir = join(scratch, 'model');
    cpSync(fixture.dir, dir, { recursive: true });
    const onnxDir = join(dir, 'onnx');
    const onnxFile = readdirSync(onnxDir).find((n) => n.endsWith('.onnx') && !n.includes('.r1-rewrite-'))!;
    // Cached copies of the unedited graph (rewritten files, saved pre-packed weights) must go with it.
    for (const name of readdirSync(onnxDir)) if (name.includes('.r1-rewrite-') || name.startsWith('r1-prepacked-')) rmSync(join(onnxDir, name), { recursive: true, force: true });
    const model = onnx.ModelProto.decode(readFileSync(join(onnxDir, onnxFile)));
    edit(model);
    writeFileSync(join(onnxDir, onnxFile), onnx.ModelProto.encode(model).finish());
    await body(dir, onnxDir);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Greedy tokens of the model in `dir`, with the load-time rewrite or as exported. */
async function greedyTokens(dir: string, rewriteGraph: boolean, maxNewTokens: number): Promise<number[]> {
  const request: GenerationRequest = { kind: 'completion', prompt: { type: 'text', text: 'def add(a, b):' }, maxNewTokens, sampling: { greedy: true }, ignoreEos: true, splitReasoning: false };
  const engine = await Engine.load({ modelPath: dir, threads: 1, rewriteGraph });
  try {
    assert.equal(engine.info.graphRewrite?.embeddingsFromFile, rewriteGraph);
    for await (const e of engine.generate(request)) if (e.type === 'done') return e.tokenIds;
    throw new Error('no result');
  } finally {
    await engine.dispose();
  }
}

function embeddingTable(model: onnx.IModelProto): onnx.ITensorProto {
  return model.graph!.initializer!.find((t) => t.name === 'model.embed_tokens.weight')!;
}

test('a table stored as float_data moves to a file of its own; a damaged copy is rebuilt at the next load, and the output stays the same', async () => {
  // Some exporters write float tensors as float_data, which cannot be referenced in place.
  const toFloatData = (model: onnx.IModelProto) => {
    const table = embeddingTable(model);
    table.floatData = Array.from(new Float32Array(Uint8Array.from(table.rawData!).buffer));
    table.rawData = null;
  };
  await withEditedModel(toFloatData, async (dir, onnxDir) => {
    const want = await greedyTokens(dir, false, 8);
    assert.deepEqual(await greedyTokens(dir, true, 8), want);
    const embed = readdirSync(onnxDir).find((n) => n.endsWith('.embed'));
    assert.ok(embed, 'the table was written next to the rewritten graph');
    truncateSync(join(onnxDir, embed), 100);
    assert.deepEqual(await greedyTokens(dir, true, 8), want);
  });
});

test('a float16 table (as in q4f16 exports) is fed as float16 rows and gives the exported graph\'s tokens', async () => {
  const toFloat16 = (model: onnx.IModelProto) => {
    const graph = model.graph!;
    const table = embeddingTable(model);
    const count = (table.dims as number[]).reduce((a, b) => a * Number(b), 1);
    // Random halves in ±[2^-5, 2^-1): sign, exponent 10..13, random mantissa.
    const halves = new Uint16Array(count);
    let seed = 12345;
    for (let i = 0; i < count; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      halves[i] = ((seed >>> 31) << 15) | ((10 + ((seed >>> 20) & 3)) << 10) | (seed & 0x3ff);
    }
    table.dataType = onnx.TensorProto.DataType.FLOAT16;
    table.rawData = new Uint8Array(halves.buffer);
    const gather = graph.node!.find((n) => n.opType === 'Gather' && n.input![1] === 'input_ids')!;
    const embeds = gather.output![0];
    gather.output = [`${embeds}_half`];
    graph.node!.splice(graph.node!.indexOf(gather) + 1, 0, {
      opType: 'Cast',
      input: [`${embeds}_half`],
      output: [embeds],
      name: 'embeds_to_float',
      attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: onnx.TensorProto.DataType.FLOAT }],
    });
  };
  await withEditedModel(toFloat16, async (dir) => {
    const want = await greedyTokens(dir, false, 12);
    assert.ok(new Set(want).size > 1, 'greedy output is not one repeated token');
    assert.deepEqual(await greedyTokens(dir, true, 12), want);
  });
});
