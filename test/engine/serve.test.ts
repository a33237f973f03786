// `r1-local serve` over the scripted model (its script: a <think> trace, `</think>`, a Markdown
// answer): the OpenAI-compatible endpoints, reasoning in both field names, FIM prompts, max_tokens,
// stop strings, the reasoning budget, a continued assistant message, the API key and the errors.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { fixtureModel } from '../helpers/fixtureModels';
import { chatStreamText, completionStreamText, request, startTestServer, streamRequest, type TestServer } from '../helpers/serveHarness';
import type { FixtureModel } from '../../engine/fixtures';

const TEST_TIMEOUT = { timeout: 30_000 };

let fixture: FixtureModel;
let served: TestServer;
let reasoningPart: string;
let answerPart: string;

const user = (content: string) => ({ role: 'user', content });

before(async () => {
  fixture = await fixtureModel('scripted', 'optimum');
  served = await startTestServer(fixture, { maxBodyBytes: 64 * 1024 });
  const text = fixture.script!.text;
  const close = text.indexOf('</think>');
  reasoningPart = text.slice(0, close).trim();
  answerPart = text.slice(close + '</think>'.length).trimStart();
});
after(async () => {
  await served.server.drain();
});

const promptOf = (i: number) => served.engine().tokenizer.decode(served.received[i]!.prompt.type === 'ids' ? (served.received[i]!.prompt as { ids: number[] }).ids : []);
const lastPrompt = () => promptOf(served.received.length - 1);
const lastRequest = () => served.received[served.received.length - 1]!;

test('GET /v1/models lists the one model, with its context length', TEST_TIMEOUT, async () => {
  const reply = await request(`${served.url}/v1/models`);
  assert.equal(reply.status, 200);
  assert.equal(reply.body.object, 'list');
  assert.equal(reply.body.data.length, 1);
  const model = reply.body.data[0];
  assert.equal(model.object, 'model');
  assert.equal(model.id, served.server.modelId);
  assert.equal(model.max_model_len, served.engine().info.contextLength);
  assert.equal((await request(`${served.url}/v1/models/${encodeURIComponent(model.id)}`)).body.id, model.id);
  for (const id of ['not-this-one', '%E0%A4%A']) {
    const unknown = await request(`${served.url}/v1/models/${id}`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'model_not_found');
  }
});

test('chat, not streamed: reasoning in reasoning_content and reasoning, the answer in content', TEST_TIMEOUT, async () => {
  const reply = await request(`${served.url}/v1/chat/completions`, { body: { model: served.server.modelId, messages: [user('Write add in TypeScript.')] } });
  assert.equal(reply.status, 200);
  const { body } = reply;
  assert.equal(body.object, 'chat.completion');
  assert.match(body.id, /^chatcmpl-/);
  assert.equal(body.model, served.server.modelId);
  assert.ok(Number.isInteger(body.created));
  const choice = body.choices[0];
  assert.equal(choice.message.role, 'assistant');
  assert.equal(choice.message.reasoning_content.trim(), reasoningPart);
  assert.equal(choice.message.reasoning, choice.message.reasoning_content);
  assert.equal(choice.message.content, answerPart);
  assert.equal(choice.finish_reason, 'stop');
  const expectedPrompt = served.engine().encodePrompt({ type: 'chat', messages: [{ role: 'user', content: 'Write add in TypeScript.' }] });
  assert.equal(body.usage.prompt_tokens, expectedPrompt.length);
  assert.equal(body.usage.completion_tokens, fixture.script!.tokenIds.length + 1, 'the script and its eos');
  assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + body.usage.completion_tokens);
  assert.equal(body.usage.completion_tokens_details.reasoning_tokens, fixture.script!.tokenIds.indexOf(fixture.specialTokens.thinkEnd));
  assert.ok(lastPrompt().endsWith('<｜Assistant｜><think>\n'), 'the turn is opened with the generation prompt');
});

