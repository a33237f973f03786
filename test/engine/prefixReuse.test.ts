// Prefix reuse through the engine: a request that shares a prefix with the slot's cached sequence
// prefills only the new tokens and still produces exactly the greedy tokens of a cold run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureModel } from '../helpers/fixtureModels';
import { Engine } from '../../engine/engine';
import { commonPrefixLength } from '../../engine/generation/prefixCache';
import type { GenerationEvent, GenerationRequest } from '../../engine/types';

type Done = Extract<GenerationEvent, { type: 'done' }>;

async function run(engine: Engine, request: GenerationRequest): Promise<Done> {
  let done: Done | undefined;
  for await (const e of engine.generate(request)) if (e.type === 'done') done = e;
  assert.ok(done, 'a done event');
  return done;
}

const ids = (ids: number[], slot = 'completion'): GenerationRequest => ({ kind: 'completion', slot, prompt: { type: 'ids', ids }, maxNewTokens: 12, sampling: { greedy: true } });

const BASE = Array.from({ length: 40 }, (_, i) => (i * 13 + 5) % 450);

for (const style of ['optimum', 'genai'] as const) {
  let warm: Engine;
  let cold: Engine;
  before(async () => {
    const fixture = await fixtureModel('tiny', style, 'fp32');
    warm = await Engine.load({ modelPath: fixture.dir, executionProvider: 'cpu', threads: 1, prefillChunkTokens: 16 });
    cold = await Engine.load({ modelPath: fixture.dir, executionProvider: 'cpu', threads: 1, maxCacheSlots: 1 });
  });
  after(async () => {
    await warm.dispose();
    await cold.dispose();
  });

  const coldRun = async (prompt: number[]): Promise<Done> => {
    cold.dropSlot('completion');
    return run(cold, ids(prompt));
  };

  test(`${style}: an extended prompt prefills only the new tokens and matches a cold run`, async () => {
    const first = await run(warm, ids(BASE));
    assert.equal(first.stats.prefilledTokens, BASE.length);
    assert.equal(first.stats.reusedTokens, 0);

    // The user typed on: the new prompt is the old one plus 5 tokens.
    const extended = [...BASE, 17, 18, 19, 20, 21];
    const second = await run(warm, ids(extended));
    assert.equal(second.stats.reusedTokens, BASE.length);
    assert.equal(second.stats.prefilledTokens, 5);
    assert.deepEqual(second.tokenIds, (await coldRun(extended)).tokenIds);
  });

  test(`${style}: a prompt that diverges rolls back to the common prefix`, async () => {
    await run(warm, ids(BASE));
    const edited = [...BASE.slice(0, 25), 99, 98, 97];
    const result = await run(warm, ids(edited));
    assert.equal(result.stats.reusedTokens, 25);
    assert.equal(result.stats.prefilledTokens, 3);
    assert.deepEqual(result.tokenIds, (await coldRun(edited)).tokenIds);
  });

  test(`${style}: the same prompt again re-runs only its last token`, async () => {
    const a = await run(warm, ids(BASE));
    const b = await run(warm, ids(BASE));
    assert.equal(b.stats.prefilledTokens, 1);
    assert.equal(b.stats.reusedTokens, BASE.length - 1);
    assert.deepEqual(b.tokenIds, a.tokenIds);
  });

  test(`${style}: a prompt that continues into the previous output reuses the generated tokens too`, async () => {
    const a = await run(warm, ids(BASE));
    // Accepting the completion and typing on: prompt = old prompt + accepted output + more.
    const accepted = [...BASE, ...a.tokenIds.slice(0, 6), 42];
    const b = await run(warm, ids(accepted));
    assert.equal(b.stats.reusedTokens, BASE.length + 6);
    assert.equal(b.stats.prefilledTokens, 1);
    assert.deepEqual(b.tokenIds, (await coldRun(accepted)).tokenIds);
  });

  test(`${style}: slots are independent`, async () => {
    await run(warm, ids(BASE, 'a'));
    const other = await run(warm, ids([...BASE.slice(0, 10), 1, 2], 'b'));
    assert.equal(other.stats.reusedTokens, 0);
    const back = await run(warm, ids([...BASE, 3], 'a'));
    assert.equal(back.stats.reusedTokens, BASE.length);
  });
}

test('commonPrefixLength', () => {
  assert.equal(commonPrefixLength([], [1]), 0);
  assert.equal(commonPrefixLength([1, 2, 3], [1, 2, 4]), 2);
  assert.equal(commonPrefixLength([1, 2], [1, 2, 3]), 2);
});
