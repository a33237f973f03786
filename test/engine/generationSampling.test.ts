// Sampling through the engine on the tiny random-weight model (its logits are spread out, unlike
// the scripted model's): same seed, same tokens; another seed, other tokens; greedy is argmax.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureModel } from '../helpers/fixtureModels';
import { Engine } from '../../engine/engine';
import type { GenerationEvent, SamplingOptions } from '../../engine/types';

let engine: Engine;

before(async () => {
  const fixture = await fixtureModel('tiny', 'optimum', 'q4');
  engine = await Engine.load({ modelPath: fixture.dir, executionProvider: 'cpu', threads: 1 });
});
after(async () => {
  await engine.dispose();
});

async function tokens(sampling: SamplingOptions): Promise<number[]> {
  let done: Extract<GenerationEvent, { type: 'done' }> | undefined;
  for await (const e of engine.generate({ kind: 'completion', prompt: { type: 'text', text: 'def main():' }, maxNewTokens: 24, sampling })) {
    if (e.type === 'done') done = e;
  }
  assert.ok(done);
  return done.tokenIds;
}

test('same seed, same tokens; another seed, other tokens', async () => {
  const a = await tokens({ temperature: 1.2, topP: 0.98, topK: 100, seed: 7 });
  const b = await tokens({ temperature: 1.2, topP: 0.98, topK: 100, seed: 7 });
  const c = await tokens({ temperature: 1.2, topP: 0.98, topK: 100, seed: 8 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('greedy decoding is deterministic and ignores the seed', async () => {
  assert.deepEqual(await tokens({ greedy: true, seed: 1 }), await tokens({ greedy: true, seed: 2 }));
});

test('a repetition penalty changes what a greedy-like low temperature picks', async () => {
  const plain = await tokens({ temperature: 0.01, seed: 3 });
  const penalised = await tokens({ temperature: 0.01, seed: 3, repetitionPenalty: 5 });
  assert.notDeepEqual(plain, penalised);
  // With a strong penalty no token repeats more often than without.
  const maxRepeat = (ids: number[]) => Math.max(...[...new Set(ids)].map((id) => ids.filter((x) => x === id).length));
  assert.ok(maxRepeat(penalised) <= maxRepeat(plain));
});
