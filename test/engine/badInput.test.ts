// Broken, hostile or unusual model folders get a clear ModelLoadError (with a stable code and a
// message naming the problem) and never crash the process; an unavailable execution provider falls
// back to the CPU with the reason kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { fixtureModel } from '../helpers/fixtureModels';
import { Engine } from '../../engine/engine';
import { ModelLoadError, type ModelLoadErrorCode } from '../../engine/model/modelLoadError';
import { GraphBuilder, type ElementType } from '../../engine/fixtures/onnxGraph';
import { writeOnnxModel } from '../../engine/fixtures/onnxWriter';
import type { FixtureModel } from '../../engine/fixtures';

let scratch: string;
let optimum: FixtureModel;
let genai: FixtureModel;
let counter = 0;

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'r1-bad-input-'));
  optimum = await fixtureModel('tiny', 'optimum', 'fp32');
  genai = await fixtureModel('tiny', 'genai', 'fp32');
});
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A private copy of a fixture folder to damage. */
function copyOf(fixture: FixtureModel): string {
  const dir = join(scratch, `model-${counter++}`);
  cpSync(fixture.dir, dir, { recursive: true });
  return dir;
}

async function expectLoadError(modelPath: string, code: ModelLoadErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(Engine.load({ modelPath, executionProvider: 'cpu', threads: 1 }), (err: unknown) => {
    assert.ok(err instanceof ModelLoadError, `expected a ModelLoadError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return true;
  });
}

/** Rewrites every external-data location of a model file. */
function relocateExternalData(onnxPath: string, location: string): void {
  const model = onnx.ModelProto.decode(readFileSync(onnxPath));
  let changed = 0;
  for (const t of model.graph!.initializer!) {
    for (const entry of t.externalData ?? []) {
      if (entry.key === 'location') {
        entry.value = location;
        changed++;
      }
    }
  }
  assert.ok(changed > 0, 'the fixture has external data');
  writeFileSync(onnxPath, onnx.ModelProto.encode(model).finish());
}

test('a missing folder', async () => {
  await expectLoadError(join(scratch, 'does-not-exist'), 'not-found', /Model folder not found/);
});

test('a file instead of a folder', async () => {
  const file = join(scratch, 'file.onnx');
  writeFileSync(file, 'x');
  await expectLoadError(file, 'not-a-model', /is a file/);
});

test('a folder that is neither export family names what is missing', async () => {
  const dir = join(scratch, 'empty');
  cpSync(optimum.dir, dir, { recursive: true, filter: (src) => src === optimum.dir || src.endsWith('tokenizer.json') });
  await expectLoadError(dir, 'not-a-model', /genai_config\.json.*config\.json.*onnx\//);
});

test('an optimum folder without any known .onnx file', async () => {
  const dir = copyOf(optimum);
  renameSync(join(dir, 'onnx/model.onnx'), join(dir, 'onnx/other.onnx'));
  await expectLoadError(dir, 'not-a-model', /model_q4\.onnx/);
});

test('missing tokenizer.json', async () => {
  const dir = copyOf(optimum);
  rmSync(join(dir, 'tokenizer.json'));
  await expectLoadError(dir, 'not-found', /tokenizer\.json/);
});

test('config.json that is not JSON, and one missing a required field', async () => {
  const dir = copyOf(optimum);
  writeFileSync(join(dir, 'config.json'), '{ "hidden_size": 64,');
  await expectLoadError(dir, 'corrupt-file', /config\.json is not valid JSON/);
  const config = JSON.parse(readFileSync(join(optimum.dir, 'config.json'), 'utf8'));
  delete config.num_hidden_layers;
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  await expectLoadError(dir, 'corrupt-file', /num_hidden_layers/);
});

test('a truncated .onnx file (weights inline)', async () => {
  const dir = copyOf(optimum);
  const path = join(dir, 'onnx/model.onnx');
  truncateSync(path, Math.floor(statSync(path).size / 2));
  await expectLoadError(dir, 'corrupt-file', /onnx\/model\.onnx is truncated/);
});

test('an empty .onnx file and one that is not protobuf', async () => {
  const dir = copyOf(optimum);
  writeFileSync(join(dir, 'onnx/model.onnx'), '');
  await expectLoadError(dir, 'corrupt-file', /empty/);
  writeFileSync(join(dir, 'onnx/model.onnx'), 'this is not an onnx model at all');
  await expectLoadError(dir, 'corrupt-file', /not an ONNX model|truncated/);
});

test('truncated external data', async () => {
  const dir = copyOf(genai);
  const data = join(dir, genai.externalDataFile!);
  truncateSync(data, Math.floor(statSync(data).size / 2));
  await expectLoadError(dir, 'corrupt-file', /model\.onnx\.data is \d+ bytes but tensor .* needs bytes up to \d+: the file is truncated/);
});

test('external data climbing out with ..', async () => {
  const dir = copyOf(genai);
  relocateExternalData(join(dir, 'model.onnx'), '../model.onnx.data');
  await expectLoadError(dir, 'unsafe-external-data', /climbs out of the model folder/);
});

test('external data at an absolute path', async () => {
  const dir = copyOf(genai);
  const outside = join(scratch, `outside-${counter++}.data`);
  cpSync(join(genai.dir, genai.externalDataFile!), outside);
  relocateExternalData(join(dir, 'model.onnx'), outside);
  await expectLoadError(dir, 'unsafe-external-data', /absolute path/);
});

test('external data that is a symbolic link to a file outside the folder', async () => {
  const dir = copyOf(genai);
  const outside = join(scratch, `outside-${counter++}.data`);
  renameSync(join(dir, genai.externalDataFile!), outside);
  symlinkSync(outside, join(dir, genai.externalDataFile!));
  await expectLoadError(dir, 'unsafe-external-data', /is a link to .*outside the model folder/);
});

test('a model file that is a symbolic link out of the folder', async () => {
  const dir = copyOf(optimum);
  const outside = join(scratch, `outside-${counter++}.onnx`);
  renameSync(join(dir, 'onnx/model.onnx'), outside);
  symlinkSync(outside, join(dir, 'onnx/model.onnx'));
  await expectLoadError(dir, 'unsafe-external-data', /outside the model folder/);
});

test('a symbolic link that stays inside the folder is fine', async () => {
  const dir = copyOf(genai);
  renameSync(join(dir, genai.externalDataFile!), join(dir, 'weights.bin'));
  symlinkSync('weights.bin', join(dir, genai.externalDataFile!));
  const engine = await Engine.load({ modelPath: dir, executionProvider: 'cpu', threads: 1 });
  await engine.dispose();
});

test('external data that is missing, or still downloading', async () => {
  const dir = copyOf(genai);
  const data = join(dir, genai.externalDataFile!);
  renameSync(data, `${data}.incomplete`);
  await expectLoadError(dir, 'incomplete-download', /still downloading/);
  rmSync(`${data}.incomplete`);
  await expectLoadError(dir, 'not-found', /does not exist in the model folder/);
});

test('a model file still named .incomplete', async () => {
  const dir = copyOf(optimum);
  renameSync(join(dir, 'onnx/model.onnx'), join(dir, 'onnx/model.onnx.incomplete'));
  await expectLoadError(dir, 'incomplete-download', /model\.onnx\.incomplete/);
});

/** A graph with the decoder's names but chosen element types (outputs are pass-throughs). */
function writeOddDecoder(path: string, types: { ids: ElementType; kv: ElementType; logits: ElementType }): void {
  const g = new GraphBuilder('odd');
  g.input('input_ids', types.ids, [1, 's']);
  g.input('attention_mask', 'int64', [1, 't']);
  g.input('position_ids', 'int64', [1, 's']);
  g.input('past_key_values.0.key', types.kv, [1, 2, 'p', 16]);
  g.input('past_key_values.0.value', types.kv, [1, 2, 'p', 16]);
  g.op('Cast', ['input_ids'], { attrs: { to: types.logits === 'float32' ? 1 : 6 }, output: 'logits' });
  g.output('logits', types.logits, [1, 's']);
  g.op('Identity', ['past_key_values.0.key'], { output: 'present.0.key' });
  g.op('Identity', ['past_key_values.0.value'], { output: 'present.0.value' });
  g.output('present.0.key', types.kv, [1, 2, 'p', 16]);
  g.output('present.0.value', types.kv, [1, 2, 'p', 16]);
  writeOnnxModel(g, path);
}

test('wrong dtypes: float input_ids, integer KV cache, integer logits', async () => {
  const dir = copyOf(optimum);
  const path = join(dir, 'onnx/model.onnx');
  writeOddDecoder(path, { ids: 'float32', kv: 'float32', logits: 'float32' });
  await expectLoadError(dir, 'unsupported-model', /"input_ids" must be int64 or int32, but the model declares float32/);
  writeOddDecoder(path, { ids: 'int64', kv: 'int32', logits: 'float32' });
  await expectLoadError(dir, 'unsupported-model', /"past_key_values\.0\.key" must be float32 or float16, but the model declares int32/);
  writeOddDecoder(path, { ids: 'int64', kv: 'float32', logits: 'int32' });
  await expectLoadError(dir, 'unsupported-model', /"logits" must be float32 or float16/);
});

test('a graph without a KV cache', async () => {
  const dir = copyOf(optimum);
  const g = new GraphBuilder('no_cache');
  g.input('input_ids', 'int64', [1, 's']);
  g.input('attention_mask', 'int64', [1, 's']);
  g.op('Cast', ['input_ids'], { attrs: { to: 1 }, output: 'logits' });
  g.output('logits', 'float32', [1, 's']);
  writeOnnxModel(g, join(dir, 'onnx/model.onnx'));
  await expectLoadError(dir, 'unsupported-model', /without a KV cache/);
});

test('webgpu that cannot start falls back to cpu and says why', async () => {
  const engine = await Engine.load({ modelPath: optimum.dir, executionProvider: 'webgpu', threads: 1 });
  try {
    assert.equal(engine.info.requestedProvider, 'webgpu');
    if (engine.info.executionProvider !== 'webgpu') {
      // The usual case on a machine without a usable GPU adapter (this project's CI).
      assert.equal(engine.info.executionProvider, 'cpu');
      assert.match(engine.info.fallbackReason ?? '', /webgpu failed: .+/);
    }
    // Whatever it runs on, it generates.
    let done = false;
    for await (const e of engine.generate({ kind: 'completion', prompt: { type: 'ids', ids: [1, 2, 3] }, maxNewTokens: 3, sampling: { greedy: true } })) done ||= e.type === 'done';
    assert.ok(done);
  } finally {
    await engine.dispose();
  }
});

test('a provider this build lacks is skipped with a reason; cpu means no fallback', async () => {
  const other = process.platform === 'win32' ? 'coreml' : 'dml';
  const engine = await Engine.load({ modelPath: optimum.dir, executionProvider: other, threads: 1 });
  assert.equal(engine.info.executionProvider, 'cpu');
  assert.match(engine.info.fallbackReason ?? '', new RegExp(`${other} is not available`));
  await engine.dispose();
  const cpu = await Engine.load({ modelPath: optimum.dir, executionProvider: 'cpu', threads: 1 });
  assert.equal(cpu.info.fallbackReason, undefined);
  await cpu.dispose();
});

test('bad load options are refused before any work', async () => {
  await assert.rejects(Engine.load({ modelPath: optimum.dir, threads: 0 }), /threads must be a positive integer/);
});