test('chat, streamed: chunks with ids, created and model; role first; usage last when asked; [DONE]', TEST_TIMEOUT, async () => {
  const reply = await streamRequest(`${served.url}/v1/chat/completions`, { messages: [user('Write add.')], stream: true, stream_options: { include_usage: true } });
  assert.equal(reply.status, 200);
  assert.match(reply.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.ok(reply.sawDone);
  const { chunks } = reply;
  const ids = new Set(chunks.map((c) => c.id));
  assert.equal(ids.size, 1, 'one id for the whole stream');
  for (const c of chunks) {
    assert.equal(c.object, 'chat.completion.chunk');
    assert.equal(c.model, served.server.modelId);
    assert.equal(c.created, chunks[0].created);
  }
  assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: '' });
  const text = chatStreamText(chunks);
  assert.equal(text.reasoningContent.trim(), reasoningPart);
  assert.equal(text.reasoning, text.reasoningContent);
  assert.equal(text.content, answerPart);
  const usageChunk = chunks[chunks.length - 1];
  assert.deepEqual(usageChunk.choices, []);
  assert.equal(usageChunk.usage.completion_tokens, fixture.script!.tokenIds.length + 1);
  const last = chunks[chunks.length - 2];
  assert.equal(last.choices[0].finish_reason, 'stop');
  assert.deepEqual(last.choices[0].delta, {});
  assert.ok(chunks.slice(0, -2).every((c) => c.choices[0].finish_reason === null));
  // No include_usage: no usage chunk.
  const plain = await streamRequest(`${served.url}/v1/chat/completions`, { messages: [user('Write add.')], stream: true });
  assert.ok(plain.chunks.every((c) => c.choices.length === 1 && c.usage === undefined));
});

test('completions without suffix continue the prompt text; with suffix the engine gets a FIM prompt', TEST_TIMEOUT, async () => {
  const plain = await request(`${served.url}/v1/completions`, { body: { prompt: 'def add(a, b):', max_tokens: 500 } });
  assert.equal(plain.status, 200);
  assert.equal(plain.body.object, 'text_completion');
  assert.match(plain.body.id, /^cmpl-/);
  assert.equal(plain.body.choices[0].text, fixture.script!.text, 'no reasoning split: the text as generated');
  assert.equal(plain.body.choices[0].finish_reason, 'stop');
  assert.equal(lastPrompt(), 'def add(a, b):');
  assert.equal(plain.body.usage.prompt_tokens, served.engine().tokenizer.encode('def add(a, b):').length);

  const fim = await request(`${served.url}/v1/completions`, { body: { prompt: 'def add(a, b):\n    ', suffix: '\n\nprint(add(1, 2))\n', max_tokens: 5 } });
  assert.equal(fim.status, 200);
  assert.equal(lastPrompt(), '<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n\nprint(add(1, 2))\n<|fim_middle|>');
  assert.equal(fim.body.usage.prompt_tokens, served.engine().encodePrompt({ type: 'infill', prefix: 'def add(a, b):\n    ', suffix: '\n\nprint(add(1, 2))\n' }).length);
  assert.equal(fim.body.choices[0].finish_reason, 'length');

  const streamed = await streamRequest(`${served.url}/v1/completions`, { prompt: 'x = ', suffix: '', stream: true, stream_options: { include_usage: true } });
  assert.equal(completionStreamText(streamed.chunks), fixture.script!.text);
  assert.ok(streamed.chunks.every((c) => c.object === 'text_completion'));
  assert.equal(streamed.chunks[streamed.chunks.length - 2].choices[0].finish_reason, 'stop');
  assert.equal(streamed.chunks[streamed.chunks.length - 1].usage.prompt_tokens, served.engine().encodePrompt({ type: 'infill', prefix: 'x = ', suffix: '' }).length);
  assert.ok(streamed.sawDone);
});

