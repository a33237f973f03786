// What a broken or hostile server cannot do to the remote client: make it hold an endless line, an
// endless error body or model list, stream past maxNewTokens, or redirect the user's code to
// another address. And vLLM's refusal of a max_tokens beyond its context, retried without it.
// Each case is one loopback server, bounded in time.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteGenerator } from '../../engine/remote/remoteClient';
import { isRemoteError, type RemoteError } from '../../engine/remote/remoteError';
import type { RemoteEndpointConfig } from '../../engine/remote/remoteTypes';
import { chatSse, jsonReply, ollamaNdjson, startReplayServer, type Reply, type ReplayServer } from '../helpers/replayServer';
import { chatRequest, runRemote, type RemoteRun } from '../helpers/remoteRun';

const T = { timeout: 20_000 };
const MiB = 1024 * 1024;
const servers: ReplayServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(routes: Record<string, Reply>): Promise<ReplayServer> {
  const server = await startReplayServer(routes);
  servers.push(server);
  return server;
}

function config(baseUrl: string, extra: Partial<RemoteEndpointConfig> = {}): RemoteEndpointConfig {
  return { baseUrl, api: 'openai', chatModel: 'r1', completionModel: '', fim: 'auto', firstByteTimeoutMs: 5_000, ...extra };
}

function failedWith(run: RemoteRun, code: string, message: RegExp): RemoteError {
  assert.ok(isRemoteError(run.error), `expected a RemoteError, got ${String(run.error)}`);
  const error = run.error as RemoteError;
  assert.equal(error.code, code, error.message);
  assert.match(error.message, message);
  return error;
}

/** `total` bytes of 'x' in 64 KiB pieces. */
function filler(total: number): string[] {
  const piece = 'x'.repeat(64 * 1024);
  return Array.from({ length: Math.ceil(total / piece.length) }, () => piece);
}

test('Ollama: a line past 1 MiB ends the stream as incomplete at once, the deltas before it kept', T, async () => {
  const good = ollamaNdjson([{ message: { content: '</think>kept' } }], null).pieces!;
  const server = await serve({ 'POST /api/chat': { status: 200, pieces: [...good, '{"message":{"content":"', ...filler(1.2 * MiB)], then: 'hang' } });
  const run = await runRemote(createRemoteGenerator(config(server.baseUrl, { api: 'ollama' })), chatRequest());
  failedWith(run, 'incomplete', /line longer than 1 MiB/);
  assert.equal(run.answer, 'kept');
  assert.ok(run.elapsedMs < 4_000, `ended after ${run.elapsedMs} ms, not at the 5 s stall`);
});

test('Ollama: a line trickled byte by byte still stalls: the silence restarts per line, not per chunk', T, async () => {
  const server = await serve({ 'POST /api/chat': { status: 200, pieces: ['{"message":', ...Array.from({ length: 40 }, () => ' ')], delayMs: 100, then: 'hang' } });
  const run = await runRemote(createRemoteGenerator(config(server.baseUrl, { api: 'ollama', firstByteTimeoutMs: 600 })), chatRequest());
  failedWith(run, 'incomplete', /stopped sending for 600 ms/);
  assert.ok(run.elapsedMs < 2_500, `stalled after ${run.elapsedMs} ms, not once the 4 s trickle ended`);
});

test('OpenAI SSE: a line past 1 MiB ends the stream as incomplete at once', T, async () => {
  const good = chatSse([{ content: '</think>kept' }], { finish: null, done: false }).pieces!;
  const server = await serve({ 'POST /v1/chat/completions': { status: 200, headers: { 'content-type': 'text/event-stream' }, pieces: [...good, 'data: {"choices":[{"delta":{"content":"', ...filler(1.2 * MiB)], then: 'hang' } });
  const run = await runRemote(createRemoteGenerator(config(server.baseUrl)), chatRequest());
  failedWith(run, 'incomplete', /line longer than 1 MiB/);
  assert.equal(run.answer, 'kept');
  assert.ok(run.elapsedMs < 4_000, `ended after ${run.elapsedMs} ms`);
});

test('an error body that never ends is read up to its limit: the status and the message come at once', T, async () => {
  const endless: Reply = { status: 500, headers: { 'content-type': 'application/json' }, pieces: ['{"error":{"message":"engine dead"', ...filler(256 * 1024)], then: 'hang' };
  for (const api of ['openai', 'ollama'] as const) {
    const server = await serve({ 'POST /v1/chat/completions': endless, 'POST /api/chat': endless });
    const run = await runRemote(createRemoteGenerator(config(server.baseUrl, { api, firstByteTimeoutMs: 4_000 })), chatRequest());
    const error = failedWith(run, 'server_error', /engine dead/);
    assert.equal(error.status, 500, api);
    assert.ok(run.elapsedMs < 2_500, `${api}: answered after ${run.elapsedMs} ms, not at the 4 s timeout`);
  }
});

