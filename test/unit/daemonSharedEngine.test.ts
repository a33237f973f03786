// The shared engine's core (engine/daemon/sharedEngine.ts) with in-memory windows and a scripted
// engine: one model per folder however many windows load it, request ids per window, a newer
// completion replacing only the same window's, a cache slot per window, detaching without
// disturbing the others, the counts `status` reports, and a window flooding the queue getting
// `busy` alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostMessage, HostStatus } from '../../engine/host/protocol';
import type { GenerationEvent, GenerationRequest, LoadOptions, ModelInfo } from '../../engine/types';
import { SharedEngine, type SharedModelEngine } from '../../engine/daemon/sharedEngine';

const stats = {
  promptTokens: 1, prefilledTokens: 1, reusedTokens: 0, generatedTokens: 0, reasoningTokens: 0,
  ttftMs: 0, prefillTokPerS: 0, decodeTokPerS: 0, totalMs: 0, executionProvider: 'cpu',
};

function infoFor(o: LoadOptions): ModelInfo {
  return {
    modelPath: o.modelPath, style: 'optimum', onnxFile: 'onnx/model.onnx', executionProvider: 'cpu', requestedProvider: 'auto',
    threads: o.threads ?? 1, vocabSize: 10, contextLength: 64, kvDtype: 'float32', numLayers: 1, runtime: { graph: 'rewritten', kvCache: 'in-place' }, loadMs: 0,
  };
}

/** Emits the prompt text once per step; records the slots it was asked to use and to drop. */
class FakeEngine implements SharedModelEngine {
  readonly info: ModelInfo;
  readonly slotsUsed: string[] = [];
  readonly dropped: string[] = [];
  disposed = false;
  constructor(options: LoadOptions) {
    this.info = infoFor(options);
  }
  async *generate(request: GenerationRequest, signal: AbortSignal): AsyncGenerator<GenerationEvent> {
    this.slotsUsed.push(request.slot ?? request.kind);
    const text = request.prompt.type === 'text' ? request.prompt.text : '?';
    for (let i = 0; i < request.maxNewTokens && !signal.aborted; i++) {
      await new Promise((r) => setImmediate(r));
      yield { type: 'delta', channel: 'answer', text, tokenIds: [i] };
    }
    yield { type: 'done', finishReason: signal.aborted ? 'aborted' : 'length', reasoningUnterminated: false, reasoningBudgetForced: false, tokenIds: [], stats };
  }
  dropSlot(slot: string): void {
    this.dropped.push(slot);
  }
  dispose(): void {
    this.disposed = true;
  }
}

function setup() {
  const engines: FakeEngine[] = [];
  const shared = new SharedEngine({
    loadEngine: async (o) => {
      const e = new FakeEngine(o);
      engines.push(e);
      return e;
    },
    countTokens: (_path, input) => (input.type === 'text' ? input.text.length : 0),
    rssBytes: () => 123,
    runner: { coalesceMs: 0 },
  });
  const window = (client: string, role: 'window' | 'status' = 'window', key = `${client}#1`) => {
    const messages: HostMessage[] = [];
    let closed = false;
    const session = shared.open(key, client, role, {
      send: (m) => {
        messages.push(m);
      },
      close: () => {
        closed = true;
      },
    });
    const answered = (id: number) => messages.find((m) => ((m.type === 'result' || m.type === 'error') && m.id === id) || (m.type === 'event' && m.id === id && m.event.type === 'done'));
    const text = (id: number) => messages.map((m) => (m.type === 'event' && m.id === id && m.event.type === 'delta' ? m.event.text : '')).join('');
    return {
      session,
      messages,
      answered,
      text,
      get closed() {
        return closed;
      },
      send: (m: unknown) => session.handle(m),
      load: (id: number, modelPath = '/models/a') => session.handle({ type: 'load', id, options: { modelPath, threads: 2 } }),
      gen: (id: number, kind: GenerationRequest['kind'], text: string, maxNewTokens: number) => session.handle({ type: 'generate', id, request: { kind, prompt: { type: 'text', text }, maxNewTokens } }),
    };
  };
  async function until(check: () => unknown): Promise<void> {
    // Model steps run on setImmediate: a turn of the event loop each.
    for (let i = 0; i < 10_000 && !check(); i++) await new Promise<void>((r) => setImmediate(r));
    assert.ok(check(), 'condition not reached');
  }
  return { shared, engines, window, until };
}

