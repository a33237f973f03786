// `r1-local serve` under load: 8 streaming clients × 5 requests at once, over a scripted model whose
// script is a list of distinct words. A prompt made of the script's first k words makes the model
// go on from word k, so every request expects its own, known text: a stream holding anything else
// (another request's tokens, a gap) fails. Some clients disconnect mid-stream; the engine must be
// free afterwards. A small --max-queue shows the bound: one generating, N waiting, the rest 429.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureModel } from '../helpers/fixtureModels';
import { chatStreamText, completionStreamText, eventually, request, startTestServer, streamRequest, type StreamReply, type TestServer } from '../helpers/serveHarness';
import type { FixtureModel } from '../../engine/fixtures';

const WORDS = (
  'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo ' +
  'sierra tango uniform victor whiskey xray yankee zulu one two three four five six seven eight nine ten eleven ' +
  'twelve thirteen fourteen fifteen sixteen seventeen eighteen'
).split(' ');
const SCRIPT = WORDS.join(' ');

const CLIENTS = 8;
const PER_CLIENT = 5;
/** Clients whose second request disconnects after its first chunk of text. */
const DISCONNECTING = new Set([5, 6, 7]);
/** The prompts of those requests: their generations are slowed so the disconnect lands mid-stream. */
const CUT_PROMPTS = [...DISCONNECTING].map((client) => WORDS.slice(0, client * 5 + 2).join(' '));
const slowWhenCut = (prompt: string) => (CUT_PROMPTS.some((p) => prompt.endsWith(p)) ? 5 : 0);

let fixture: FixtureModel;

before(async () => {
  fixture = await fixtureModel('scripted', 'optimum', 'fp32', { script: SCRIPT });
});

interface Outcome {
  reply: StreamReply;
  /** What the stream must hold: the script after the prompt's words. */
  expected: string;
  endpoint: 'chat' | 'completion';
  disconnect: boolean;
}

/** Request number `n` (1-based): its prompt is the script's first n words. */
async function oneRequest(url: string, n: number, endpoint: 'chat' | 'completion', disconnect: boolean): Promise<Outcome> {
  const prompt = WORDS.slice(0, n).join(' ');
  const rest = ` ${WORDS.slice(n).join(' ')}`;
  const body =
    endpoint === 'completion'
      ? { prompt, stream: true, temperature: 0 }
      : // The assistant message is continued: the model goes on from its last word.
        { messages: [{ role: 'user', content: 'Recite.' }, { role: 'assistant', content: prompt }], stream: true, temperature: 0 };
  const reply = await streamRequest(`${url}/v1/${endpoint === 'chat' ? 'chat/completions' : 'completions'}`, body, disconnect ? { abortAfterChunks: 1 } : {});
  // The chat answer channel drops the whitespace it starts with.
  return { reply, expected: endpoint === 'chat' ? rest.trimStart() : rest, endpoint, disconnect };
}

function streamText(o: Outcome): string {
  return o.endpoint === 'chat' ? chatStreamText(o.reply.chunks).content : completionStreamText(o.reply.chunks);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Runs the clients; each sends its requests one after another. */
async function runLoad(served: TestServer): Promise<{ outcomes: Outcome[]; maxQueued: number; elapsedMs: number }> {
  let maxQueued = 0;
  const poll = setInterval(() => (maxQueued = Math.max(maxQueued, served.server.status().queued)), 2);
  const started = performance.now();
  try {
    const perClient = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        const outcomes: Outcome[] = [];
        for (let i = 0; i < PER_CLIENT; i++) {
          const n = client * PER_CLIENT + i + 1;
          outcomes.push(await oneRequest(served.url, n, client % 2 === 0 ? 'completion' : 'chat', DISCONNECTING.has(client) && i === 1));
        }
        return outcomes;
      }),
    );
    return { outcomes: perClient.flat(), maxQueued, elapsedMs: performance.now() - started };
  } finally {
    clearInterval(poll);
  }
}

function checkOutcomes(outcomes: Outcome[]): { completed: number; refused: number; disconnected: number; ttft: number[] } {
  let completed = 0;
  let refused = 0;
  let disconnected = 0;
  const ttft: number[] = [];
  for (const o of outcomes) {
    if (o.reply.status === 429) {
      refused++;
      assert.equal(o.reply.error.error.type, 'rate_limit_error');
      assert.ok(Number(o.reply.headers.get('retry-after')) >= 1, 'a 429 says when to retry');
      continue;
    }
    assert.equal(o.reply.status, 200);
    const text = streamText(o);
    if (o.disconnect) {
      disconnected++;
      assert.ok(o.expected.startsWith(text), `a cut stream holds only its own text: ${JSON.stringify(text)}`);
      continue;
    }
    completed++;
    assert.ok(o.reply.sawDone, 'the stream ends with [DONE]');
    assert.equal(text, o.expected, 'the stream is exactly its own generation');
    assert.equal(new Set(o.reply.chunks.map((c) => c.id)).size, 1);
    ttft.push(o.reply.firstTokenMs!);
  }
  return { completed, refused, disconnected, ttft };
}

async function engineIsFree(served: TestServer): Promise<void> {
  assert.ok(await eventually(() => served.server.status().active === 0 && served.server.status().queued === 0), `nothing active afterwards: ${JSON.stringify(served.server.status())}`);
  assert.ok(served.generations.every((g) => g.ended), 'every generation the engine started has ended');
  assert.ok(!served.engine().busy, 'no KV slot is held');
}

