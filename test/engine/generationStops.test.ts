// When generation ends, through the engine on the scripted model (greedy decoding emits a known
// script, then eos): eos, max new tokens, stop strings, abort between steps, time budget, and the
// one-request-at-a-time guard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureModel } from '../helpers/fixtureModels';
import { Engine } from '../../engine/engine';
import { SlotBusyError } from '../../engine/generation/prefixCache';
import type { FixtureModel } from '../../engine/fixtures';
import type { GenerationEvent, GenerationRequest } from '../../engine/types';

type Done = Extract<GenerationEvent, { type: 'done' }>;

let fixture: FixtureModel;
let engine: Engine;

before(async () => {
  fixture = await fixtureModel('scripted', 'optimum');
  engine = await Engine.load({ modelPath: fixture.dir, executionProvider: 'cpu', threads: 1 });
});
after(async () => {
  await engine.dispose();
});

const request = (extra: Partial<GenerationRequest> = {}): GenerationRequest => ({
  kind: 'completion',
  prompt: { type: 'ids', ids: [5, 6, 7] },
  maxNewTokens: 1000,
  sampling: { greedy: true },
  ...extra,
});

async function collect(events: AsyncIterable<GenerationEvent>, onDelta?: (count: number) => void): Promise<{ text: string; deltas: number; done: Done }> {
  let text = '';
  let deltas = 0;
  let done: Done | undefined;
  for await (const e of events) {
    if (e.type === 'done') done = e;
    else {
      text += e.text;
      deltas++;
      onDelta?.(deltas);
    }
  }
  assert.ok(done);
  return { text, deltas, done };
}

test('eos from generation_config ends the script; the eos token is reported but not shown', async () => {
  const { text, done } = await collect(engine.generate(request()));
  const script = fixture.script!;
  assert.equal(done.finishReason, 'eos');
  assert.deepEqual(done.tokenIds, [...script.tokenIds, fixture.specialTokens.eos]);
  assert.equal(text, script.text);
  assert.equal(done.stats.generatedTokens, script.tokenIds.length + 1);
  assert.equal(done.stats.promptTokens, 3);
  assert.equal(done.stats.executionProvider, 'cpu');
  assert.ok(done.stats.decodeTokPerS > 0 && done.stats.prefillTokPerS > 0);
});

test('max new tokens', async () => {
  const { done } = await collect(engine.generate(request({ maxNewTokens: 5 })));
  assert.equal(done.finishReason, 'length');
  assert.deepEqual(done.tokenIds, fixture.script!.tokenIds.slice(0, 5));
});

test('a stop string ends generation and is never shown, even split across tokens', async () => {
  const stop = 'function add';
  const { text, done } = await collect(engine.generate(request({ stop: [stop] })));
  assert.equal(done.finishReason, 'stop');
  const script = fixture.script!.text;
  assert.equal(text, script.slice(0, script.indexOf(stop)));
});

test('a stop string that never appears changes nothing', async () => {
  const { text, done } = await collect(engine.generate(request({ stop: ['no such text'] })));
  assert.equal(done.finishReason, 'eos');
  assert.equal(text, fixture.script!.text);
});

test('aborting while a delta is being handled stops before the next model step', async () => {
  const controller = new AbortController();
  const { deltas, done } = await collect(engine.generate(request(), controller.signal), (n) => {
    if (n === 3) controller.abort();
  });
  assert.equal(done.finishReason, 'aborted');
  assert.equal(deltas, 3);
  assert.equal(done.stats.generatedTokens, 3);
});

test('an abort from a timer is seen between steps (the loop yields to the event loop)', async () => {
  const controller = new AbortController();
  const { done } = await collect(engine.generate(request(), controller.signal), (n) => {
    if (n === 1) setTimeout(() => controller.abort(), 0);
  });
  assert.equal(done.finishReason, 'aborted');
  assert.ok(done.stats.generatedTokens < fixture.script!.tokenIds.length, `stopped after ${done.stats.generatedTokens} tokens`);
});