/** Windows A and B, each having loaded /models/a (one model between them). */
async function twoWindowsLoaded() {
  const t = setup();
  const a = t.window('A');
  const b = t.window('B');
  a.load(1);
  b.load(1);
  await t.until(() => a.answered(1) && b.answered(1));
  return { t, a, b };
}

test('windows on the same folder share one loaded model; each gets the model info', async () => {
  const { t, a, b } = await twoWindowsLoaded();
  assert.equal(t.engines.length, 1, 'loaded once');
  for (const w of [a, b]) assert.equal((w.answered(1) as { result: ModelInfo }).result.modelPath, '/models/a');
  // Another folder is another model.
  const c = t.window('C');
  c.load(1, '/models/b');
  await t.until(() => c.answered(1));
  assert.equal(t.engines.length, 2);
});

test('request ids are per window: the same id in two windows reaches the right window', async () => {
  const { t, a, b } = await twoWindowsLoaded();
  a.gen(7, 'chat', 'a', 3);
  b.gen(7, 'chat', 'b', 3);
  await t.until(() => a.answered(7) && b.answered(7));
  assert.equal(a.text(7), 'aaa');
  assert.equal(b.text(7), 'bbb');
  // A duplicate id within one window is refused, as by a host of its own.
  a.gen(8, 'chat', 'x', 50);
  a.gen(8, 'chat', 'y', 1);
  await t.until(() => a.messages.some((m) => m.type === 'error' && m.id === 8));
});

test("a newer completion replaces only the same window's: one window never cancels another's", async () => {
  const { t, a, b } = await twoWindowsLoaded();
  a.gen(2, 'completion', 'a', 20);
  b.gen(2, 'completion', 'b', 20);
  a.gen(3, 'completion', 'A', 2);
  await t.until(() => a.answered(2) && a.answered(3) && b.answered(2));
  assert.equal((a.answered(2) as { error?: { code: string } }).error?.code, 'superseded');
  assert.equal(a.text(3), 'AA');
  const bDone = b.answered(2);
  assert.equal(bDone?.type === 'event' && bDone.event.type === 'done' && bDone.event.finishReason, 'length', 'B finished its completion');
  assert.equal(b.text(2), 'b'.repeat(20));
});

test('each window has its own cache slots', async () => {
  const { t, a, b } = await twoWindowsLoaded();
  a.gen(2, 'completion', 'a', 1);
  b.gen(2, 'completion', 'b', 1);
  a.send({ type: 'generate', id: 3, request: { kind: 'chat', prompt: { type: 'text', text: 'c' }, maxNewTokens: 1, slot: 'doc1' } });
  await t.until(() => a.answered(2) && b.answered(2) && a.answered(3));
  assert.deepEqual(t.engines[0]!.slotsUsed.sort(), ['A#1:completion', 'A#1:doc1', 'B#1:completion']);
});

test("a window that leaves stops its requests and frees its slots; the others' keep running; the last one frees the model", async () => {
  const { t, a, b } = await twoWindowsLoaded();
  a.gen(2, 'chat', 'a', 1000);
  b.gen(2, 'completion', 'b', 5);
  await t.until(() => a.text(2).length > 0);
  a.session.close();
  await t.until(() => b.answered(2));
  assert.equal(b.text(2), 'bbbbb');
  await t.until(() => t.engines[0]!.dropped.includes('A#1:chat'));
  assert.equal(t.engines[0]!.disposed, false, 'B still uses the model');
  assert.equal(t.shared.sharedStatus().windows, 1);
  // B's unload detaches B only... and B was the last: the model is freed.
  b.send({ type: 'unload', id: 3 });
  await t.until(() => b.answered(3) && t.engines[0]!.disposed);
  assert.deepEqual(t.engines[0]!.dropped.sort(), ['A#1:chat', 'B#1:completion']);
  // Loading again after that loads a fresh model.
  b.load(4);
  await t.until(() => b.answered(4));
  assert.equal(t.engines.length, 2);
});

test('shutdown detaches the window and closes its connection; the engine stays for the others', async () => {
  const { t, a, b } = await twoWindowsLoaded();
  a.send({ type: 'shutdown', id: 2 });
  await t.until(() => a.answered(2));
  assert.equal(a.closed, true);
  assert.equal(t.engines[0]!.disposed, false);
  b.gen(3, 'chat', 'b', 2);
  await t.until(() => b.answered(3));
  assert.equal(b.text(3), 'bb');
});

