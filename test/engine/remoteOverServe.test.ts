// The extension's remote backend against `r1-local serve` over real HTTP on 127.0.0.1: the editor-free
// RemoteBackend (with the real remote client) behind the chat controller and the completion
// pipeline, the server running the scripted model (a reasoning trace, `</think>`, an answer).
// Chat and explain arrive split into reasoning and answer; a completion sends the text after the
// cursor as `suffix` and the server builds the model's FIM prompt; a newer keystroke aborts the
// running completion and the server frees its engine; a server with an API key refuses a request
// without it (the notice offers "Set API Key…") and answers once the key is set.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostToWebview } from '../../engine/common/chat/protocol';
import { buildExplainPrompt } from '../../engine/common/explain/explainPrompt';
import type { FixtureModel } from '../../engine/fixtures';
import { createRemoteGenerator } from '../../engine/remote/remoteClient';
import type { GenerationEvent, GenerationRequest } from '../../engine/types';
import { ChatController, type ChatBackend, type ChatEnvironment } from '../../extension/core/chat/chatController';
import { ConversationStore } from '../../extension/core/chat/conversationStore';
import { CompletionService, type CompletionAnswer } from '../../extension/core/completion/completionService';
import { DEFAULT_COMPLETION_SETTINGS, type CompletionSettings } from '../../extension/core/completion/completionSettings';
import { stringSource } from '../../extension/core/completion/textSource';
import type { GenerationBackend } from '../../extension/core/generationBackend';
import { apiKeySecretName, setServerApiKey } from '../../extension/core/remote/apiKey';
import { BackendSwitch } from '../../extension/core/remote/backendSwitch';
import { ACTION_LABELS, failureNotice } from '../../extension/core/remote/failureNotice';
import { RemoteBackend, type RemoteFailureEvent, type RemoteSettings } from '../../extension/core/remote/remoteBackend';
import { fixtureModel } from '../helpers/fixtureModels';
import { eventually, startTestServer, type TestServer } from '../helpers/serveHarness';
import { MemoryState } from '../unit/chatFakes';
import { MemorySecrets, RecordingLogger } from '../unit/remoteFakes';

const TEST_TIMEOUT = { timeout: 60_000 };

let fixture: FixtureModel;
let served: TestServer;
let reasoningPart: string;
let answerPart: string;
/** Each completion request's events are delayed this long while set (a run long enough to interrupt). */
let completionStepDelayMs = 0;

function settingsFor(url: string, over: Partial<RemoteSettings> = {}): RemoteSettings {
  return { endpoint: `${url}/v1`, api: 'openai', chatModel: '', completionModel: '', fim: 'auto', timeoutMs: 20_000, ...over };
}

function remoteBackend(url: string, options: { apiKey?: () => Promise<string | undefined>; settings?: Partial<RemoteSettings> } = {}) {
  const log = new RecordingLogger();
  const backend = new RemoteBackend({
    settings: settingsFor(url, options.settings),
    authorize: async () => ({ apiKey: (await options.apiKey?.()) || undefined }),
    createGenerator: createRemoteGenerator,
    log,
  });
  return { backend, log };
}

function chatWith(backend: ChatBackend) {
  let clock = 1_000;
  let ids = 0;
  const logs: string[] = [];
  const env: ChatEnvironment = {
    log: { info: (m) => logs.push(`info ${m}`), warn: (m) => logs.push(`warn ${m}`) },
    generationSettings: () => ({ temperature: 0.6, topP: 0.95, mediumReasoningTokens: 2048 }),
    defaultBudget: () => 'medium',
    saveBudget: () => undefined,
    modelAvailability: () => ({ state: 'ready', server: 'test server' }),
    copyCode: () => undefined,
    insertCode: () => undefined,
    openLink: () => undefined,
    runCommand: () => undefined,
    now: () => (clock += 10),
    newId: () => `id${++ids}`,
  };
  const store = new ConversationStore(new MemoryState());
  const controller = new ChatController(backend, store, env);
  const posted: HostToWebview[] = [];
  controller.attach((m) => posted.push(m));
  return { controller, store, posted, logs };
}

