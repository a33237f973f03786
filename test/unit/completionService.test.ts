import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompletionService, type CompletionQuery, type CompletionStatus } from '../../extension/core/completion/completionService';
import { DEFAULT_COMPLETION_SETTINGS, type CompletionSettings } from '../../extension/core/completion/completionSettings';
import { stringSource } from '../../extension/core/completion/textSource';
import { CONTINUATION_MODEL, FakeClock, FakeEngine, settle } from './completionFakes';

const doc = 'function total(items) {\n  let sum = 0;\n  ';

function setup(overrides: Partial<CompletionSettings> = {}) {
  const clock = new FakeClock();
  const engine = new FakeEngine();
  const settings = { ...DEFAULT_COMPLETION_SETTINGS, ...overrides };
  const service = new CompletionService({ backend: engine, clock, settings: () => settings });
  const statuses: CompletionStatus[] = [];
  service.onDidChangeStatus((s) => statuses.push(s));
  let version = 0;
  let current: AbortController | undefined;
  /** Like VS Code: a new request cancels the previous one's token. */
  const ask = (text: string, extra: Partial<CompletionQuery> = {}) => {
    current?.abort();
    const controller = new AbortController();
    current = controller;
    const query: CompletionQuery = {
      document: 'file:///total.js',
      version: ++version,
      text: stringSource(text),
      offset: text.length,
      languageId: 'javascript',
      cursorCount: 1,
      ...extra,
    };
    return { promise: service.provide(query, controller.signal), controller };
  };
  /** Asks for `text`, lets the debounce pass and the model start writing `generated`: the run in flight. */
  const running = async (text: string, generated: string) => {
    ask(text);
    await clock.advance(250);
    const run = engine.last;
    run.delta(generated);
    await settle();
    return run;
  };
  return { clock, engine, service, statuses, settings, ask, running };
}

test('debounce: only the newest of quick keystrokes reaches the model, with the completion request shape', async () => {
  const { clock, engine, ask } = setup();
  const first = ask(doc + 'f');
  await clock.advance(100);
  const second = ask(doc + 'fo');
  await clock.advance(100);
  const third = ask(doc + 'for');
  await clock.advance(249);
  assert.equal(engine.runs.length, 0, 'still inside the debounce window');
  await clock.advance(1);
  assert.equal(engine.runs.length, 1);
  assert.equal(await first.promise, undefined);
  assert.equal(await second.promise, undefined);

  const run = engine.last;
  assert.deepEqual(run.request.prompt, { type: 'text', text: doc + 'for' });
  assert.equal(run.request.kind, 'completion');
  assert.equal(run.request.slot, 'completion');
  assert.equal(run.request.suppressThinking, true);
  assert.equal(run.request.maxNewTokens, 64);
  assert.equal(run.request.decodeTimeBudgetMs, 1500, 'the budget bounds decoding after the first token');
  assert.equal(run.request.timeBudgetMs, undefined, 'the prefill is not under the budget');
  assert.deepEqual(run.request.sampling, { greedy: true });

  run.delta(' (const item of items) sum += item;');
  run.delta('\n  return sum;\n}\n');
  run.finish('eos');
  const answer = await third.promise;
  assert.equal(answer?.source, 'model');
  assert.equal(answer?.text, ' (const item of items) sum += item;\n  return sum;\n}');
  assert.equal(answer?.latencyMs, 250, 'fake time from the keystroke to the answer');
});

test('typing the characters of a shown suggestion is answered from the cache without a model run', async () => {
  const { clock, engine, ask } = setup();
  const q = ask(doc + 'return');
  await clock.advance(250);
  engine.last.delta(' sum;');
  engine.last.finish('eos');
  assert.equal((await q.promise)?.text, ' sum;');
  const next = await ask(doc + 'return s').promise;
  assert.deepEqual([next?.text, next?.source], ['um;', 'cache']);
  assert.equal(engine.runs.length, 1);
});

test('a run generating what the user types is reused instead of restarted', async () => {
  const { clock, engine, ask, statuses } = setup();
  const q1 = ask(doc + 'return');
  await clock.advance(250);
  const run = engine.last;
  run.delta(' s');
  await settle();
  // Typed what was generated, and then ahead of it.
  const q2 = ask(doc + 'return s');
  const q3 = ask(doc + 'return sum');
  await clock.advance(1000);
  assert.equal(engine.runs.length, 1, 'no second run');
  assert.equal(run.signal.aborted, false);
  run.delta('um * 2;');
  run.finish('eos');
  assert.equal(await q1.promise, undefined);
  assert.equal(await q2.promise, undefined, 'superseded by q3');
  const answer = await q3.promise;
  assert.deepEqual([answer?.text, answer?.source], [' * 2;', 'inflight']);
  assert.ok(statuses.some((s) => s.type === 'running' && s.running));
  assert.deepEqual(statuses.at(-1), { type: 'answered', answer });
});