test('max_tokens: honoured when it fits, clamped to the context when above it, the rest of the context when absent', TEST_TIMEOUT, async () => {
  const context = served.engine().info.contextLength;
  const short = await request(`${served.url}/v1/chat/completions`, { body: { messages: [user('hi')], max_tokens: 7 } });
  assert.equal(short.status, 200);
  assert.equal(short.body.usage.completion_tokens, 7);
  assert.equal(short.body.choices[0].finish_reason, 'length');
  assert.equal(short.body.choices[0].message.content, '', 'cut inside the reasoning');

  const huge = await request(`${served.url}/v1/chat/completions`, { body: { messages: [user('hi')], max_tokens: 10_000_000 } });
  assert.equal(huge.status, 200);
  assert.equal(lastRequest().maxNewTokens, context - huge.body.usage.prompt_tokens);
  assert.equal(huge.body.choices[0].finish_reason, 'stop');

  const absent = await request(`${served.url}/v1/completions`, { body: { prompt: 'hello' } });
  assert.equal(absent.status, 200);
  assert.equal(lastRequest().maxNewTokens, context - absent.body.usage.prompt_tokens);
  assert.equal(absent.body.choices[0].text, fixture.script!.text, 'generated to the end');

  const tooLong = await request(`${served.url}/v1/completions`, { body: { prompt: 'the answer '.repeat(context) } });
  assert.equal(tooLong.status, 400);
  assert.equal(tooLong.body.error.code, 'context_length_exceeded');
});

test('a server cap on max_tokens clamps every request', TEST_TIMEOUT, async () => {
  const capped = await startTestServer(fixture, { maxTokensCap: 12, log: () => {} });
  try {
    const reply = await request(`${capped.url}/v1/chat/completions`, { body: { messages: [user('hi')], max_tokens: 500 } });
    assert.equal(reply.body.usage.completion_tokens, 12);
    assert.equal(reply.body.choices[0].finish_reason, 'length');
    assert.equal(capped.received[0]!.maxNewTokens, 12);
  } finally {
    await capped.server.drain();
  }
});

test('sampling fields reach the engine: temperature 0 is greedy; temperature, top_p, seed, stop', TEST_TIMEOUT, async () => {
  await request(`${served.url}/v1/chat/completions`, { body: { messages: [user('hi')], temperature: 0, max_tokens: 2 } });
  assert.deepEqual(lastRequest().sampling, { greedy: true });
  await request(`${served.url}/v1/chat/completions`, { body: { messages: [user('hi')], temperature: 0.7, top_p: 0.9, seed: 42, max_tokens: 2 } });
  assert.deepEqual(lastRequest().sampling, { temperature: 0.7, topP: 0.9, seed: 42 });

  const stopped = await request(`${served.url}/v1/chat/completions`, { body: { messages: [user('hi')], stop: '```' } });
  assert.equal(stopped.body.choices[0].finish_reason, 'stop');
  assert.equal(stopped.body.choices[0].message.content, answerPart.slice(0, answerPart.indexOf('```')));
  const stoppedList = await request(`${served.url}/v1/completions`, { body: { prompt: 'x', stop: ['never', 'Let me'] } });
  assert.equal(stoppedList.body.choices[0].text, fixture.script!.text.slice(0, fixture.script!.text.indexOf('Let me')));
  assert.equal(stoppedList.body.choices[0].finish_reason, 'stop');
});

test('max_reasoning_tokens closes the trace after that many tokens and the answer follows', TEST_TIMEOUT, async () => {
  const budget = 5;
  const reply = await request(`${served.url}/v1/chat/completions`, { body: { messages: [user('hi')], max_reasoning_tokens: budget, max_tokens: 60 } });
  assert.equal(reply.status, 200);
  assert.equal(lastRequest().maxReasoningTokens, budget);
  assert.equal(reply.body.usage.completion_tokens_details.reasoning_tokens, budget);
  const message = reply.body.choices[0].message;
  assert.equal(message.reasoning_content.trim(), served.engine().tokenizer.decode(fixture.script!.tokenIds.slice(0, budget)).trim());
  assert.ok(message.content.length > 0, 'an answer after the forced </think>');
  const none = await request(`${served.url}/v1/chat/completions`, { body: { messages: [user('hi')], max_reasoning_tokens: 0, max_tokens: 20 } });
  assert.equal(none.body.choices[0].message.reasoning_content, null);
  assert.equal(none.body.usage.completion_tokens_details.reasoning_tokens, 0);
});