test('8 streaming clients × 5 requests: each stream is exactly its own generation; disconnects free the engine', { timeout: 120_000 }, async (t) => {
  const served = await startTestServer(fixture, { stepDelayMs: slowWhenCut, log: () => {} });
  try {
    const { outcomes, maxQueued, elapsedMs } = await runLoad(served);
    const { completed, refused, disconnected, ttft } = checkOutcomes(outcomes);
    assert.equal(outcomes.length, CLIENTS * PER_CLIENT);
    assert.equal(completed + refused + disconnected, outcomes.length, 'every request completed, was refused or was cut by its client');
    assert.equal(disconnected, DISCONNECTING.size);
    // At most 8 requests are outstanding at once, so the default queue (8) never refuses.
    assert.equal(refused, 0);
    assert.ok(maxQueued <= 8);

    await engineIsFree(served);
    const cut = served.generations.filter((g) => g.aborted);
    assert.equal(cut.length, DISCONNECTING.size, 'each disconnect cancelled its generation');
    for (const g of cut) assert.ok(g.afterAbort <= 1, `cancelled within one step (pulled ${g.afterAbort} after the cancel)`);
    // Later requests are still served, correctly.
    const after = await oneRequest(served.url, 3, 'completion', false);
    assert.equal(completionStreamText(after.reply.chunks), after.expected);

    const figures =
      `serve load (max-queue 8): ${outcomes.length} requests, ${completed} completed, ${refused} × 429, ${disconnected} disconnected mid-stream; ` +
      `time to first token p50 ${percentile(ttft, 50).toFixed(0)} ms, p95 ${percentile(ttft, 95).toFixed(0)} ms; most waiting ${maxQueued}; ${(elapsedMs / 1000).toFixed(1)} s`;
    t.diagnostic(figures);
    console.log(figures);
  } finally {
    await served.server.drain();
  }
});

test('with --max-queue 3 the same load gets 429s at once, and the queue never holds more than 3', { timeout: 120_000 }, async (t) => {
  const served = await startTestServer(fixture, { stepDelayMs: 1, maxQueue: 3, log: () => {} });
  try {
    const { outcomes, maxQueued, elapsedMs } = await runLoad(served);
    const { completed, refused, disconnected, ttft } = checkOutcomes(outcomes);
    assert.equal(completed + refused + disconnected, outcomes.length);
    assert.ok(refused > 0, 'eight clients against one running and three waiting: some are refused');
    assert.ok(maxQueued <= 3, `the queue held ${maxQueued}`);
    await engineIsFree(served);
    const figures =
      `serve load (max-queue 3): ${outcomes.length} requests, ${completed} completed, ${refused} × 429, ${disconnected} disconnected; ` +
      `time to first token p50 ${percentile(ttft, 50).toFixed(0)} ms, p95 ${percentile(ttft, 95).toFixed(0)} ms; most waiting ${maxQueued}; ${(elapsedMs / 1000).toFixed(1)} s`;
    t.diagnostic(figures);
    console.log(figures);
  } finally {
    await served.server.drain();
  }
});

test('a burst against one running request: exactly max-queue wait, the rest get 429 before the first finishes', { timeout: 60_000 }, async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let first = true;
  const served = await startTestServer(fixture, {
    maxQueue: 2,
    log: () => {},
    beforeGenerate: async () => {
      if (!first) return;
      first = false;
      await gate;
    },
  });
  try {
    const running = request(`${served.url}/v1/completions`, { body: { prompt: 'alpha', max_tokens: 5 } });
    assert.ok(await eventually(() => served.server.status().active === 1), 'the first request started');
    const burst = Array.from({ length: 7 }, (_, i) => request(`${served.url}/v1/completions`, { body: { prompt: WORDS.slice(0, i + 2).join(' '), max_tokens: 5 } }));
    // While the first still holds the engine, five answers are already back: 429.
    const settled: number[] = [];
    burst.forEach((p) => void p.then((r) => settled.push(r.status)));
    assert.ok(await eventually(() => settled.length === 5), `five refused at once, got ${JSON.stringify(settled)}`);
    assert.deepEqual(settled, [429, 429, 429, 429, 429]);
    assert.equal(served.server.status().queued, 2);
    release();
    const all = await Promise.all([running, ...burst]);
    assert.equal(all.filter((r) => r.status === 200).length, 3);
    assert.equal(all.filter((r) => r.status === 429).length, 5);
    for (const r of all.filter((r) => r.status === 429)) {
      assert.equal(r.body.error.code, 'queue_full');
      assert.equal(r.headers.get('retry-after'), '1');
    }
    await engineIsFree(served);
  } finally {
    release();
    await served.server.drain();
  }
});

test('a client that disconnects while waiting leaves the queue; one that disconnects while generating stops it within a step', { timeout: 60_000 }, async () => {
  const served = await startTestServer(fixture, { stepDelayMs: 5, log: () => {} });
  try {
    const long = oneRequest(served.url, 1, 'completion', true);
    const waiting = new AbortController();
    const queued = fetch(`${served.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ prompt: 'alpha bravo', stream: true }), signal: waiting.signal }).catch(() => undefined);
    assert.ok(await eventually(() => served.server.status().queued === 1));
    waiting.abort();
    await queued;
    await long;
    await engineIsFree(served);
    assert.equal(served.generations.length, 1, 'the waiting request never reached the engine');
    assert.ok(served.generations[0]!.aborted);
    assert.ok(served.generations[0]!.afterAbort <= 1);
    assert.ok(served.generations[0]!.events < WORDS.length, 'stopped long before the end of the script');
  } finally {
    await served.server.drain();
  }
});