/** What the engine was asked for, as text (the server encodes every prompt itself). */
function promptText(request: GenerationRequest): string {
  assert.equal(request.prompt.type, 'ids');
  return served.engine().tokenizer.decode((request.prompt as { ids: number[] }).ids);
}

function completionSettings(over: Partial<CompletionSettings> = {}): CompletionSettings {
  return { ...DEFAULT_COMPLETION_SETTINGS, debounceMs: 20, timeBudgetMs: 10_000, maxTokens: 48, ...over };
}

function query(text: string, offset: number, version: number) {
  return { document: 'file:///area.py', version, text: stringSource(text), offset, languageId: 'python', cursorCount: 1 };
}

before(async () => {
  fixture = await fixtureModel('scripted', 'optimum');
  served = await startTestServer(fixture, {
    stepDelayMs: (prompt) => (prompt.includes('<|fim_prefix|>') ? completionStepDelayMs : 0),
  });
  const text = fixture.script!.text;
  const close = text.indexOf('</think>');
  reasoningPart = text.slice(0, close).trim();
  answerPart = text.slice(close + '</think>'.length).trim();
});

after(async () => {
  await served?.server.drain();
});

test('chat: the server answers with reasoning and answer apart, and the turn names who answered', TEST_TIMEOUT, async () => {
  const { backend } = remoteBackend(served.url);
  const { controller, store, posted } = chatWith(backend);
  await controller.handleMessage({ v: 1, type: 'ready' });
  await controller.handleMessage({ v: 1, type: 'send', text: 'Write add in TypeScript.', budget: 'medium' });
  await controller.whenIdle();

  const turn = store.list()[0]!.turns[0]!;
  assert.equal(turn.status, 'done', turn.error);
  assert.equal(turn.reasoning.trim(), reasoningPart);
  assert.equal(turn.answer.trim(), answerPart);
  assert.ok(!turn.answer.includes('</think>') && !turn.reasoning.includes('</think>'), 'the marker is in neither part');
  const channels = posted.flatMap((m) => (m.type === 'delta' ? [m.channel] : []));
  assert.ok(channels.indexOf('answer') > channels.lastIndexOf('reasoning'), 'reasoning streams first, then the answer');
  const finished = posted.find((m) => m.type === 'turnFinished');
  assert.equal(finished?.type === 'turnFinished' && finished.answeredBy, `openai-compatible · ${new URL(served.url).host} · ${served.server.modelId}`);

  const request = served.received.at(-1)!;
  assert.ok(promptText(request).includes('Write add in TypeScript.'));
  assert.ok(promptText(request).endsWith('<｜Assistant｜><think>\n'), 'the server opened the turn with the generation prompt');
  assert.equal(request.splitReasoning, true);
  const state = backend.state;
  assert.equal(state.kind === 'remote' && state.phase, 'ready');
  assert.equal(state.kind === 'remote' && state.server.model, served.server.modelId, 'the model is the one the server lists');
  backend.dispose();
});

test('explain: the explain prompt reaches the server and its answer comes back split', TEST_TIMEOUT, async () => {
  const { backend } = remoteBackend(served.url);
  const { controller, store } = chatWith(backend);
  const lines = ['def area(r):', '    return 3.14159 * r * r', '', 'print(area(2))'];
  const { prompt } = buildExplainPrompt({ fileName: 'area.py', languageId: 'python', lines, start: 0, end: 1, symbolName: 'area' });
  assert.equal(controller.explain(prompt), 'started');
  await controller.whenIdle();

  const turn = store.list()[0]!.turns[0]!;
  assert.equal(turn.kind, 'explain');
  assert.equal(turn.status, 'done', turn.error);
  assert.equal(turn.reasoning.trim(), reasoningPart);
  assert.equal(turn.answer.trim(), answerPart);
  const sent = promptText(served.received.at(-1)!);
  assert.ok(sent.includes('Explain the function `area` from `area.py`'), sent);
  assert.ok(sent.includes('return 3.14159 * r * r'));
  backend.dispose();
});

