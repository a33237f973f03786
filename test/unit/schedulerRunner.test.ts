// The host runner applying the scheduling policy, with a scripted in-memory engine: proves the
// order of model steps, pausing, superseding, cancellation and the answers sent back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GenerationEvent, GenerationRequest, ModelInfo } from '../../engine/types';
import type { HostMessage } from '../../engine/host/protocol';
import { HostRunner, type RunnerEngine } from '../../engine/host/hostRunner';

const info: ModelInfo = {
  modelPath: '/models/fake',
  style: 'optimum',
  onnxFile: 'onnx/model.onnx',
  executionProvider: 'cpu',
  requestedProvider: 'auto',
  threads: 1,
  vocabSize: 10,
  contextLength: 64,
  kvDtype: 'float32',
  numLayers: 1,
  runtime: { graph: 'rewritten', kvCache: 'in-place' },
  loadMs: 0,
};

const stats = {
  promptTokens: 1, prefilledTokens: 1, reusedTokens: 0, generatedTokens: 0, reasoningTokens: 0,
  ttftMs: 0, prefillTokPerS: 0, decodeTokPerS: 0, totalMs: 0, executionProvider: 'cpu',
};

/** Emits `maxNewTokens` one-letter deltas (the prompt text's first letter), one per step. */
class FakeEngine implements RunnerEngine {
  readonly info = info;
  /** Refuses a second generation while one is open, as the engine does for a busy KV slot. */
  exclusive = false;
  private open = 0;
  readonly steps: string[] = [];
  readonly freed: string[] = [];
  disposed = false;

  async *generate(request: GenerationRequest, signal: AbortSignal): AsyncGenerator<GenerationEvent> {
    const name = request.prompt.type === 'text' ? request.prompt.text : '?';
    const ids: number[] = [];
    if (this.exclusive && this.open > 0) throw new Error('KV-cache slot "x" is in use by a running generation');
    this.open++;
    try {
      for (let i = 0; i < request.maxNewTokens; i++) {
        if (signal.aborted) break;
        await new Promise((r) => setImmediate(r));
        this.steps.push(name);
        ids.push(i);
        yield { type: 'delta', channel: 'answer', text: name, tokenIds: [i] };
      }
      yield { type: 'done', finishReason: signal.aborted ? 'aborted' : 'length', reasoningUnterminated: false, reasoningBudgetForced: false, tokenIds: ids, stats };
    } finally {
      this.open--;
      this.freed.push(name);
    }
  }

  dispose(): void {
    this.disposed = true;
  }
}

function setup(maxQueued = 8, coalesceMs = 0) {
  const engine = new FakeEngine();
  const messages: HostMessage[] = [];
  const waiters: Array<() => void> = [];
  const runner = new HostRunner({
    loadEngine: async (o) => {
      if (o.modelPath === '/missing') throw Object.assign(new Error('no such folder'), { code: 'not-found' });
      return engine;
    },
    send: (m) => {
      messages.push(m);
      waiters.splice(0).forEach((w) => w());
    },
    maxQueued,
    coalesceMs,
    rssBytes: () => 1,
  });
  const ended = (id: number) =>
    messages.some(
      (m) => ((m.type === 'error' || m.type === 'result') && m.id === id) || (m.type === 'event' && m.id === id && m.event.type === 'done'),
    );
  async function until(check: () => boolean): Promise<void> {
    for (let i = 0; i < 10_000 && !check(); i++) await new Promise<void>((r) => waiters.push(r));
    assert.ok(check(), 'condition not reached');
  }
  const text = (id: number) =>
    messages.filter((m) => m.type === 'event' && m.id === id && m.event.type === 'delta').map((m) => (m.type === 'event' && m.event.type === 'delta' ? m.event.text : '')).join('');
  const errorOf = (id: number) => {
    const m = messages.find((x) => x.type === 'error' && x.id === id);
    return m?.type === 'error' ? m.error : undefined;
  };
  const gen = (id: number, kind: GenerationRequest['kind'], name: string, n: number) =>
    runner.handle({ type: 'generate', id, request: { kind, prompt: { type: 'text', text: name }, maxNewTokens: n } });
  return { engine, messages, runner, until, ended, text, errorOf, gen };
}

