// A rewrite that fails never leaves a model worse off than as exported: whether the rewrite throws
// or onnxruntime refuses its result, the engine logs why, runs the graph as exported with the same
// tokens, and notes the failure so the next load does not retry; a cached copy damaged on disk is
// written again rather than given up on. Faults are injected through R1_LOCAL_REWRITE_FAULT, which
// the engine honours only under the test runner (R1_LOCAL_TEST=1).
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../engine/engine';
import { greedyIds, realExports, scratchCopy } from '../helpers/realExports';

const sample = realExports().find((s) => s.name === 'optimum-q4')!;

afterEach(() => {
  delete process.env.R1_LOCAL_REWRITE_FAULT;
});

async function load(dir: string): Promise<Engine> {
  return Engine.load({ modelPath: dir, threads: 1, executionProvider: 'cpu' });
}

function sidecars(dir: string): string[] {
  return readdirSync(join(dir, 'onnx')).filter((n) => n.includes('.r1-rewrite-') && n.endsWith('.onnx.json'));
}

async function expectExportedTokens(engine: Engine): Promise<void> {
  try {
    assert.equal(engine.info.runtime.graph, 'as-exported');
    assert.equal(engine.info.runtime.kvCache, 'fetched');
    assert.deepEqual(await greedyIds(engine, sample.prompt, sample.tokens.length), sample.tokens);
  } finally {
    await engine.dispose();
  }
}

for (const [fault, why] of [
  ['throw', /could not be rewritten \(injected rewrite fault\)/],
  ['invalid', /onnxruntime refused the rewritten graph/],
] as const) {
  test(`a rewrite that ${fault === 'throw' ? 'throws' : 'onnxruntime refuses'} falls back to the graph as exported and is not retried`, async () => {
    assert.equal(process.env.R1_LOCAL_TEST, '1', 'the test runner sets R1_LOCAL_TEST');
    const copy = scratchCopy(sample);
    try {
      process.env.R1_LOCAL_REWRITE_FAULT = fault;
      const first = await load(copy.dir);
      assert.match(first.info.runtime.reason ?? '', why);
      await expectExportedTokens(first);
      const notes = sidecars(copy.dir);
      assert.equal(notes.length, 1);
      assert.equal(typeof JSON.parse(readFileSync(join(copy.dir, 'onnx', notes[0]), 'utf8')).failed, 'string', 'the failure is recorded next to the model');
      // The fault is gone, but the recorded failure stands until the engine's rewrite changes.
      delete process.env.R1_LOCAL_REWRITE_FAULT;
      const second = await load(copy.dir);
      assert.match(second.info.runtime.reason ?? '', /failed on an earlier load/);
      await expectExportedTokens(second);
    } finally {
      copy.remove();
    }
  });
}

test('a cached rewritten graph damaged on disk is written again, and the model stays on the fast path', async () => {
  const copy = scratchCopy(sample);
  try {
    await (await load(copy.dir)).dispose();
    const graph = readdirSync(join(copy.dir, 'onnx')).find((n) => n.includes('.r1-rewrite-') && n.endsWith('.onnx'))!;
    writeFileSync(join(copy.dir, 'onnx', graph), 'not an onnx model');
    const engine = await load(copy.dir);
    try {
      assert.deepEqual(engine.info.runtime, { graph: 'rewritten', kvCache: 'in-place' });
      assert.deepEqual(await greedyIds(engine, sample.prompt, sample.tokens.length), sample.tokens);
    } finally {
      await engine.dispose();
    }
  } finally {
    copy.remove();
  }
});