describe('completions', () => {
  const text = 'def area(r):\n    return \n\nprint(area(2))\n';
  const cursor = text.indexOf('return ') + 'return '.length;

  test('a completion sends the text after the cursor as suffix; the server builds the FIM prompt', TEST_TIMEOUT, async () => {
    const { backend } = remoteBackend(served.url);
    const service = new CompletionService({ backend, settings: () => completionSettings() });
    const before = served.received.length;
    const answer = await service.provide(query(text, cursor, 1), new AbortController().signal);
    assert.ok(answer, 'answered');
    assert.equal(answer.source, 'model');
    assert.ok(answer.text.length > 0);
    assert.ok(fixture.script!.text.startsWith(answer.text.trimEnd()), `the suggestion is the script's start: ${JSON.stringify(answer.text)}`);

    assert.equal(served.received.length, before + 1, 'one request');
    const request = served.received.at(-1)!;
    assert.equal(request.splitReasoning, false, 'a completion, not a chat');
    assert.equal(promptText(request), `<|fim_prefix|>${text.slice(0, cursor)}<|fim_suffix|>${text.slice(cursor)}<|fim_middle|>`);
    const fimPrompt = served.engine().encodePrompt({ type: 'infill', prefix: text.slice(0, cursor), suffix: text.slice(cursor) });
    assert.deepEqual((request.prompt as { ids: number[] }).ids, fimPrompt, 'exactly the infill prompt the engine builds from prefix and suffix');
    service.dispose();
    backend.dispose();
  });

  test('a newer keystroke aborts the running completion: the connection closes and the engine is freed within a step', TEST_TIMEOUT, async () => {
    const { backend } = remoteBackend(served.url);
    const service = new CompletionService({ backend, settings: () => completionSettings() });
    await backend.prepare();
    const before = served.received.length;
    completionStepDelayMs = 40; // 48 tokens take about 2 s: long enough to type into
    try {
      const first = new AbortController();
      const firstAnswer = service.provide(query(text, cursor, 1), first.signal);
      assert.ok(await eventually(() => (served.generations[before]?.events ?? 0) >= 2, 20_000), 'the first completion is streaming');
      const running = served.generations[before]!;
      assert.equal(running.ended, false);

      // The user types on: VS Code cancels the old request and asks for the new document state.
      completionStepDelayMs = 0;
      first.abort();
      const typed = `${text.slice(0, cursor)}z${text.slice(cursor)}`;
      const second = service.provide(query(typed, cursor + 1, 2), new AbortController().signal);

      assert.ok(await eventually(() => running.aborted && running.ended, 10_000), 'the server saw the client go away and ended the generation');
      assert.ok(running.afterAbort <= 1, `the engine stopped within a step of the disconnect (${running.afterAbort} events after it)`);
      assert.ok(running.events < 48, 'the first generation did not run to its end');
      assert.equal(await firstAnswer, undefined, 'the cancelled query shows nothing');

      const answer: CompletionAnswer | undefined = await second;
      assert.ok(answer, 'the newer keystroke is answered');
      assert.equal(answer.source, 'model');
      assert.ok(promptText(served.received.at(-1)!).includes('return z<|fim_suffix|>'), 'the newer request carries the typed text');
      // The suggestion may be complete before the stream is (a block's end): the rest is cancelled.
      assert.ok(await eventually(() => served.generations.slice(before).every((g) => g.ended), 10_000), 'no generation is left running');
    } finally {
      completionStepDelayMs = 0;
      service.dispose();
      backend.dispose();
    }
  });
});