async function loaded(maxQueued?: number, coalesceMs?: number) {
  const t = setup(maxQueued, coalesceMs);
  t.runner.handle({ type: 'load', id: 100, options: { modelPath: '/models/fake' } });
  await t.until(() => t.messages.some((m) => m.type === 'result' && m.id === 100));
  return t;
}

test('generate before any load answers no_model', () => {
  const t = setup();
  t.gen(1, 'chat', 'c', 3);
  assert.equal(t.errorOf(1)?.code, 'no_model');
});

test('a failed load answers load_failed and leaves the host usable', async () => {
  const t = setup();
  t.runner.handle({ type: 'load', id: 1, options: { modelPath: '/missing' } });
  await t.until(() => t.ended(1));
  assert.deepEqual(t.errorOf(1), { code: 'load_failed', message: 'no such folder', detail: 'not-found' });
  assert.equal(t.runner.status().modelState, 'unloaded');
});

test('a request sent right after load waits for the load instead of failing', async () => {
  const t = setup();
  t.runner.handle({ type: 'load', id: 1, options: { modelPath: '/models/fake' } });
  t.gen(2, 'chat', 'c', 2);
  await t.until(() => t.ended(2));
  assert.equal(t.text(2), 'cc');
});

test('a completion arriving mid-chat runs to the end before the chat resumes, and the chat text is unchanged', async () => {
  const t = await loaded();
  t.gen(1, 'chat', 'c', 6);
  await t.until(() => t.text(1).length >= 2);
  t.gen(2, 'completion', 'k', 3);
  await t.until(() => t.ended(1) && t.ended(2));
  const steps = t.engine.steps.join('');
  assert.match(steps, /^c+kkkc+$/, `steps interleaved: ${steps}`);
  assert.equal(t.text(1), 'cccccc');
  assert.equal(t.text(2), 'kkk');
  const kDone = t.messages.findIndex((m) => m.type === 'event' && m.id === 2 && m.event.type === 'done');
  const cDone = t.messages.findIndex((m) => m.type === 'event' && m.id === 1 && m.event.type === 'done');
  assert.ok(kDone < cDone, 'the completion finished first');
});

test('a newer completion supersedes a running one: it ends with superseded and its generator is freed', async () => {
  const t = await loaded();
  t.gen(1, 'completion', 'a', 50);
  await t.until(() => t.text(1).length >= 1);
  t.gen(2, 'completion', 'b', 2);
  await t.until(() => t.ended(1) && t.ended(2));
  assert.equal(t.errorOf(1)?.code, 'superseded');
  assert.ok(t.engine.freed.includes('a'));
  assert.equal(t.text(2), 'bb');
  assert.ok(t.text(1).length <= 3, `the superseded one stopped early (${t.text(1).length} steps)`);
});

test('cancelling a paused chat frees it at once, without waiting for the running completion', async () => {
  const t = await loaded();
  t.gen(1, 'chat', 'c', 50);
  await t.until(() => t.text(1).length >= 1);
  t.gen(2, 'completion', 'k', 20);
  await t.until(() => t.text(2).length >= 1);
  t.runner.handle({ type: 'cancel', id: 3, target: 1 });
  await t.until(() => t.ended(1));
  assert.ok(!t.ended(2), 'the chat ended while the completion was still running');
  const done = t.messages.find((m) => m.type === 'event' && m.id === 1 && m.event.type === 'done');
  assert.ok(done && done.type === 'event' && done.event.type === 'done' && done.event.finishReason === 'aborted');
  assert.ok(t.engine.freed.includes('c'));
  await t.until(() => t.ended(2));
});

test('cancelling a queued request answers cancelled and it never runs', async () => {
  const t = await loaded();
  t.gen(1, 'chat', 'c', 5);
  t.gen(2, 'explain', 'e', 5);
  t.runner.handle({ type: 'cancel', id: 3, target: 2 });
  await t.until(() => t.ended(1));
  assert.equal(t.errorOf(2)?.code, 'cancelled');
  assert.ok(!t.engine.steps.includes('e'));
});