test('cancel targets the window\'s own request id', async () => {
  const { t, a, b } = await twoWindowsLoaded();
  a.gen(5, 'chat', 'a', 1000);
  b.gen(5, 'explain', 'b', 3);
  await t.until(() => a.text(5).length > 0);
  a.send({ type: 'cancel', id: 6, target: 5 });
  await t.until(() => a.answered(5) && a.answered(6) && b.answered(5));
  assert.equal(b.text(5), 'bbb', "B's request with the same id ran to its end");
  // Cancelling an unknown id answers at once, like the host.
  a.send({ type: 'cancel', id: 7, target: 99 });
  assert.deepEqual(a.answered(7), { type: 'result', id: 7, result: null });
});

test('status counts windows (not status connections, not a window twice) and the windows per model', async () => {
  const t = setup();
  const a = t.window('A');
  const a2 = t.window('A', 'window', 'A#2'); // the same window's completion engine
  const b = t.window('B');
  const look = t.window('status-1', 'status');
  a.load(1);
  a2.load(1, '/models/b');
  b.load(1);
  await t.until(() => a.answered(1) && a2.answered(1) && b.answered(1));
  look.send({ type: 'status', id: 1 });
  const status = (look.answered(1) as { result: HostStatus }).result;
  assert.equal(status.shared?.windows, 2);
  assert.deepEqual(status.shared?.models, [
    { modelPath: '/models/a', windows: 2 },
    { modelPath: '/models/b', windows: 1 },
  ]);
  assert.equal(status.modelState, 'unloaded', 'the status connection uses no model');
  a.send({ type: 'status', id: 2 });
  const own = (a.answered(2) as { result: HostStatus }).result;
  assert.equal(own.modelState, 'ready');
  assert.equal(own.shared?.windows, 2);
  // A status connection may only look.
  look.load(2);
  assert.equal((look.answered(2) as { error: { code: string } }).error.code, 'bad_request');
});

test('malformed requests and generate before load are answered, not crashed on', async () => {
  const t = setup();
  const a = t.window('A');
  a.send({ type: 'bogus', id: 1 });
  a.send('not an object');
  a.gen(2, 'chat', 'x', 1);
  a.send({ type: 'countTokens', id: 3, modelPath: '/m', input: { type: 'text', text: 'abcd' } });
  assert.equal((a.answered(1) as { error: { code: string } }).error.code, 'bad_request');
  assert.ok(a.messages.some((m) => m.type === 'error' && m.id === -1));
  assert.equal((a.answered(2) as { error: { code: string } }).error.code, 'no_model');
  assert.deepEqual(a.answered(3), { type: 'result', id: 3, result: 4 });
});

test("one window flooding the engine gets `busy` itself; another window's request is still admitted and served", async () => {
  const { t, a, b } = await twoWindowsLoaded();
  // Far more chats than the whole queue holds (16 per model).
  for (let id = 10; id < 40; id++) a.gen(id, 'chat', 'a', 3);
  const busy = (w: typeof a, id: number) => (w.answered(id) as { error?: { code: string; message: string } } | undefined)?.error;
  b.gen(2, 'chat', 'b', 3);
  b.gen(3, 'explain', 'B', 2);
  assert.equal(busy(b, 2), undefined, "B is not refused for A's flood");
  assert.equal(busy(b, 3), undefined);
  const refused = [...Array(30).keys()].map((i) => i + 10).filter((id) => busy(a, id)?.code === 'busy');
  assert.equal(refused.length, 26, 'A may have 4 chats unfinished');
  assert.match(busy(a, 39)!.message, /this window already has 4 chat or explain requests/);
  await t.until(() => b.answered(2) && b.answered(3));
  assert.equal(b.text(2), 'bbb');
  assert.equal(b.text(3), 'BB');
  // A's own completions are not held back by its chats: a newer one replaces the older.
  a.gen(50, 'completion', 'c', 1);
  a.gen(51, 'completion', 'C', 1);
  await t.until(() => a.answered(51));
  assert.equal(a.text(51), 'C');
  // Once A's chats are done, A may send more.
  await t.until(() => [10, 11, 12, 13].every((id) => a.answered(id)));
  a.gen(60, 'chat', 'a', 1);
  await t.until(() => a.answered(60));
  assert.equal(a.text(60), 'a');
});
