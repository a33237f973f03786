// The table of onnxruntime versions known to map packed weights wrongly, and the scan of a graph
// file's MatMulNBits accuracy levels it is matched against (prepackedMismaps.ts): the levels come
// from the file onnxruntime loads, in memory or with positioned reads alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { KNOWN_MISMAPS, knownMismap, matMulNBitsLevels } from '../../engine/runtime/prepackedMismaps';
import { fixtureModel } from '../helpers/fixtureModels';
import { realExports } from '../helpers/realExports';

test('onnxruntime 1.30.0 is known to mis-map accuracy-level-4 packing; other versions and level 0 are not', () => {
  const reason = 'onnxruntime 1.30.0 maps accuracy-level-4 packed weights wrongly; packed on the heap';
  assert.equal(knownMismap('1.30.0', new Set([4])), reason);
  assert.equal(knownMismap('1.30.0', new Set([0, 4])), reason, 'one node at level 4 is enough');
  assert.equal(knownMismap('1.30.0', new Set([0])), undefined);
  assert.equal(knownMismap('1.30.0', new Set()), undefined, 'no MatMulNBits: nothing known');
  for (const version of ['1.29.1', '1.30.1', '1.31.0']) assert.equal(knownMismap(version, new Set([4])), undefined, version);
  assert.equal(knownMismap('9.9.9', new Set([4]), [...KNOWN_MISMAPS, { versions: ['9.9.9'], accuracyLevel: 4, what: 'x' }]), 'onnxruntime 9.9.9 x; packed on the heap');
});

test('the MatMulNBits accuracy levels of the real exports as downloaded, read whole or with positioned reads', async () => {
  const want: Record<string, number[]> = {
    'genai-cpu-int4': [4],
    'genai-gpu-int4-fp16': [0],
    'optimum-q4': [0],
    'community-gqa-q4': [0],
    'optimum-q4f16': [0],
  };
  for (const s of realExports().filter((e) => e.name in want)) {
    const path = join(s.dir, s.modelFile);
    assert.deepEqual([...(await matMulNBitsLevels(path))], want[s.name], s.name);
    assert.deepEqual([...(await matMulNBitsLevels(path, 0))], want[s.name], `${s.name}, positioned reads`);
  }
});

test('the levels of generated graphs: 4-bit at level 4, float32 without MatMulNBits', async () => {
  const q4 = await fixtureModel('tiny', 'genai', 'q4');
  assert.deepEqual([...(await matMulNBitsLevels(join(q4.dir, q4.onnxFile)))], [4]);
  const fp32 = await fixtureModel('scripted', 'optimum', 'fp32');
  assert.deepEqual([...(await matMulNBitsLevels(join(fp32.dir, fp32.onnxFile)))], []);
});