test('a final assistant message is continued, not closed', TEST_TIMEOUT, async () => {
  const partial = `<think>\n${reasoningPart}\n</think>\n\n`;
  const reply = await request(`${served.url}/v1/chat/completions`, { body: { messages: [user('Write add in TypeScript.'), { role: 'assistant', content: partial }] } });
  assert.equal(reply.status, 200);
  assert.ok(lastPrompt().endsWith(`<｜Assistant｜><think>\n${reasoningPart}\n</think>\n\n`), JSON.stringify(lastPrompt()));
  assert.ok(!lastPrompt().includes('<｜end▁of▁sentence｜>'), 'the assistant turn is left open');
  const message = reply.body.choices[0].message;
  assert.equal(message.reasoning_content, null, 'the trace was already closed in the prompt');
  assert.equal(message.content, answerPart, 'the script goes on from where the message stopped');

  // Streamed, and with text parts: the same.
  const streamed = await streamRequest(`${served.url}/v1/chat/completions`, {
    stream: true,
    messages: [user('Write add in TypeScript.'), { role: 'assistant', content: [{ type: 'text', text: partial }] }],
  });
  assert.equal(chatStreamText(streamed.chunks).content, answerPart);

  // Without a trace, the answer is continued after the assistant marker.
  await request(`${served.url}/v1/chat/completions`, { body: { messages: [user('hi'), { role: 'assistant', content: 'The answer is' }], max_tokens: 3 } });
  assert.ok(lastPrompt().endsWith('<｜Assistant｜>The answer is'), JSON.stringify(lastPrompt()));
  // Asked not to continue: the turn is closed and a new one opened.
  await request(`${served.url}/v1/chat/completions`, { body: { messages: [user('hi'), { role: 'assistant', content: 'Hello.' }, user('again')], max_tokens: 3 } });
  assert.ok(lastPrompt().endsWith('<｜Assistant｜>Hello.<｜end▁of▁sentence｜><｜User｜>again<｜Assistant｜><think>\n'));
});

describe('errors in OpenAI shape', () => {
  test('malformed JSON and bad fields: 400 naming the field', TEST_TIMEOUT, async () => {
    const malformed = await request(`${served.url}/v1/chat/completions`, { rawBody: '{"messages": [' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.type, 'invalid_request_error');
    assert.equal(malformed.body.error.code, 'invalid_json');
    assert.equal(typeof malformed.body.error.message, 'string');
    for (const [body, param] of [
      [{ messages: [] }, 'messages'],
      [{ messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].role'],
      [{ messages: [user('hi')], temperature: 'hot' }, 'temperature'],
      [{ messages: [user('hi')], max_tokens: 0 }, 'max_tokens'],
      [{ messages: [user('hi')], top_p: 1.5 }, 'top_p'],
      [{ messages: [user('hi')], n: 2 }, 'n'],
      [{ messages: [user('hi')], stop: [''] }, 'stop'],
      [{ messages: [user('hi')], max_reasoning_tokens: -1 }, 'max_reasoning_tokens'],
      [{ messages: [user('hi')], continue_final_message: true }, 'continue_final_message'],
    ] as const) {
      const reply = await request(`${served.url}/v1/chat/completions`, { body });
      assert.equal(reply.status, 400, JSON.stringify(body));
      assert.equal(reply.body.error.param, param);
    }
    const noPrompt = await request(`${served.url}/v1/completions`, { body: { suffix: 'x' } });
    assert.equal(noPrompt.status, 400);
    assert.equal(noPrompt.body.error.param, 'prompt');
  });

  test('unknown path 404, unknown model 404, wrong method 405', TEST_TIMEOUT, async () => {
    const path = await request(`${served.url}/v1/embeddings`, { body: { input: 'x' } });
    assert.equal(path.status, 404);
    assert.equal(path.body.error.code, 'not_found');
    const model = await request(`${served.url}/v1/chat/completions`, { body: { model: 'gpt-4o', messages: [user('hi')] } });
    assert.equal(model.status, 404);
    assert.equal(model.body.error.code, 'model_not_found');
    const method = await request(`${served.url}/v1/chat/completions`, { method: 'GET' });
    assert.equal(method.status, 405);
    assert.equal(method.headers.get('allow'), 'POST');
    assert.equal((await request(`${served.url}/v1/models`, { method: 'DELETE' })).status, 405);
  });

  test('a body over the limit: 413, declared or sent in chunks', TEST_TIMEOUT, async () => {
    const declared = await request(`${served.url}/v1/completions`, { body: { prompt: 'x'.repeat(100 * 1024) } });
    assert.equal(declared.status, 413);
    assert.equal(declared.body.error.code, 'request_too_large');
    // No Content-Length: the limit applies while the body arrives.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${served.url}/v1/completions`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.write('{"prompt": "');
      for (let i = 0; i < 20; i++) req.write('y'.repeat(8 * 1024));
      req.end('"}');
    });
    assert.equal(chunked.status, 413);
    assert.equal(JSON.parse(chunked.body).error.code, 'request_too_large');
    // The server still answers afterwards.
    assert.equal((await request(`${served.url}/v1/models`)).status, 200);
  });

  test('one log line per request: method, path, status, time; never the prompt', TEST_TIMEOUT, async () => {
    const before = served.logLines.length;
    await request(`${served.url}/v1/completions`, { body: { prompt: 'secret prompt text', max_tokens: 2 } });
    await request(`${served.url}/v1/nothing`);
    const lines = served.logLines.slice(before);
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, / POST \/v1\/completions 200 \d+ms$/);
    assert.match(lines[1]!, / GET \/v1\/nothing 404 \d+ms$/);
    assert.ok(!lines.join('\n').includes('secret'));
  });
});