test('a request aborted anywhere in its stream ends at once, also as its last bytes arrive', TEST_TIMEOUT, async () => {
  // The completion pipeline aborts at a block's end and reads on to the `done` event; Node 20's fetch
  // could leave that read pending forever when the abort came just as the stream was complete.
  const generator = createRemoteGenerator({ baseUrl: `${served.url}/v1`, api: 'openai', chatModel: '', completionModel: '', fim: 'suffix', firstByteTimeoutMs: 20_000 });
  const request: GenerationRequest = { kind: 'completion', prompt: { type: 'infill', prefix: 'x = ', suffix: '\n' }, maxNewTokens: 24 };
  for (let i = 0; i < 40; i++) {
    const abort = new AbortController();
    const abortAt = 1 + (i % 8);
    let deltas = 0;
    let last: GenerationEvent | undefined;
    const run = (async () => {
      for await (const event of generator.generate(request, abort.signal)) {
        last = event;
        if (event.type === 'delta' && ++deltas === abortAt) abort.abort();
      }
    })();
    const ended = await Promise.race([run.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 5_000))]);
    assert.ok(ended, `request ${i}, aborted after ${abortAt} deltas, ended`);
    assert.equal(last?.type, 'done');
  }
  assert.ok(await eventually(() => served.generations.every((g) => g.ended), 10_000), 'the server freed its engine each time');
});

describe('API key', () => {
  const key = 'team-key-3c9e51';
  let keyed: TestServer;
  before(async () => {
    keyed = await startTestServer(fixture, { apiKey: key });
  });
  after(async () => {
    await keyed?.server.drain();
  });

  test('without the key: unauthorized, the notice offers "Set API Key…"; with the key set: answered', TEST_TIMEOUT, async () => {
    const secrets = new MemorySecrets();
    const endpoint = `${keyed.url}/v1`;
    const origin = new URL(keyed.url).origin;
    const log = new RecordingLogger();
    const failures: RemoteFailureEvent[] = [];
    const local: GenerationBackend = {
      state: { kind: 'stopped' },
      capabilities: undefined,
      onDidChangeState: () => ({ dispose: () => undefined }),
      prepare: () => Promise.reject(new Error('the local engine is not chosen')),
      generate: () => {
        throw new Error('the local engine is not chosen');
      },
    };
    const backends = new BackendSwitch<RemoteBackend>(
      local,
      () => remoteBackend(keyed.url, { apiKey: () => secrets.get(apiKeySecretName(origin)) }).backend,
      () => 'openai-compatible',
    );
    backends.onDidCreateRemote((remote) => remote.onDidFail((f) => failures.push(f)));
    const { controller, store } = chatWith(backends);

    await controller.handleMessage({ v: 1, type: 'send', text: 'hi', budget: 'off' });
    await controller.whenIdle();
    const refused = store.list()[0]!.turns[0]!;
    assert.equal(refused.status, 'error');
    assert.equal(failures.length, 1, 'one failure event');
    const { failure, kind } = failures[0]!;
    assert.equal(failure.code, 'unauthorized');
    assert.equal(failure.status, 401);
    assert.equal(kind, 'chat');
    const notice = failureNotice(failure, { kind, host: new URL(keyed.url).host });
    assert.equal(notice.show, true);
    assert.deepEqual(notice.actions.map((a) => ACTION_LABELS[a]), ['Set API Key…']);
    assert.match(notice.message, /refused the API key \(HTTP 401\)/);
    assert.equal(keyed.received.length, 0, 'nothing reached the engine');

    // "R1 Local: Set Server API Key…": the key is stored for this origin, and the backend is made again.
    const result = await setServerApiKey({ endpoint, secrets, ask: async () => key, notify: () => undefined, log });
    assert.equal(result, 'set');
    backends.reconfigure();
    await controller.handleMessage({ v: 1, type: 'send', text: 'hi again', budget: 'medium' });
    await controller.whenIdle();
    const answered = store.list()[0]!.turns[1]!;
    assert.equal(answered.status, 'done', answered.error);
    assert.equal(answered.answer.trim(), answerPart);
    assert.equal(answered.reasoning.trim(), reasoningPart);
    assert.equal(keyed.received.length, 1, 'the engine answered once');
    assert.equal(failures.length, 1, 'no further failure');
    assert.ok(!log.lines.join('\n').includes(key) && !keyed.logLines.join('\n').includes(key), 'the key is in no log');
    backends.dispose();
  });
});
