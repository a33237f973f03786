// `r1-local serve` against clients that misbehave or wait: request targets the URL parser refuses,
// a stream waiting in the queue (keep-alive chunks keep a client's silence timer from firing),
// --max-queue 0, clients that send their headers or body too slowly, a client that stops reading
// a stream, and a prompt too long to be worth tokenizing. Every test talks to 127.0.0.1.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { fixtureModel } from '../helpers/fixtureModels';
import { completionStreamText, eventually, request, startTestServer, streamRequest } from '../helpers/serveHarness';
import { createRemoteGenerator } from '../../engine/remote/remoteClient';
import type { FixtureModel } from '../../engine/fixtures';
import type { GenerationEvent } from '../../engine/types';

const TEST_TIMEOUT = { timeout: 60_000 };
const WORDS = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa'.split(' ');
/** A few hundred tokens: a stream long enough to outlast a short timeout. */
const SCRIPT = Array.from({ length: 6 }, (_, i) => `part ${i}: ${WORDS.join(' ')}`).join('\n');

let fixture: FixtureModel;

before(async () => {
  fixture = await fixtureModel('scripted', 'optimum', 'fp32', { script: SCRIPT });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const user = (content: string) => ({ role: 'user', content });

function socketTo(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends raw bytes and reads until the server closes the connection (or `ms` passes). */
async function rawExchange(url: string, text: string, ms = 5_000): Promise<{ reply: string; closed: boolean; elapsedMs: number }> {
  const socket = await socketTo(url);
  const started = performance.now();
  let reply = '';
  socket.on('data', (d: Buffer) => (reply += d.toString('latin1')));
  const closed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.on('error', () => undefined);
    socket.write(text);
  });
  socket.destroy();
  return { reply, closed, elapsedMs: performance.now() - started };
}

test('a request target the URL parser refuses is a 400, and the server keeps answering', TEST_TIMEOUT, async () => {
  const served = await startTestServer(fixture);
  try {
    for (const target of ['//[', 'http://[x', '//a:b@c:99999/']) {
      const { reply, closed } = await rawExchange(served.url, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.ok(closed, `${target}: the connection was closed`);
      assert.match(reply, /^HTTP\/1\.1 400 /, `${target}: ${reply.slice(0, 80)}`);
      const body = JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4));
      assert.equal(body.error.code, 'invalid_request_target');
    }
    assert.equal((await request(`${served.url}/v1/models`)).status, 200);
    assert.equal(served.logLines.filter((l) => / 400 \d+ms$/.test(l)).length, 3, served.logLines.join('\n'));
  } finally {
    await served.server.drain();
  }
});

test('streams waiting in the queue get keep-alive chunks: a client with a 500 ms silence timer waits over a second and completes', TEST_TIMEOUT, async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let first = true;
  const served = await startTestServer(fixture, {
    keepAliveIntervalMs: 100,
    beforeGenerate: async () => {
      if (!first) return;
      first = false;
      await gate;
    },
  });
  try {
    // The first holds the engine (started, "prefilling" at the gate); the next two wait in the queue.
    const running = streamRequest(`${served.url}/v1/chat/completions`, { messages: [user('first')], stream: true, max_tokens: 4 });
    assert.ok(await eventually(() => served.server.status().active === 1));
    const remote = createRemoteGenerator({ baseUrl: `${served.url}/v1`, api: 'openai', chatModel: '', completionModel: '', fim: 'off', firstByteTimeoutMs: 500 });
    const events: GenerationEvent[] = [];
    const viaClient = (async () => {
      const stream = remote.generate({ kind: 'chat', prompt: { type: 'chat', messages: [{ role: 'user', content: 'second' }] }, maxNewTokens: 6 }, new AbortController().signal);
      for await (const event of stream) events.push(event);
    })();
    assert.ok(await eventually(() => served.server.status().queued === 1), 'the client request waits');
    const completion = streamRequest(`${served.url}/v1/completions`, { prompt: 'third', stream: true, max_tokens: 3 });
    assert.ok(await eventually(() => served.server.status().queued === 2));
    const queuedAt = performance.now();
    await sleep(1_200);
    release();
    await viaClient;
    assert.ok(performance.now() - queuedAt > 1_000, 'the client waited more than twice its silence timeout');
    const done = events[events.length - 1];
    assert.equal(done?.type, 'done');
    assert.ok(events.some((e) => e.type === 'delta' && e.text.length > 0), 'the answer arrived');

    const chat = await running;
    assert.ok(chat.sawDone);
    const keepAlives = chat.chunks.filter((c) => c.choices.length === 1 && Object.keys(c.choices[0].delta).length === 0 && c.choices[0].finish_reason === null);
    assert.ok(keepAlives.length >= 3, `a chat stream gets empty-delta chunks while it waits (got ${keepAlives.length})`);
    for (const k of keepAlives) assert.equal(k.object, 'chat.completion.chunk');
    const text = await completion;
    assert.ok(text.sawDone);
    const idle = text.chunks.filter((c) => c.choices[0]?.text === '' && c.choices[0]?.finish_reason === null);
    assert.ok(idle.length >= 3, `a completion stream gets empty-text chunks while it waits (got ${idle.length})`);
    assert.ok(completionStreamText(text.chunks).length > 0);
  } finally {
    release();
    await served.server.drain();
  }
});