test('an already aborted signal produces no tokens', async () => {
  const { deltas, done } = await collect(engine.generate(request(), AbortSignal.abort()));
  assert.equal(done.finishReason, 'aborted');
  assert.equal(deltas, 0);
  assert.deepEqual(done.tokenIds, []);
});

test('a spent time budget stops with finish reason time', async () => {
  const { done } = await collect(engine.generate(request({ timeBudgetMs: 0 })));
  assert.equal(done.finishReason, 'time');
  assert.equal(done.stats.generatedTokens, 0);
});

test('a spent decode time budget still lets the first token out, then stops with finish reason time', async () => {
  const { done } = await collect(engine.generate(request({ decodeTimeBudgetMs: 0 })));
  assert.equal(done.finishReason, 'time');
  assert.equal(done.stats.generatedTokens, 1);
});

test('a second generation in the same slot is refused while the first is alive; the first finishes normally', async () => {
  const first = engine.generate(request({ maxNewTokens: 4 }));
  const firstEvent = await first.next();
  assert.equal(firstEvent.value?.type, 'delta');
  assert.equal(engine.busy, true);
  await assert.rejects(engine.generate(request()).next(), (err: unknown) => err instanceof SlotBusyError && err.slot === 'completion');
  let last: GenerationEvent | undefined;
  for await (const e of first) last = e;
  assert.equal(last?.type, 'done');
  assert.equal(engine.busy, false);
});

test('generations in different slots interleave step by step with the same output as alone', async () => {
  const chat = request({ slot: 'chat', prompt: { type: 'ids', ids: [9, 8, 7, 6] }, maxNewTokens: 30 });
  const completion = request({ slot: 'completion', maxNewTokens: 20 });
  const alone = async (r: GenerationRequest) => (await collect(engine.generate(r))).done.tokenIds;
  const expectedChat = await alone(chat);
  const expectedCompletion = await alone(completion);

  // Pull one event from each in turn, as the engine host does when a completion preempts a chat.
  const a = engine.generate(chat);
  const b = engine.generate(completion);
  const ends: Record<string, Done | undefined> = {};
  for (let turn = 0; !(ends.a && ends.b); turn++) {
    const [name, stream] = turn % 2 === 0 ? (['a', a] as const) : (['b', b] as const);
    if (ends[name]) continue;
    const next = await stream.next();
    if (!next.done && next.value.type === 'done') ends[name] = next.value;
  }
  assert.deepEqual(ends.a!.tokenIds, expectedChat);
  assert.deepEqual(ends.b!.tokenIds, expectedCompletion);
  assert.equal(engine.busy, false);
});

test('a generation stopped early by its consumer frees its slot', async () => {
  const stream = engine.generate(request());
  await stream.next();
  await stream.return(undefined);
  assert.equal(engine.busy, false);
  const { done } = await collect(engine.generate(request({ maxNewTokens: 3 })));
  assert.equal(done.finishReason, 'length');
});

test('bad requests get clear errors', async () => {
  await assert.rejects(engine.generate(request({ maxNewTokens: 0 })).next(), /maxNewTokens must be a positive integer/);
  await assert.rejects(engine.generate(request({ prompt: { type: 'ids', ids: [] } })).next(), /no token ids/);
  await assert.rejects(engine.generate(request({ prompt: { type: 'ids', ids: [1, 10 ** 9] } })).next(), /outside the vocabulary/);
  await assert.rejects(engine.generate(request({ prompt: { type: 'ids', ids: new Array(5000).fill(1) } })).next(), /context holds 4096/);
  // The engine is still usable afterwards.
  const { done } = await collect(engine.generate(request({ maxNewTokens: 2 })));
  assert.equal(done.finishReason, 'length');
});

test('dispose during a generation ends it as aborted without another model step', async () => {
  const own = await Engine.load({ modelPath: fixture.dir, executionProvider: 'cpu', threads: 1 });
  const stream = own.generate(request());
  await stream.next();
  await own.dispose();
  let done: Done | undefined;
  for await (const e of stream) if (e.type === 'done') done = e;
  assert.equal(done?.finishReason, 'aborted');
  await assert.rejects(own.generate(request()).next(), /disposed/);
});
