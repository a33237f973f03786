// Every way a server can fail, each a RemoteError with its stable code, a clear message and no
// hang: status codes, broken and unfinished streams, malformed lines, silence, a refused connection
// and a host name that does not resolve. Each fault is one request, bounded in time.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteGenerator } from '../../engine/remote/remoteClient';
import { isRemoteError, type RemoteError } from '../../engine/remote/remoteError';
import type { RemoteEndpointConfig, RemoteErrorCode } from '../../engine/remote/remoteTypes';
import { chatSse, closedPort, jsonReply, modelsReply, ollamaNdjson, startReplayServer, type Reply, type ReplayServer } from '../helpers/replayServer';
import { chatRequest, runRemote, type RemoteRun } from '../helpers/remoteRun';

const T = { timeout: 10_000 };
let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function config(baseUrl: string, extra: Partial<RemoteEndpointConfig> = {}): RemoteEndpointConfig {
  return { baseUrl, api: 'openai', chatModel: 'r1', completionModel: '', fim: 'auto', firstByteTimeoutMs: 5_000, ...extra };
}

function failed(run: RemoteRun, code: RemoteErrorCode): RemoteError {
  assert.ok(isRemoteError(run.error), `expected a RemoteError, got ${String(run.error)}`);
  const error = run.error as RemoteError;
  assert.equal(error.code, code, error.message);
  assert.equal(run.done, undefined, 'no done event after an error');
  assert.ok(run.elapsedMs < 5_000, `failed in ${run.elapsedMs} ms`);
  return error;
}

async function chatAgainst(reply: Reply, extra: Partial<RemoteEndpointConfig> = {}, routes: Record<string, Reply> = {}): Promise<RemoteRun> {
  server = await startReplayServer({ 'POST /v1/chat/completions': reply, ...routes });
  return runRemote(createRemoteGenerator(config(server.baseUrl, { apiKey: 'secret-key', ...extra })), chatRequest());
}

test('401 and 403 are unauthorized; the key never appears in the message', T, async () => {
  for (const status of [401, 403]) {
    const error = failed(await chatAgainst(jsonReply(status, { error: { message: 'Invalid API key' } })), 'unauthorized');
    assert.equal(error.status, status);
    assert.match(error.message, /API key/);
    assert.match(error.message, /Invalid API key/, "the server's own words are kept");
    assert.doesNotMatch(error.message, /secret-key/);
    await server!.close();
    server = undefined;
  }
});

test('404 for the model lists what /v1/models offers', T, async () => {
  const error = failed(await chatAgainst(jsonReply(404, { error: { message: 'The model `r1` does not exist.' } }), {}, { 'GET /v1/models': modelsReply(['qwen-coder', 'deepseek-r1']) }), 'model_not_found');
  assert.equal(error.status, 404);
  assert.deepEqual(error.availableModels, ['qwen-coder', 'deepseek-r1']);
  assert.match(error.message, /"r1"/);
  assert.match(error.message, /qwen-coder, deepseek-r1/);
  assert.deepEqual(error.toInfo().availableModels, ['qwen-coder', 'deepseek-r1']);
});

test('404 without a model list still says model_not_found', T, async () => {
  const error = failed(await chatAgainst(jsonReply(404, { error: 'not found' })), 'model_not_found');
  assert.equal(error.availableModels, undefined);
});

test('429 carries Retry-After in milliseconds', T, async () => {
  const error = failed(await chatAgainst(jsonReply(429, { error: { message: 'slow down' } }, { 'retry-after': '7' })), 'rate_limited');
  assert.equal(error.status, 429);
  assert.equal(error.retryAfterMs, 7_000);
  assert.match(error.message, /7 s/);
});

test('500 and 503 are server errors, not retried', T, async () => {
  for (const status of [500, 503]) {
    const error = failed(await chatAgainst(jsonReply(status, { error: { message: 'engine dead' } })), 'server_error');
    assert.equal(error.status, status);
    assert.equal(server!.requests.length, 1, 'maxRetries 0');
    await server!.close();
    server = undefined;
  }
});

test('a stream cut mid-answer (socket destroyed) keeps the deltas and throws incomplete', T, async () => {
  const run = await chatAgainst(chatSse([{ reasoning: 'Thinking ' }, { content: 'The answ' }, { content: 'never' }], { done: false, finish: null, then: 'destroy' }));
  failed(run, 'incomplete');
  assert.equal(run.reasoning, 'Thinking ');
  assert.ok(run.answer.startsWith('The answ'));
});

test('a stream that ends without finish_reason or [DONE] is incomplete, deltas kept', T, async () => {
  const run = await chatAgainst(chatSse([{ content: 'x</think>' }, { content: 'half an ans' }], { finish: null, done: false }));
  const error = failed(run, 'incomplete');
  assert.match(error.message, /finish reason/);
  assert.equal(run.answer, 'half an ans');
});

test('<think> text held back when the stream breaks is released before the error', T, async () => {
  const run = await chatAgainst(chatSse([{ content: 'Almost </thi' }], { finish: null, done: false }));
  failed(run, 'incomplete');
  assert.equal(run.reasoning, 'Almost </thi');
});

test('malformed SSE: a line that is no SSE field is skipped, the answer completes', T, async () => {
  const run = await chatAgainst(chatSse([{ content: '</think>one ' }, { content: 'two' }], { insert: { at: 2, text: 'this is not an sse line\n\n' } }));
  assert.equal(run.error, undefined);
  assert.equal(run.answer, 'one two');
  assert.equal(run.done!.finishReason, 'eos');
});

