// The chat controller with a fake engine and an in-memory workspaceState: ready handshake,
// streaming to the webview, Stop, prompts without earlier reasoning, persistence and validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GenerationEvent, GenerationRequest } from '../../engine/types';
import type { HostToWebview, ModelAvailability } from '../../engine/common/chat/protocol';
import type { GenerationStream } from '../../engine/generation/generationStream';
import { ChatController, type ChatEnvironment } from '../../extension/core/chat/chatController';
import { ConversationStore } from '../../extension/core/chat/conversationStore';
import { MemoryState } from './chatFakes';

function done(extra: Partial<Extract<GenerationEvent, { type: 'done' }>> = {}): GenerationEvent {
  return {
    type: 'done',
    finishReason: 'eos',
    reasoningUnterminated: false,
    reasoningBudgetForced: false,
    tokenIds: [1, 2, 3],
    stats: {
      promptTokens: 10, prefilledTokens: 10, reusedTokens: 0, generatedTokens: 3, reasoningTokens: 2,
      ttftMs: 5, prefillTokPerS: 100, decodeTokPerS: 12.5, totalMs: 50, executionProvider: 'cpu',
    },
    ...extra,
  };
}

const delta = (channel: 'reasoning' | 'answer', text: string, tokens = 1): GenerationEvent => ({ type: 'delta', channel, text, tokenIds: Array(tokens).fill(7) });