test('typing something else cancels the running request; never two runs at once', async () => {
  const { clock, engine, ask, running } = setup();
  const first = await running(doc + 'return', ' sum');
  const q = ask(doc + 'return x');
  assert.equal(first.signal.aborted, true, 'cancelled as soon as it cannot match');
  await clock.advance(250);
  assert.equal(engine.runs.length, 2);
  assert.ok(first.ended && engine.active === 1);
  engine.last.delta(' + 1;');
  engine.last.finish('eos');
  assert.equal((await q.promise)?.text, ' + 1;');
});

test('a request nobody waits for any more is cancelled after a grace period', async () => {
  const { clock, engine, ask } = setup();
  const q = ask(doc + 'return');
  await clock.advance(250);
  const run = engine.last;
  q.controller.abort(); // the editor gave up (cursor moved away), no new keystroke follows
  assert.equal(await q.promise, undefined);
  assert.equal(run.signal.aborted, false, 'a following keystroke could still adopt it');
  await clock.advance(250);
  assert.equal(run.signal.aborted, true);
  await settle();
  assert.ok(run.ended);
});

test('a result is never shown for a superseded document state', async () => {
  const { clock, engine, ask } = setup();
  const q1 = ask(doc + 'return');
  await clock.advance(250);
  const run = engine.last;
  // A newer request that is skipped (two cursors) still supersedes the old one.
  const q2 = ask(doc + 'return', { cursorCount: 2 });
  run.delta(' sum;');
  run.finish('eos');
  assert.equal(await q1.promise, undefined);
  assert.equal(await q2.promise, undefined);
});

test('multi-line generation stops at the end of the block', async () => {
  const { clock, engine, ask } = setup();
  const q = ask(doc);
  await clock.advance(250);
  const run = engine.last;
  run.delta('for (const item of items) sum += item;\n  return sum;\n}\n');
  await settle();
  run.delta('\nfunction other() {');
  await settle();
  assert.equal(run.signal.aborted, true, 'the model is stopped once the next function starts');
  assert.equal((await q.promise)?.text, 'for (const item of items) sum += item;\n  return sum;\n}');
});

test('a time-budget stop shows the whole lines ready so far', async () => {
  const { clock, engine, ask } = setup();
  const q = ask(doc);
  await clock.advance(250);
  engine.last.delta('sum += items[0];\n  sum += it');
  engine.last.finish('time');
  assert.equal((await q.promise)?.text, 'sum += items[0];');
});

test('engine errors are reported and give no suggestion', async () => {
  const clock = new FakeClock();
  const failing = new CompletionService({
    backend: {
      capabilities: CONTINUATION_MODEL,
      prepare: async () => CONTINUATION_MODEL,
      generate: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('host crashed')) }) }),
    },
    clock,
    settings: () => DEFAULT_COMPLETION_SETTINGS,
  });
  const errors: unknown[] = [];
  failing.onDidChangeStatus((s) => s.type === 'error' && errors.push(s.error));
  const query = { document: 'd', version: 1, text: stringSource('x = '), offset: 4, languageId: 'js', cursorCount: 1 };
  const pending = failing.provide(query, new AbortController().signal);
  await clock.advance(250);
  assert.equal(await pending, undefined);
  assert.match(String(errors[0]), /host crashed/);
  failing.dispose();
});

test('disabled completions and disabled languages never reach the model', async () => {
  const off = setup({ enabled: false });
  assert.equal(await off.ask(doc).promise, undefined);
  assert.equal(off.clock.pendingTimers, 0);
  const md = setup({ disabledLanguages: ['javascript'] });
  assert.equal(await md.ask(doc).promise, undefined);
  assert.deepEqual(md.statuses, [{ type: 'skipped', reason: 'disabled-language' }]);
  await md.clock.advance(1000);
  assert.equal(md.engine.runs.length + off.engine.runs.length, 0);
});

test('a manual trigger skips the debounce', async () => {
  const { engine, ask } = setup();
  const q = ask(doc, { manual: true });
  await settle();
  await settle();
  assert.equal(engine.runs.length, 1);
  engine.last.delta('return sum;');
  engine.last.finish('eos');
  assert.equal((await q.promise)?.text, 'return sum;');
});

test('a reused run that ends where the user is now leads to a new run, debounced from the keystroke', async () => {
  const { clock, engine, ask, running } = setup();
  const first = await running(doc + 'return', ' s');
  const q = ask(doc + 'return s'); // matches what was generated: adopted
  await clock.advance(300);
  first.finish('eos'); // nothing beyond what was typed
  await settle();
  await settle();
  // The keystroke was 300 ms ago, longer than the debounce: the new run starts at once.
  assert.equal(engine.runs.length, 2);
  assert.deepEqual(engine.last.request.prompt, { type: 'text', text: doc + 'return s' });
  engine.last.delta('um;');
  engine.last.finish('eos');
  assert.deepEqual([(await q.promise)?.text, (await q.promise)?.source], ['um;', 'model']);
});