test('malformed SSE: a data line that is not JSON is reported as incomplete, deltas kept', T, async () => {
  const run = await chatAgainst(chatSse([{ content: '</think>one ' }, { content: 'two' }], { insert: { at: 2, text: 'data: {"choices": [oops\n\n' } }));
  const error = failed(run, 'incomplete');
  assert.match(error.message, /malformed/);
  assert.equal(run.answer, 'one ');
});

test('an error event in the middle of the stream is incomplete with the server message', T, async () => {
  const run = await chatAgainst(chatSse([{ content: '</think>part' }], { finish: null, done: false, insert: { at: 2, text: 'data: {"error": {"message": "out of KV cache", "code": 500}}\n\n' } }));
  const error = failed(run, 'incomplete');
  assert.match(error.message, /out of KV cache/);
  assert.equal(run.answer, 'part');
});

test('a server that accepts and never answers times out at the first-byte timeout', T, async () => {
  const run = await chatAgainst({ silent: true }, { firstByteTimeoutMs: 300 });
  const error = failed(run, 'timeout');
  assert.match(error.message, /300 ms/);
  assert.ok(run.elapsedMs >= 250 && run.elapsedMs < 3_000, `${run.elapsedMs} ms`);
});

test('a server that sends headers and then nothing times out too', T, async () => {
  const run = await chatAgainst({ status: 200, headers: { 'content-type': 'text/event-stream' }, then: 'hang' }, { firstByteTimeoutMs: 300 });
  failed(run, 'timeout');
});

test('a stream that stalls after the answer began is incomplete', T, async () => {
  const run = await chatAgainst(chatSse([{ content: '</think>par' }], { finish: null, done: false, then: 'hang' }), { firstByteTimeoutMs: 300 });
  failed(run, 'incomplete');
  assert.equal(run.answer, 'par');
});

test('a refused connection is connection_refused', T, async () => {
  const port = await closedPort();
  const run = await runRemote(createRemoteGenerator(config(`http://127.0.0.1:${port}/v1`)), chatRequest());
  const error = failed(run, 'connection_refused');
  assert.match(error.message, new RegExp(`127.0.0.1:${port}`));
});

test('a host name that does not resolve is dns', T, async () => {
  const run = await runRemote(createRemoteGenerator(config('http://r1-local-test.invalid:8000/v1')), chatRequest());
  const error = failed(run, 'dns');
  assert.match(error.message, /r1-local-test\.invalid/);
});

test('another 4xx is bad_request', T, async () => {
  const error = failed(await chatAgainst(jsonReply(422, { error: { message: 'max_tokens too large' } })), 'bad_request');
  assert.match(error.message, /max_tokens too large/);
});

test('listModels fails with the same codes', T, async () => {
  server = await startReplayServer({ 'GET /v1/models': jsonReply(401, { error: { message: 'no' } }) });
  await assert.rejects(createRemoteGenerator(config(server.baseUrl)).listModels(), (e: unknown) => isRemoteError(e) && e.code === 'unauthorized');
  const port = await closedPort();
  await assert.rejects(createRemoteGenerator(config(`http://127.0.0.1:${port}/v1`, { api: 'ollama' })).listModels(), (e: unknown) => isRemoteError(e) && e.code === 'connection_refused');
});

test('a token-id prompt cannot go to a server', T, async () => {
  const run = await runRemote(createRemoteGenerator(config('http://127.0.0.1:9/v1')), { kind: 'completion', prompt: { type: 'ids', ids: [1, 2] }, maxNewTokens: 4 });
  failed(run, 'bad_request');
});

test('Ollama: 404 lists /api/tags; 401 is unauthorized', T, async () => {
  server = await startReplayServer({ 'POST /api/chat': jsonReply(404, { error: "model 'r1' not found" }), 'GET /api/tags': jsonReply(200, { models: [{ name: 'deepseek-r1:1.5b', model: 'deepseek-r1:1.5b' }] }) });
  const error = failed(await runRemote(createRemoteGenerator(config(server.baseUrl, { api: 'ollama' })), chatRequest()), 'model_not_found');
  assert.deepEqual(error.availableModels, ['deepseek-r1:1.5b']);
  assert.match(error.message, /model 'r1' not found/);
  server.route('POST /api/chat', jsonReply(401, { error: 'unauthorized' }));
  failed(await runRemote(createRemoteGenerator(config(server.baseUrl, { api: 'ollama' })), chatRequest()), 'unauthorized');
});

test('Ollama: a malformed NDJSON line, a cut stream and a stream without done are incomplete; silence times out', T, async () => {
  const good = ollamaNdjson([{ message: { content: '</think>a' } }], null).pieces!;
  server = await startReplayServer();
  const cases: [Reply, RemoteErrorCode][] = [
    [{ status: 200, pieces: [...good, '{not json\n'] }, 'incomplete'],
    [{ status: 200, pieces: good, then: 'destroy' }, 'incomplete'],
    [{ status: 200, pieces: good }, 'incomplete'],
    [{ status: 200, pieces: [...good, '{"error":"runner crashed"}\n'] }, 'incomplete'],
    [{ silent: true }, 'timeout'],
  ];
  for (const [reply, code] of cases) {
    server.route('POST /api/chat', reply);
    const run = await runRemote(createRemoteGenerator(config(server.baseUrl, { api: 'ollama', firstByteTimeoutMs: 300 })), chatRequest());
    failed(run, code);
    if (code === 'incomplete') assert.equal(run.answer, 'a');
  }
});