describe('API key', () => {
  const key = 'team-key-7f3a9c';
  let keyed: TestServer;
  before(async () => {
    keyed = await startTestServer(fixture, { apiKey: key });
  });
  after(async () => {
    await keyed.server.drain();
  });

  const calls = (): Array<[string, { method?: string; body?: unknown }]> => [
    ['/v1/models', {}],
    ['/v1/models/anything', {}],
    ['/v1/chat/completions', { body: { messages: [user('hi')], max_tokens: 2 } }],
    ['/v1/completions', { body: { prompt: 'x', max_tokens: 2 } }],
    ['/v1/unknown', {}],
  ];

  test('every endpoint answers 401 without the key or with a wrong one', TEST_TIMEOUT, async () => {
    for (const [path, init] of calls()) {
      for (const presented of [undefined, 'wrong', `${key}x`, key.slice(0, -1), '']) {
        const reply = await request(`${keyed.url}${path}`, { ...init, key: presented });
        assert.equal(reply.status, 401, `${path} with ${JSON.stringify(presented)}`);
        assert.equal(reply.body.error.type, 'authentication_error');
        assert.equal(reply.headers.get('www-authenticate'), 'Bearer');
      }
    }
    assert.equal(keyed.received.length, 0, 'nothing reached the engine');
    assert.ok(!keyed.logLines.join('\n').includes(key), 'the key is never logged');
  });

  test('the right key is accepted', TEST_TIMEOUT, async () => {
    assert.equal((await request(`${keyed.url}/v1/models`, { key })).status, 200);
    const chat = await request(`${keyed.url}/v1/chat/completions`, { key, body: { messages: [user('hi')], max_tokens: 2 } });
    assert.equal(chat.status, 200);
    const stream = await streamRequest(`${keyed.url}/v1/completions`, { prompt: 'x', max_tokens: 3, stream: true }, { key });
    assert.equal(stream.status, 200);
    assert.ok(stream.sawDone);
  });
});

test('the CLI refuses a non-loopback host without an API key, before loading anything', TEST_TIMEOUT, async () => {
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'engine/cli/main.ts', 'serve', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, R1_LOCAL_API_KEY: '', ...env } });
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stderr });
      });
    });
  const refused = await run(['--model', '/nonexistent-model-folder', '--host', '0.0.0.0']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /refusing to listen on 0\.0\.0\.0 without an API key/);
  assert.match(refused.stderr, /--api-key/);
  // With a key it gets past the check (and fails on the missing folder instead).
  const keyed = await run(['--model', '/nonexistent-model-folder', '--host', '0.0.0.0'], { R1_LOCAL_API_KEY: 'k' });
  assert.equal(keyed.code, 1);
  assert.doesNotMatch(keyed.stderr, /refusing/);
});