/** Plays a script of events; `hold` pauses before the event at that index until released or aborted. */
class FakeEngine implements GenerationStream {
  requests: GenerationRequest[] = [];
  hold: number | undefined;
  private release: (() => void) | undefined;
  sawAbort = false;
  constructor(public script: GenerationEvent[]) {}
  releaseHeld() {
    this.release?.();
  }
  async *generate(request: GenerationRequest, signal: AbortSignal): AsyncIterable<GenerationEvent> {
    this.requests.push(request);
    for (let i = 0; i < this.script.length; i++) {
      if (i === this.hold) {
        await new Promise<void>((resolve) => {
          this.release = resolve;
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
      }
      if (signal.aborted) {
        this.sawAbort = true;
        yield done({ finishReason: 'aborted' });
        return;
      }
      yield this.script[i];
    }
  }
}

function setup(script: GenerationEvent[], options: { model?: ModelAvailability; state?: MemoryState; engine?: GenerationStream } = {}) {
  const engine = new FakeEngine(script);
  const state = options.state ?? new MemoryState();
  const logs: string[] = [];
  let clock = 1000;
  let ids = 0;
  const effects: string[] = [];
  const env: ChatEnvironment = {
    log: { info: (m) => logs.push(`info ${m}`), warn: (m) => logs.push(`warn ${m}`) },
    generationSettings: () => ({ temperature: 0.6, topP: 0.95, mediumReasoningTokens: 2048 }),
    defaultBudget: () => 'medium',
    saveBudget: (b) => effects.push(`budget ${b}`),
    modelAvailability: () => options.model ?? { state: 'ready' },
    copyCode: (c) => void effects.push(`copy ${c}`),
    insertCode: (c) => void effects.push(`insert ${c}`),
    openLink: (u) => void effects.push(`open ${u}`),
    runCommand: (c) => void effects.push(`run ${c}`),
    now: () => (clock += 100),
    newId: () => `id${++ids}`,
  };
  const store = new ConversationStore(state);
  const controller = new ChatController(options.engine ?? engine, store, env);
  const posted: HostToWebview[] = [];
  controller.attach((m) => posted.push(m));
  return { engine, state, store, controller, posted, logs, effects };
}

const SCRIPT = [delta('reasoning', 'think ', 2), delta('reasoning', 'more', 3), delta('answer', 'The '), delta('answer', 'answer.'), done()];

test('nothing is posted before ready; ready gets a snapshot', async () => {
  const { controller, posted } = setup(SCRIPT);
  controller.modelChanged();
  assert.equal(posted.length, 0);
  await controller.handleMessage({ v: 1, type: 'ready' });
  assert.equal(posted.length, 1);
  assert.equal(posted[0].type, 'snapshot');
});

test('resync re-posts a snapshot, but only to a webview that said ready', async () => {
  const { controller, posted } = setup(SCRIPT);
  controller.resync();
  assert.equal(posted.length, 0);
  await controller.handleMessage({ v: 1, type: 'ready' });
  controller.resync();
  assert.deepEqual(posted.map((m) => m.type), ['snapshot', 'snapshot']);
  controller.detach();
  controller.resync();
  assert.equal(posted.length, 2);
});

test('a sent message streams reasoning and answer to the webview and is saved when done', async () => {
  const { controller, posted, engine, store } = setup(SCRIPT);
  await controller.handleMessage({ v: 1, type: 'ready' });
  await controller.handleMessage({ v: 1, type: 'send', text: 'Q1', budget: 'short' });
  await controller.whenIdle();
  assert.deepEqual(posted.slice(1).map((m) => (m.type === 'delta' ? `${m.channel}:${m.text}` : m.type)), [
    'turnStarted', 'reasoning:think ', 'reasoning:more', 'answer:The ', 'answer:answer.', 'turnFinished',
  ]);
  const request = engine.requests[0];
  assert.deepEqual(request.prompt, { type: 'chat', messages: [{ role: 'user', content: 'Q1' }] });
  assert.equal(request.kind, 'chat');
  assert.equal(request.maxReasoningTokens, 512, 'short is a quarter of the medium budget');
  assert.deepEqual(request.sampling, { temperature: 0.6, topP: 0.95 });
  const saved = store.list()[0].turns[0];
  assert.equal(saved.reasoning, 'think more');
  assert.equal(saved.reasoningTokens, 5);
  assert.equal(saved.answer, 'The answer.');
  assert.equal(saved.status, 'done');
  assert.equal(saved.stats?.decodeTokPerS, 12.5);
});

test('the next turn sends earlier answers without their reasoning', async () => {
  const { controller, engine } = setup(SCRIPT);
  await controller.handleMessage({ v: 1, type: 'send', text: 'Q1', budget: 'medium' });
  await controller.whenIdle();
  await controller.handleMessage({ v: 1, type: 'send', text: 'Q2', budget: 'off' });
  await controller.whenIdle();
  assert.deepEqual(engine.requests[1].prompt, {
    type: 'chat',
    messages: [
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: 'The answer.' },
      { role: 'user', content: 'Q2' },
    ],
  });
  assert.equal(engine.requests[1].maxReasoningTokens, 0);
});

test('Stop ends the turn at once and aborts the engine; later engine output is ignored', async () => {
  const { controller, posted, engine, store } = setup(SCRIPT);
  engine.hold = 2;
  await controller.handleMessage({ v: 1, type: 'ready' });
  await controller.handleMessage({ v: 1, type: 'send', text: 'Q', budget: 'medium' });
  await new Promise((resolve) => setTimeout(resolve, 10));
  await controller.handleMessage({ v: 1, type: 'stop' });
  const finished = posted.filter((m) => m.type === 'turnFinished');
  assert.equal(finished.length, 1, 'stopped immediately, before the engine answered');
  assert.equal(finished[0].type === 'turnFinished' && finished[0].status, 'stopped');
  await controller.whenIdle();
  assert.equal(engine.sawAbort, true, 'the abort reached the engine');
  assert.equal(posted.filter((m) => m.type === 'turnFinished').length, 1);
  assert.equal(posted.filter((m) => m.type === 'delta' && m.channel === 'answer').length, 0);
  assert.equal(store.list()[0].turns[0].status, 'stopped');
});

test('a second message while one is streaming is refused and logged', async () => {
  const { controller, engine, logs } = setup(SCRIPT);
  engine.hold = 1;
  await controller.handleMessage({ v: 1, type: 'send', text: 'first', budget: 'medium' });
  await controller.handleMessage({ v: 1, type: 'send', text: 'second', budget: 'medium' });
  engine.releaseHeld();
  await controller.whenIdle();
  assert.equal(engine.requests.length, 1);
  assert.ok(logs.some((l) => l.includes('still being generated')));
});

test('engine errors end the turn with the error shown', async () => {
  const failing: GenerationStream = {
    async *generate() {
      yield* [];
      throw new Error('model file is damaged');
    },
  };
  const { controller, posted } = setup([], { engine: failing });
  await controller.handleMessage({ v: 1, type: 'ready' });
  await controller.handleMessage({ v: 1, type: 'send', text: 'Q', budget: 'medium' });
  await controller.whenIdle();
  const last = posted.at(-1)!;
  assert.deepEqual(last.type === 'turnFinished' && [last.status, last.error], ['error', 'model file is damaged']);
});

test('invalid messages are ignored and logged; valid effects reach the editor', async () => {
  const { controller, engine, logs, effects } = setup(SCRIPT);
  await controller.handleMessage({ v: 1, type: 'send', text: 7, budget: 'medium' });
  await controller.handleMessage({ v: 1, type: 'runCommand', command: 'workbench.action.terminal.new' });
  await controller.handleMessage({ type: 'evil' });
  assert.equal(engine.requests.length, 0);
  assert.equal(logs.filter((l) => l.startsWith('warn chat view: ignored')).length, 3);
  await controller.handleMessage({ v: 1, type: 'insertCode', code: 'x' });
  await controller.handleMessage({ v: 1, type: 'copyCode', code: 'y' });
  await controller.handleMessage({ v: 1, type: 'openLink', url: 'https://e.com' });
  await controller.handleMessage({ v: 1, type: 'runCommand', command: 'r1Local.downloadModel' });
  await controller.handleMessage({ v: 1, type: 'setBudget', budget: 'long' });
  assert.deepEqual(effects, ['insert x', 'copy y', 'open https://e.com', 'run r1Local.downloadModel', 'budget long']);
});

test('with no model installed nothing is sent', async () => {
  const { controller, engine } = setup(SCRIPT, { model: { state: 'missing' } });
  assert.equal(controller.explain('explain this'), 'noModel');
  await controller.handleMessage({ v: 1, type: 'send', text: 'Q', budget: 'medium' });
  assert.equal(engine.requests.length, 0);
});

test('New chat and reopening: conversations persist per workspace, newest first, at most 50', async () => {
  const state = new MemoryState();
  const first = setup([delta('answer', 'A'), done()], { state });
  for (let i = 0; i < 52; i++) {
    await first.controller.handleMessage({ v: 1, type: 'send', text: `question ${i}`, budget: 'off' });
    await first.controller.whenIdle();
    await first.controller.handleMessage({ v: 1, type: 'newChat' });
  }
  const list = first.store.list();
  assert.equal(list.length, 50);
  assert.equal(list[0].title, 'question 51');
  assert.equal(list[49].title, 'question 2');

  // A new window on the same workspace reopens the latest conversation and can switch back.
  const second = setup([], { state });
  await second.controller.handleMessage({ v: 1, type: 'ready' });
  const snap = second.posted[0].type === 'snapshot' ? second.posted[0].snapshot : undefined;
  assert.equal(snap?.conversation.title, 'question 51');
  await second.controller.handleMessage({ v: 1, type: 'openConversation', id: list[10].id });
  const reopened = second.posted.at(-1);
  assert.equal(reopened?.type === 'snapshot' && reopened.snapshot.conversation.title, 'question 41');
});

test('explain starts an explain turn with the prompt as the user message', async () => {
  const { controller, engine, store } = setup(SCRIPT);
  assert.equal(controller.explain('Explain `f`'), 'started');
  await controller.whenIdle();
  assert.equal(engine.requests[0].kind, 'explain');
  assert.equal(store.list()[0].turns[0].kind, 'explain');
  assert.equal(store.list()[0].turns[0].user, 'Explain `f`');
});

test('the remembered expanded state of a reasoning section is saved', async () => {
  const { controller, store } = setup(SCRIPT);
  await controller.handleMessage({ v: 1, type: 'send', text: 'Q', budget: 'medium' });
  await controller.whenIdle();
  const turnId = store.list()[0].turns[0].id;
  await controller.handleMessage({ v: 1, type: 'toggleReasoning', turnId, expanded: true });
  assert.equal(store.list()[0].turns[0].reasoningExpanded, true);
});

test('a conversation saved mid-generation reopens with that turn stopped', () => {
  const state = new MemoryState();
  state.data.set('r1Local.chat.conversations.v1', [
    { id: 'c', title: 't', createdAt: 1, updatedAt: 2, turns: [{ id: 't', kind: 'chat', user: 'u', reasoning: 'r', answer: '', reasoningTokens: 1, startedAt: 1, status: 'streaming' }] },
    { id: 'broken', turns: 'nope' },
  ]);
  const { controller } = setup([], { state });
  const snap = controller.snapshot();
  assert.equal(snap.conversation.turns[0].status, 'stopped');
  assert.deepEqual(snap.history.map((h) => h.id), ['c'], 'damaged entries are dropped');
});
