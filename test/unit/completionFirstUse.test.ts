// First use of inline completions: a query that arrives while the model is still loading waits for
// the load and is then answered; cancelling or superseding it ends the wait at once; one load is
// shared by every waiting query; the status stream says a load is in progress.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackendCapabilities } from '../../extension/core/generationBackend';
import type { CompletionBackend } from '../../extension/core/completion/completionBackend';
import { CompletionService, type CompletionQuery, type CompletionStatus } from '../../extension/core/completion/completionService';
import { DEFAULT_COMPLETION_SETTINGS } from '../../extension/core/completion/completionSettings';
import { stringSource } from '../../extension/core/completion/textSource';
import { CONTINUATION_MODEL, FakeClock, FakeEngine, settle } from './completionFakes';

const doc = 'function total(items) {\n  let sum = 0;\n  ';
const fimModel: BackendCapabilities = {
  modelName: 'Qwen/Qwen2.5-Coder-0.5B',
  fim: { prefix: '<|fim_prefix|>', suffix: '<|fim_suffix|>', middle: '<|fim_middle|>' },
  reasoning: false,
  tokenCount: false,
};

/** A backend whose model load the test finishes (or fails) by hand, counting the loads asked for. */
function manualLoad(engine: FakeEngine) {
  let finish!: (caps: BackendCapabilities) => void;
  let fail!: (error: Error) => void;
  let loaded: BackendCapabilities | undefined;
  let pending: Promise<BackendCapabilities> | undefined;
  const load = {
    calls: 0,
    backend: {
      generate: (request, signal) => engine.generate(request, signal),
      get capabilities() {
        return loaded;
      },
      prepare: () => {
        load.calls++;
        pending ??= new Promise<BackendCapabilities>((resolve, reject) => {
          finish = (caps) => {
            loaded = caps;
            resolve(caps);
          };
          fail = reject;
        });
        return pending;
      },
    } satisfies CompletionBackend,
    finish: (caps: BackendCapabilities = CONTINUATION_MODEL) => finish(caps),
    fail: (error: Error) => fail(error),
  };
  return load;
}

function setup() {
  const clock = new FakeClock();
  const engine = new FakeEngine();
  const load = manualLoad(engine);
  const service = new CompletionService({ backend: load.backend, clock, settings: () => DEFAULT_COMPLETION_SETTINGS });
  const statuses: CompletionStatus[] = [];
  service.onDidChangeStatus((s) => statuses.push(s));
  let version = 0;
  let current: AbortController | undefined;
  /** Like VS Code: a new request cancels the previous one's token. */
  const ask = (text: string) => {
    current?.abort();
    const controller = new AbortController();
    current = controller;
    const query: CompletionQuery = { document: 'file:///total.js', version: ++version, text: stringSource(text), offset: text.length, languageId: 'javascript', cursorCount: 1 };
    return { promise: service.provide(query, controller.signal), controller };
  };
  const loadingStatuses = () => statuses.filter((s) => s.type === 'loading').map((s) => (s.type === 'loading' ? s.loading : undefined));
  return { clock, engine, load, service, statuses, loadingStatuses, ask };
}

test('a query made while the model loads waits for the load, then runs and is answered', { timeout: 10_000 }, async () => {
  const { clock, engine, load, service, loadingStatuses, ask } = setup();
  const q = ask(doc);
  assert.equal(load.calls, 1, 'the load starts with the query, overlapping the debounce');
  assert.deepEqual(loadingStatuses(), [true]);
  await clock.advance(5_000); // debounce over, model still loading
  assert.equal(engine.runs.length, 0, 'no run before the model is there');

  load.finish(fimModel);
  await settle();
  assert.equal(engine.runs.length, 1);
  assert.deepEqual(loadingStatuses(), [true, false]);
  // The prompt is built for the model that was loaded: fill-in-the-middle for a coder model.
  const prompt = engine.last.request.prompt;
  assert.ok(prompt.type === 'text' && prompt.text.startsWith('<|fim_prefix|>'), JSON.stringify(prompt));
  engine.last.delta('return sum;');
  engine.last.finish('eos');
  const answer = await q.promise;
  assert.deepEqual([answer?.text, answer?.source], ['return sum;', 'model']);
  assert.equal(answer?.latencyMs, 5_000, 'the wait for the load is part of the latency');
  service.dispose();
});

test('cancelling a query that waits for the load ends it at once; the load carries on for the next', { timeout: 10_000 }, async () => {
  const { clock, engine, load, service, ask } = setup();
  const q = ask(doc);
  await clock.advance(250);
  q.controller.abort();
  assert.equal(await q.promise, undefined, 'answered without waiting for the load');
  load.finish();
  await settle();
  assert.equal(engine.runs.length, 0, 'a cancelled query starts no run once the model is there');

  const next = ask(doc + 'r');
  await clock.advance(250);
  assert.equal(engine.runs.length, 1, 'the next query uses the loaded model');
  engine.last.delta('eturn sum;');
  engine.last.finish('eos');
  assert.equal((await next.promise)?.text, 'eturn sum;');
  service.dispose();
});

test('keystrokes during the load share one load; only the newest query runs, once', { timeout: 10_000 }, async () => {
  const { clock, engine, load, service, loadingStatuses, ask } = setup();
  const first = ask(doc + 'r');
  await clock.advance(250); // this one waits for the load
  const second = ask(doc + 're');
  await clock.advance(100);
  const third = ask(doc + 'ret');
  assert.equal(await first.promise, undefined);
  assert.equal(await second.promise, undefined);
  await clock.advance(250);
  assert.equal(load.calls, 1, 'one load for every query that arrived while it ran');
  load.finish();
  await settle();
  assert.equal(engine.runs.length, 1);
  assert.deepEqual(engine.last.request.prompt, { type: 'text', text: doc + 'ret' });
  engine.last.delta('urn sum;');
  engine.last.finish('eos');
  assert.equal((await third.promise)?.text, 'urn sum;');
  assert.deepEqual(loadingStatuses(), [true, false]);
  service.dispose();
});

test('a failed load still runs the request, so the engine reports the failure with its code', { timeout: 10_000 }, async () => {
  const { clock, engine, load, service, loadingStatuses, ask } = setup();
  const q = ask(doc);
  await clock.advance(250);
  load.fail(new Error('no model configured'));
  await settle();
  assert.equal(engine.runs.length, 1, 'the generation is where the error surfaces');
  assert.deepEqual(loadingStatuses(), [true, false]);
  engine.last.finish('eos');
  assert.equal(await q.promise, undefined);
  service.dispose();
});

test('a loaded model gives no loading status', { timeout: 10_000 }, async () => {
  const { clock, engine, load, service, loadingStatuses, ask } = setup();
  const q = ask(doc);
  load.finish();
  await clock.advance(250);
  engine.last.finish('eos');
  await q.promise;
  const again = ask(doc + 'x');
  await clock.advance(250);
  engine.last.finish('eos');
  await again.promise;
  assert.deepEqual(loadingStatuses(), [true, false], 'only the first query waited');
  service.dispose();
});
