// The skeleton of an .onnx file (onnxSkeleton.ts): the same model with large inline weights turned
// into references to their bytes in the original file; small tensors, nodes and metadata unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { ModelLoadError } from '../../engine/model/modelLoadError';
import { readOnnxSkeleton } from '../../engine/model/onnxSkeleton';
import { fixtureModel } from '../helpers/fixtureModels';

async function inlineFixture(): Promise<string> {
  const model = await fixtureModel('tiny', 'optimum', 'fp32');
  const dir = join(model.dir, 'onnx');
  return join(dir, readdirSync(dir).find((n) => n.endsWith('.onnx') && !n.includes('.r1-rewrite-'))!);
}

test('everything but the large inline bytes is kept, and those become references to where they lie', async () => {
  const path = await inlineFixture();
  const original = onnx.ModelProto.decode(readFileSync(path));
  const { bytes, movedInitializers } = await readOnnxSkeleton(path);
  const skeleton = onnx.ModelProto.decode(bytes);
  assert.ok(movedInitializers > 0);
  assert.equal(skeleton.graph!.initializer!.filter((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL).length, movedInitializers);
  assert.deepEqual(skeleton.graph!.node, original.graph!.node);
  assert.deepEqual(skeleton.graph!.input, original.graph!.input);
  assert.deepEqual(skeleton.graph!.output, original.graph!.output);
  assert.deepEqual(skeleton.opsetImport, original.opsetImport);
  for (const [i, t] of skeleton.graph!.initializer!.entries()) {
    const o = original.graph!.initializer![i];
    assert.equal(t.name, o.name);
    assert.deepEqual(t.dims, o.dims);
    assert.equal(t.dataType, o.dataType);
    if (t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) assert.ok(Buffer.from(t.rawData ?? []).equals(Buffer.from(o.rawData ?? [])), `${t.name} kept inline`);
  }
  assert.ok(bytes.length < statSync(path).size / 4);
});

test('a truncated file is reported as corrupt, not decoded half-way', async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'r1-skeleton-'));
  try {
    const copy = join(scratch, 'model.onnx');
    copyFileSync(await inlineFixture(), copy);
    truncateSync(copy, Math.floor(statSync(copy).size * 0.6));
    await assert.rejects(readOnnxSkeleton(copy), (err: unknown) => err instanceof ModelLoadError && err.code === 'corrupt-file');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