test('a model list past 4 MiB is refused, whatever it says', T, async () => {
  const padded = (json: string): Reply => ({ status: 200, headers: { 'content-type': 'application/json' }, pieces: [json.slice(0, -1), ...filler(4.5 * MiB).map((p) => p.replace(/x/g, ' ')), '}'] });
  const server = await serve({ 'GET /v1/models': padded('{"object":"list","data":[]}'), 'GET /api/tags': padded('{"models":[]}') });
  for (const api of ['openai', 'ollama'] as const) {
    await assert.rejects(createRemoteGenerator(config(server.baseUrl, { api })).listModels(), (e: unknown) => {
      assert.ok(isRemoteError(e), String(e));
      assert.equal(e.code, 'incomplete', `${api}: ${e.message}`);
      assert.match(e.message, /model list larger than 4 MiB/, api);
      return true;
    });
  }
});

test('a server that ignores max_tokens is cut off after maxNewTokens chunks: finish reason length, connection closed', T, async () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => ({ content: i === 0 ? '</think>w0 ' : `w${i} ` }));
  const server = await serve({
    'POST /v1/chat/completions': chatSse(many(40), { finish: null, done: false, then: 'hang' }),
    'POST /api/chat': ollamaNdjson(many(40).map((d) => ({ message: d })), null, { then: 'hang' }),
  });
  for (const api of ['openai', 'ollama'] as const) {
    const run = await runRemote(createRemoteGenerator(config(server.baseUrl, { api })), chatRequest('go', { maxNewTokens: 5 }));
    assert.equal(run.error, undefined, `${api}: ${String(run.error)}`);
    assert.equal(run.done?.finishReason, 'length', api);
    assert.equal(run.answer.trimEnd(), 'w0 w1 w2 w3 w4', api);
    assert.ok(run.elapsedMs < 4_000, `${api}: ended after ${run.elapsedMs} ms`);
    const closed = await server.requests[server.requests.length - 1]!.closed;
    assert.equal(closed.early, true, `${api}: the request was aborted on the wire`);
  }
});

test('a redirect is not followed: nothing reaches the other address, the error says to set the final URL', T, async () => {
  const elsewhere = await serve({ 'POST /v1/chat/completions': chatSse([{ content: 'stolen' }]), 'POST /api/chat': ollamaNdjson([{ message: { content: 'stolen' } }]) });
  for (const status of [307, 308]) {
    const server = await serve({
      'POST /v1/chat/completions': { status, headers: { location: `${elsewhere.origin}/v1/chat/completions` } },
      'POST /api/chat': { status, headers: { location: `${elsewhere.origin}/api/chat` } },
    });
    for (const api of ['openai', 'ollama'] as const) {
      const run = await runRemote(createRemoteGenerator(config(server.baseUrl, { api })), chatRequest('my secret code'));
      failedWith(run, 'redirected', /redirected to another address; set r1Local\.remote\.endpoint to the final URL/);
      assert.equal(server.requests.length > 0, true);
    }
  }
  assert.equal(elsewhere.requests.length, 0, 'the body was never re-sent to the other address');
});

test("vLLM's 400 for a max_tokens beyond its context: retried once without max_tokens, and not sent again", T, async () => {
  const refusal = jsonReply(400, { object: 'error', message: "'max_tokens' or 'max_completion_tokens' is too large: 40000. This model's maximum context length is 32768 tokens and your request has 20 input tokens (40000 > 32768 - 20).", type: 'BadRequestError', code: 400 });
  const server = await serve({});
  server.route('POST /v1/chat/completions', (request) => (request.body?.max_tokens !== undefined ? refusal : chatSse([{ reasoning: 'r' }, { content: 'ok' }])));
  const generator = createRemoteGenerator(config(server.baseUrl));
  const first = await runRemote(generator, chatRequest('hi', { maxNewTokens: 40_000 }));
  assert.equal(first.error, undefined, String(first.error));
  assert.equal(first.answer, 'ok');
  const second = await runRemote(generator, chatRequest('again', { maxNewTokens: 40_000 }));
  assert.equal(second.answer, 'ok');
  assert.deepEqual(server.requests.map((r) => r.body?.max_tokens), [40_000, undefined, undefined], 'one refusal, one retry, then remembered');

  const other = await serve({ 'POST /v1/chat/completions': jsonReply(400, { error: { message: 'unknown field: foo' } }) });
  failedWith(await runRemote(createRemoteGenerator(config(other.baseUrl)), chatRequest()), 'bad_request', /unknown field/);
  assert.equal(other.requests.length, 1, 'another 400 is not retried');
});
