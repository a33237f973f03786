// The remote backend with a scripted RemoteGenerator: which model it resolves, what it says it can
// do, its state for the status bar, failures as events (none for cancelled requests), and the API
// key never reaching the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GenerationEvent, GenerationRequest } from '../../engine/types';
import type { BackendState } from '../../extension/core/generationBackend';
import type { RemoteFailureEvent } from '../../extension/core/remote/remoteBackend';
import { FakeRemoteError, delta, doneEvent, remoteBackend } from './remoteFakes';

const chatRequest: GenerationRequest = { kind: 'chat', prompt: { type: 'chat', messages: [{ role: 'user', content: 'hi' }] }, maxNewTokens: 64 };

async function drain(stream: AsyncIterable<GenerationEvent>): Promise<GenerationEvent[]> {
  const events: GenerationEvent[] = [];
  for await (const e of stream) events.push(e);
  return events;
}

test("an empty chat model resolves to the server's first; capabilities say reasoning, no token count, infill per fim", async () => {
  const { backend, generators } = remoteBackend();
  const caps = await backend.prepare();
  assert.equal(caps.modelName, 'deepseek-r1:7b');
  assert.equal(caps.reasoning, true);
  assert.equal(caps.tokenCount, false);
  assert.equal(caps.infill, true);
  assert.deepEqual(caps.origin, { backend: 'openai-compatible', host: '127.0.0.1:8080' });
  const used = generators.at(-1)!;
  assert.equal(used.config.chatModel, 'deepseek-r1:7b');
  assert.equal(used.config.completionModel, 'deepseek-r1:7b', 'an empty completion model is the chat model');
  assert.equal(used.config.apiKey, 'sk-secret-123');
  assert.equal(used.config.firstByteTimeoutMs, 5000);
});

test('a configured model is used as it is; fim off means no infill; a second prepare asks nothing', async () => {
  const { backend, generators } = remoteBackend({}, { chatModel: 'deepseek-r1:14b', completionModel: 'qwen2.5-coder:1.5b', fim: 'off' });
  const caps = await backend.prepare();
  assert.equal(caps.modelName, 'deepseek-r1:14b');
  assert.equal(caps.infill, false);
  assert.equal(generators[0].config.completionModel, 'qwen2.5-coder:1.5b');
  await backend.prepare();
  assert.equal(generators.reduce((n, g) => n + g.listCalls, 0), 1);
});

test('a server with no models, or one that cannot be reached, fails prepare with a clear code', async () => {
  const empty = remoteBackend({ models: [] });
  await assert.rejects(empty.backend.prepare(), (e: { code?: string; message: string }) => e.code === 'no_models' && /lists no models/.test(e.message));
  const refused = remoteBackend({ models: new FakeRemoteError({ code: 'connection_refused', message: 'connect ECONNREFUSED 127.0.0.1:8080' }) });
  await assert.rejects(refused.backend.prepare(), (e: { code?: string }) => e.code === 'connection_refused');
  const state = refused.backend.state as Extract<BackendState, { kind: 'remote' }>;
  assert.equal(state.phase, 'idle');
  assert.match(state.lastError ?? '', /ECONNREFUSED/);
});

test('a bad endpoint is refused before anything is sent', async () => {
  const { backend, generators } = remoteBackend({}, { endpoint: 'ftp://box/v1' });
  await assert.rejects(backend.prepare(), (e: { code?: string }) => e.code === 'bad_endpoint');
  assert.equal(generators.length, 0);
});

test('chat streams reasoning and answer through, and the state goes connecting → generating → ready', async () => {
  const { backend } = remoteBackend();
  const phases: string[] = [];
  backend.onDidChangeState((s) => s.kind === 'remote' && phases.push(s.phase));
  const events = await drain(backend.generate(chatRequest, new AbortController().signal));
  assert.deepEqual(events.map((e) => (e.type === 'delta' ? `${e.channel}:${e.text}` : e.type)), ['reasoning:hmm', 'answer:ok', 'done']);
  assert.deepEqual(phases, ['connecting', 'ready', 'generating', 'ready']);
  const state = backend.state as Extract<BackendState, { kind: 'remote' }>;
  assert.equal(state.server.model, 'deepseek-r1:7b');
  assert.equal(state.server.host, '127.0.0.1:8080');
});

