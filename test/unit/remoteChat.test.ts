// The chat over a remote backend: each answer says which backend answered, an answer cut short is
// kept and marked incomplete, Retry sends the failed message again; the webview shows both marks as
// plain text and says where questions go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostToWebview } from '../../engine/common/chat/protocol';
import type { GenerationEvent, GenerationRequest } from '../../engine/types';
import { answeredBy } from '../../extension/core/chat/answeredBy';
import { ChatController, type ChatBackend, type ChatEnvironment } from '../../extension/core/chat/chatController';
import { ConversationStore } from '../../extension/core/chat/conversationStore';
import type { BackendCapabilities } from '../../extension/core/generationBackend';
import { MemoryState } from './chatFakes';
import { FakeRemoteError, delta, doneEvent, remoteBackend } from './remoteFakes';
import { chatAppInDom } from './webviewTestDom';
import { T0, msg, snapshot, streamingTurn } from './webviewFixtures';

function controllerWith(backend: ChatBackend) {
  let ids = 0;
  let clock = 1000;
  const env: ChatEnvironment = {
    log: { info: () => undefined, warn: () => undefined },
    generationSettings: () => ({ temperature: 0.6, topP: 0.95, mediumReasoningTokens: 2048 }),
    defaultBudget: () => 'medium',
    saveBudget: () => undefined,
    modelAvailability: () => ({ state: 'ready' }),
    copyCode: () => undefined,
    insertCode: () => undefined,
    openLink: () => undefined,
    runCommand: () => undefined,
    now: () => (clock += 100),
    newId: () => `id${++ids}`,
  };
  const controller = new ChatController(backend, new ConversationStore(new MemoryState()), env);
  const posted: HostToWebview[] = [];
  controller.attach((m) => posted.push(m));
  return { controller, posted };
}

test('answered by: "local · model" for the local engine (a folder path shortened), backend · host · model for a server', () => {
  const local: BackendCapabilities = { modelName: '/home/me/models/DeepSeek-R1-Distill-Qwen-1.5B', reasoning: true, tokenCount: true };
  assert.equal(answeredBy(local), 'local · DeepSeek-R1-Distill-Qwen-1.5B');
  assert.equal(answeredBy({ ...local, modelName: 'deepseek-r1:7b', origin: { backend: 'openai-compatible', host: 'gpu-box:8000' } }), 'openai-compatible · gpu-box:8000 · deepseek-r1:7b');
  assert.equal(answeredBy(undefined), undefined);
});

test('a remote chat answer with reasoning is finished with the backend that answered', async () => {
  const { backend } = remoteBackend({ events: [delta('reasoning', 'Let me think.'), delta('answer', 'Blue light scatters more.'), doneEvent()] });
  const { controller, posted } = controllerWith(backend);
  await controller.handleMessage({ v: 1, type: 'ready' });
  await controller.handleMessage({ v: 1, type: 'send', text: 'Why is the sky blue?', budget: 'medium' });
  await controller.whenIdle();
  const turn = controller.snapshot().conversation.turns[0];
  assert.equal(turn.reasoning, 'Let me think.');
  assert.equal(turn.answer, 'Blue light scatters more.');
  assert.equal(turn.status, 'done');
  assert.equal(turn.answeredBy, 'openai-compatible · 127.0.0.1:8080 · deepseek-r1:7b');
  assert.equal(turn.incomplete, undefined);
  assert.ok(posted.some((m) => m.type === 'turnFinished' && m.answeredBy === turn.answeredBy));
});

test('a stream that breaks off keeps the partial answer, marked incomplete with the reason', async () => {
  const script = { events: [delta('answer', 'The first half'), new FakeRemoteError({ code: 'incomplete', message: 'the server closed the stream before [DONE]' })] as Array<GenerationEvent | Error> };
  const { backend } = remoteBackend(script);
  const { controller } = controllerWith(backend);
  await controller.handleMessage({ v: 1, type: 'ready' });
  await controller.handleMessage({ v: 1, type: 'send', text: 'Explain', budget: 'off' });
  await controller.whenIdle();
  const turn = controller.snapshot().conversation.turns[0];
  assert.equal(turn.answer, 'The first half');
  assert.equal(turn.status, 'error');
  assert.equal(turn.incomplete, true);
  assert.match(turn.error ?? '', /before \[DONE\]/);

  // Retry (the notice's button) sends the same message again.
  script.events = [delta('answer', 'Whole answer.'), doneEvent()];
  assert.equal(controller.retryLast(), 'started');
  await controller.whenIdle();
  const turns = controller.snapshot().conversation.turns;
  assert.equal(turns.length, 2);
  assert.equal(turns[1].user, 'Explain');
  assert.equal(turns[1].answer, 'Whole answer.');
  assert.equal(controller.retryLast(), 'nothing', 'a finished turn is not retried');
});

test('a failure before any text is an error, not an incomplete answer; nothing hangs', async () => {
  const failing: ChatBackend = {
    async *generate(_request: GenerationRequest): AsyncIterable<GenerationEvent> {
      throw new FakeRemoteError({ code: 'unauthorized', message: '401 from gpu-box:8000', status: 401 });
    },
  };
  const { controller } = controllerWith(failing);
  await controller.handleMessage({ v: 1, type: 'send', text: 'hi', budget: 'off' });
  await controller.whenIdle();
  const turn = controller.snapshot().conversation.turns[0];
  assert.equal(turn.status, 'error');
  assert.equal(turn.incomplete, undefined);
  assert.match(turn.error ?? '', /401/);
});

const startChatApp = chatAppInDom();

function mount() {
  document.body.replaceChildren();
  const api = { postMessage: () => undefined, getState: () => undefined, setState: () => undefined };
  const app = startChatApp(api, document.body, { schedule: (callback) => callback(), tickMs: 60_000 });
  const deliver = (...messages: HostToWebview[]) => {
    for (const data of messages) window.dispatchEvent(new window.MessageEvent('message', { data }));
  };
  const q = (testId: string) => document.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
  return { app, deliver, q };
}

test('the view shows who answered and an Incomplete mark, as text (never markup)', () => {
  const { app, deliver, q } = mount();
  const by = 'openai-compatible · <img src=x onerror=alert(1)> · m';
  deliver(msg.snapshot(), msg.started(streamingTurn()), msg.answer('Half an', T0 + 100));
  deliver({ v: 1, type: 'turnFinished', turnId: 't1', status: 'error', at: T0 + 200, error: 'the stream broke off', answeredBy: by, incomplete: true });
  assert.equal(q('answer')!.textContent?.trim(), 'Half an', 'the partial answer stays');
  assert.equal(q('turn-incomplete')!.textContent, 'Incomplete');
  assert.match(q('turn-incomplete')!.parentElement!.textContent ?? '', /the stream broke off/);
  assert.equal(q('turn-origin')!.textContent, `Answered by ${by}`);
  assert.equal(q('turn-origin')!.querySelector('img'), null);
  app.dispose();
});

test('the welcome line says where questions go: this machine, or the server', () => {
  const { app, deliver } = mount();
  deliver(msg.snapshot());
  assert.match(document.querySelector('.welcome')!.textContent ?? '', /Everything runs on this machine/);
  deliver(msg.snapshot(snapshot({ model: { state: 'ready', server: 'OpenAI-compatible server at gpu-box:8000' } })));
  const text = document.querySelector('.welcome')!.textContent ?? '';
  assert.match(text, /sent to the OpenAI-compatible server at gpu-box:8000/);
  assert.doesNotMatch(text, /this machine/);
  app.dispose();
});