test('a full queue answers busy at once; the running request does not count against it', async () => {
  const t = await loaded(2);
  t.gen(1, 'chat', 'a', 3);
  t.gen(2, 'chat', 'b', 3);
  t.gen(3, 'chat', 'c', 3);
  assert.equal(t.errorOf(3), undefined);
  t.gen(4, 'chat', 'd', 3);
  assert.equal(t.errorOf(4)?.code, 'busy');
  await t.until(() => t.ended(1) && t.ended(2) && t.ended(3));
  assert.equal(t.text(3), 'ccc');
});

test('unload aborts running requests and disposes the engine; status reports it', async () => {
  const t = await loaded();
  t.gen(1, 'chat', 'c', 100);
  await t.until(() => t.text(1).length >= 1);
  t.runner.handle({ type: 'unload', id: 2 });
  await t.until(() => t.ended(1) && t.ended(2));
  assert.equal(t.errorOf(1)?.code, 'generation_failed');
  assert.ok(t.engine.disposed);
  const s = t.runner.status();
  assert.equal(s.modelState, 'unloaded');
  assert.equal(s.active, 0);
  assert.equal(s.rssBytes, 1);
});

test('a request the engine refuses to start fails with generation_failed; the running one completes', async () => {
  const t = await loaded();
  t.engine.exclusive = true;
  t.gen(1, 'chat', 'c', 5);
  await t.until(() => t.text(1).length >= 2);
  t.gen(2, 'completion', 'k', 3);
  await t.until(() => t.ended(1) && t.ended(2));
  assert.equal(t.text(1), 'ccccc');
  assert.equal(t.errorOf(2)?.code, 'generation_failed');
  assert.match(t.errorOf(2)?.message ?? '', /in use by a running generation/);
  assert.equal(t.runner.status().active, 0);
});

test('a cancel that arrives during a step lets the request take exactly one more step', async () => {
  const t = await loaded();
  t.gen(1, 'chat', 'c', 1000);
  await t.until(() => t.text(1).length >= 3);
  const stepsAtCancel = t.engine.steps.length;
  t.runner.handle({ type: 'cancel', id: 2, target: 1 });
  await t.until(() => t.ended(1));
  assert.ok(t.engine.steps.length - stepsAtCancel <= 1, `${t.engine.steps.length - stepsAtCancel} steps after the cancel`);
  assert.ok(t.engine.freed.includes('c'));
});

test('deltas are coalesced into fewer messages, in order, and flushed before done', async () => {
  const t = await loaded(8, 50);
  t.gen(1, 'chat', 'c', 40);
  await t.until(() => t.ended(1));
  const events = t.messages.filter((m) => m.type === 'event' && m.id === 1);
  assert.equal(t.text(1), 'c'.repeat(40));
  assert.ok(events.length < 20, `${events.length} messages for 40 deltas`);
  const last = events.at(-1);
  assert.ok(last?.type === 'event' && last.event.type === 'done');
  const ids = events.flatMap((m) => (m.type === 'event' && m.event.type === 'delta' ? m.event.tokenIds : []));
  assert.deepEqual(ids, Array.from({ length: 40 }, (_, i) => i));
});

test('while busy the runner says it is alive between steps when nothing else was sent', async () => {
  const engine = new FakeEngine();
  const messages: HostMessage[] = [];
  const slow: RunnerEngine = {
    info,
    dispose: () => undefined,
    async *generate(request, signal) {
      // One event, then a long quiet stretch of short steps (like a prefill in chunks).
      for await (const e of engine.generate(request, signal)) {
        yield e;
        if (e.type === 'delta') await new Promise((r) => setTimeout(r, 60));
      }
    },
  };
  const runner = new HostRunner({ loadEngine: async () => slow, send: (m) => messages.push(m), aliveIntervalMs: 20, coalesceMs: 0 });
  runner.handle({ type: 'load', id: 1, options: { modelPath: '/m' } });
  runner.handle({ type: 'generate', id: 2, request: { kind: 'chat', prompt: { type: 'text', text: 'c' }, maxNewTokens: 3 } });
  for (let i = 0; i < 200 && !messages.some((m) => m.type === 'event' && m.event.type === 'done'); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(messages.some((m) => m.type === 'alive'), 'alive was sent during the quiet stretch');
  const count = messages.filter((m) => m.type === 'alive').length;
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(messages.filter((m) => m.type === 'alive').length, count, 'and stops once idle');
});