test('--max-queue 0: served when idle, 429 while one runs, served again afterwards', TEST_TIMEOUT, async () => {
  let gate: Promise<void> | undefined;
  const served = await startTestServer(fixture, { maxQueue: 0, beforeGenerate: async () => gate });
  let release = () => {};
  try {
    const idle = await request(`${served.url}/v1/completions`, { body: { prompt: 'alpha', max_tokens: 2 } });
    assert.equal(idle.status, 200, JSON.stringify(idle.body));

    gate = new Promise<void>((resolve) => (release = resolve));
    const running = request(`${served.url}/v1/completions`, { body: { prompt: 'alpha bravo', max_tokens: 2 } });
    assert.ok(await eventually(() => served.server.status().active === 1));
    gate = undefined;
    for (const path of ['/v1/completions', '/v1/chat/completions']) {
      const refused = await request(`${served.url}${path}`, { body: path.includes('chat') ? { messages: [user('x')], max_tokens: 2 } : { prompt: 'x', max_tokens: 2 } });
      assert.equal(refused.status, 429);
      assert.equal(refused.body.error.code, 'queue_full');
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.doesNotMatch(refused.body.error.message, /0 requests/);
    }
    assert.equal(served.server.status().queued, 0);
    release();
    assert.equal((await running).status, 200);
    assert.equal((await request(`${served.url}/v1/completions`, { body: { prompt: 'alpha', max_tokens: 2 } })).status, 200);
  } finally {
    release();
    await served.server.drain();
  }
});

test('slow clients are cut: headers not done in time, a body that never comes; a long stream is not', TEST_TIMEOUT, async () => {
  const long = 'alpha bravo charlie';
  const served = await startTestServer(fixture, { headersTimeoutMs: 300, requestTimeoutMs: 600, stepDelayMs: (prompt) => (prompt === long ? 5 : 0) });
  try {
    // A stream that outlasts the request timeout: the timeout covers receiving the request only.
    const stream = streamRequest(`${served.url}/v1/completions`, { prompt: long, stream: true, max_tokens: 200 });

    const headers = await rawExchange(served.url, 'POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n', 5_000);
    assert.ok(headers.closed, 'headers that never end: the connection is closed');
    assert.ok(headers.elapsedMs < 3_000, `closed after ${headers.elapsedMs.toFixed(0)} ms`);

    const body = await rawExchange(served.url, 'POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{"prompt": "al', 5_000);
    assert.ok(body.closed, 'a body that never ends: the connection is closed');
    assert.ok(body.elapsedMs < 3_000, `closed after ${body.elapsedMs.toFixed(0)} ms`);

    const reply = await stream;
    assert.equal(reply.status, 200);
    assert.ok(reply.sawDone, 'the stream ran to its end');
    assert.equal(served.generations.length, 1, 'the cut requests never reached the engine');
    assert.equal((await request(`${served.url}/v1/models`)).status, 200);
  } finally {
    await served.server.drain();
  }
});

test('a client that stops reading a stream is cut and its generation cancelled', TEST_TIMEOUT, async () => {
  const served = await startTestServer(fixture, { inflateDeltas: 20_000, stepDelayMs: 5, writeStallTimeoutMs: 200 });
  const socket = await socketTo(served.url);
  try {
    socket.on('error', () => undefined);
    const body = JSON.stringify({ prompt: 'alpha', stream: true });
    socket.write(`POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    // Reads the headers, then nothing more: the kernel's buffers fill and the server's writes back up.
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.pause();
    assert.ok(await eventually(() => served.generations[0]?.ended === true, 20_000), 'the generation ended');
    const generation = served.generations[0]!;
    assert.ok(generation.aborted, 'it was cancelled, not run to its end');
    const whole = served.engine().tokenizer.encode(SCRIPT).length;
    assert.ok(generation.events < whole, `stopped after ${generation.events} of about ${whole} steps`);
    assert.ok(await eventually(() => served.logLines.some((l) => /POST \/v1\/completions 200 \d+ms \(client gone\)$/.test(l))), served.logLines.join('\n'));
    assert.ok(await eventually(() => served.server.status().active === 0 && served.server.status().queued === 0));
    assert.equal((await request(`${served.url}/v1/completions`, { body: { prompt: 'alpha', max_tokens: 2 } })).status, 200);
  } finally {
    socket.destroy();
    await served.server.drain();
  }
});

test('a prompt longer in characters than the context could hold is refused before it is tokenized', TEST_TIMEOUT, async () => {
  const served = await startTestServer(fixture);
  try {
    const limit = served.engine().info.contextLength * 16;
    const completion = await request(`${served.url}/v1/completions`, { body: { prompt: 'a'.repeat(limit - 10), suffix: 'b'.repeat(11) } });
    assert.equal(completion.status, 400);
    assert.equal(completion.body.error.code, 'context_length_exceeded');
    assert.equal(completion.body.error.param, 'prompt');
    const chat = await request(`${served.url}/v1/chat/completions`, { body: { messages: [user('a'.repeat(limit / 2)), { role: 'assistant', content: 'ok' }, user('b'.repeat(limit / 2))] } });
    assert.equal(chat.status, 400);
    assert.equal(chat.body.error.code, 'context_length_exceeded');
    assert.equal(chat.body.error.param, 'messages');
    assert.deepEqual(served.encodedChars, [], 'nothing was tokenized');
    assert.equal(served.received.length, 0);
    // At the limit it is tokenized (and then found too long in tokens, or not).
    await request(`${served.url}/v1/completions`, { body: { prompt: 'a '.repeat(limit / 2), max_tokens: 1 } });
    assert.deepEqual(served.encodedChars, [limit]);
  } finally {
    await served.server.drain();
  }
});