test('a failure fires one event with the request kind and stays in the state until a success', async () => {
  const script = { events: [delta('answer', 'partial'), new FakeRemoteError({ code: 'incomplete', message: 'the stream broke off' })] as Array<GenerationEvent | Error> };
  const { backend } = remoteBackend(script);
  const failures: RemoteFailureEvent[] = [];
  backend.onDidFail((f) => failures.push(f));
  const seen: GenerationEvent[] = [];
  await assert.rejects(async () => {
    for await (const e of backend.generate(chatRequest, new AbortController().signal)) seen.push(e);
  }, /broke off/);
  assert.equal(seen.length, 1, 'the partial answer arrived before the error');
  assert.deepEqual(failures.map((f) => [f.failure.code, f.kind]), [['incomplete', 'chat']]);
  assert.match((backend.state as Extract<BackendState, { kind: 'remote' }>).lastError ?? '', /broke off/);
  script.events = [delta('answer', 'fine'), doneEvent()];
  await drain(backend.generate(chatRequest, new AbortController().signal));
  assert.equal((backend.state as Extract<BackendState, { kind: 'remote' }>).lastError, undefined);
});

test('an unauthorized request reconnects next time (a new key may have been set)', async () => {
  const script = { events: [new FakeRemoteError({ code: 'unauthorized', message: '401 Unauthorized', status: 401 })] as Array<GenerationEvent | Error> };
  const { backend, generators } = remoteBackend(script);
  await assert.rejects(drain(backend.generate({ ...chatRequest, kind: 'completion', prompt: { type: 'infill', prefix: 'a', suffix: 'b' } }, new AbortController().signal)));
  assert.equal(backend.capabilities, undefined);
  script.events = [doneEvent()];
  await drain(backend.generate(chatRequest, new AbortController().signal));
  assert.ok(generators.length >= 2, 'a new generator was made');
});

test('a cancelled request (typing on) aborts on the wire and is no failure', async () => {
  const { backend, generators } = remoteBackend({ events: [delta('answer', 'x')], hang: true });
  const failures: RemoteFailureEvent[] = [];
  backend.onDidFail((f) => failures.push(f));
  const abort = new AbortController();
  const run = drain(backend.generate({ ...chatRequest, kind: 'completion' }, abort.signal));
  await new Promise((r) => setTimeout(r, 20));
  abort.abort();
  await run;
  assert.equal(generators.at(-1)!.abortedOnWire, true);
  assert.equal(failures.length, 0);
});

test('dispose aborts what is still running, and the request fails as incomplete instead of ending like a whole answer', async () => {
  const { backend, generators } = remoteBackend({ events: [delta('answer', 'half an ans')], hang: true });
  const seen: GenerationEvent[] = [];
  const run = (async () => {
    for await (const event of backend.generate(chatRequest, new AbortController().signal)) seen.push(event);
  })();
  await new Promise((r) => setTimeout(r, 20));
  backend.dispose();
  await assert.rejects(run, (e: Error & { code?: string }) => e.code === 'incomplete' && /settings changed/.test(e.message));
  assert.equal(generators.at(-1)!.abortedOnWire, true);
  assert.deepEqual(seen.map((e) => e.type), ['delta'], 'what arrived before stays with the caller');
});

test('the API key never reaches the log, whatever fails', async () => {
  const key = 'sk-secret-123';
  for (const code of ['unauthorized', 'server_error', 'connection_refused'] as const) {
    const { backend, log } = remoteBackend({ events: [new FakeRemoteError({ code, message: `${code} from server` })] }, {}, key);
    await assert.rejects(drain(backend.generate(chatRequest, new AbortController().signal)));
    assert.ok(log.lines.length > 0);
    assert.ok(log.lines.every((l) => !l.includes(key)), log.lines.join('\n'));
  }
});
