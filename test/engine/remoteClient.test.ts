// The remote client against a loopback replay server: every reasoning format of the servers it
// supports, the request fields it sends, fill-in-the-middle (suffix, FIM prompt, the auto
// fallback), cancellation on the wire and the client-side reasoning budget.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteGenerator } from '../../engine/remote/remoteClient';
import type { RemoteEndpointConfig } from '../../engine/remote/remoteTypes';
import type { GenerationRequest } from '../../engine/types';
import { chatSse, completionSse, jsonReply, modelsReply, ollamaNdjson, startReplayServer, type ReplayServer } from '../helpers/replayServer';
import { chatRequest, runRemote } from '../helpers/remoteRun';

const T = { timeout: 10_000 };
let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function config(s: ReplayServer, extra: Partial<RemoteEndpointConfig> = {}): RemoteEndpointConfig {
  return { baseUrl: s.baseUrl, api: 'openai', chatModel: 'r1', completionModel: '', fim: 'auto', firstByteTimeoutMs: 5_000, ...extra };
}

const infill = (prefix: string, suffix: string): GenerationRequest => ({ kind: 'completion', prompt: { type: 'infill', prefix, suffix }, maxNewTokens: 32 });

test('vLLM: delta.reasoning and content become the two channels; usage fills the stats; the request carries sampling, usage and budget fields', T, async () => {
  server = await startReplayServer({
    'POST /v1/chat/completions': chatSse([{ reasoning: 'Two plus ' }, { reasoning: 'two.' }, { content: '\n\nIt is ' }, { content: '4.' }], { usage: { prompt_tokens: 12, completion_tokens: 5 } }),
  });
  const generator = createRemoteGenerator(config(server, { apiKey: 'sk-test' }));
  assert.equal(generator.backendName, 'openai-compatible');
  const run = await runRemote(generator, chatRequest('2+2?', { maxNewTokens: 100, maxReasoningTokens: 50, stop: ['###'], sampling: { temperature: 0.6, topP: 0.95, seed: 7 } }));
  assert.equal(run.error, undefined);
  assert.equal(run.reasoning, 'Two plus two.');
  assert.equal(run.answer, 'It is 4.');
  assert.ok(run.deltas.every((d) => d.tokenIds.length === 0));
  const done = run.done!;
  assert.equal(done.finishReason, 'eos');
  assert.equal(done.reasoningUnterminated, false);
  assert.equal(done.reasoningBudgetForced, false);
  assert.equal(done.stats.promptTokens, 12);
  assert.equal(done.stats.generatedTokens, 5);
  assert.equal(done.stats.reasoningTokens, 2);
  assert.equal(done.stats.executionProvider, 'openai-compatible');
  assert.ok(done.stats.ttftMs >= 0 && done.stats.totalMs >= done.stats.ttftMs);

  const [req] = server.requests;
  assert.equal(req!.path, '/v1/chat/completions');
  assert.equal(req!.headers.authorization, 'Bearer sk-test');
  const body = req!.body!;
  assert.equal(body.model, 'r1');
  assert.equal(body.stream, true);
  assert.deepEqual(body.stream_options, { include_usage: true });
  assert.deepEqual(body.messages, [{ role: 'user', content: '2+2?' }]);
  assert.equal(body.max_tokens, 100);
  assert.equal(body.temperature, 0.6);
  assert.equal(body.top_p, 0.95);
  assert.equal(body.seed, 7);
  assert.deepEqual(body.stop, ['###']);
  assert.equal(body.max_reasoning_tokens, 50);
  assert.equal(body.thinking_budget_tokens, 50);
  assert.equal(body.thinking_token_budget, undefined, 'vLLM refuses it without a reasoning config');
});

test('llama-server / SGLang: delta.reasoning_content; length maps to length; greedy sends temperature 0 and no key sends no Authorization', T, async () => {
  server = await startReplayServer({ 'POST /v1/chat/completions': chatSse([{ reasoning_content: 'Think.' }, { content: 'Answer' }], { finish: 'length' }) });
  const run = await runRemote(createRemoteGenerator(config(server)), chatRequest('q', { sampling: { greedy: true, topP: 0.5 } }));
  assert.equal(run.error, undefined);
  assert.equal(run.reasoning, 'Think.');
  assert.equal(run.answer, 'Answer');
  assert.equal(run.done!.finishReason, 'length');
  const body = server.requests[0]!.body!;
  assert.equal(body.temperature, 0);
  assert.equal(body.top_p, undefined);
  assert.equal(server.requests[0]!.headers.authorization, undefined);
  assert.equal(body.max_reasoning_tokens, undefined, 'no budget asked, none sent');
});

test('no reasoning parser: <think> inside content is split, the tags themselves split across chunks', T, async () => {
  server = await startReplayServer({
    'POST /v1/chat/completions': chatSse([{ content: '<thi' }, { content: 'nk>\nLet me ' }, { content: 'see.</th' }, { content: 'ink>\n\nThe answer' }, { content: ' is 4.' }], { stopReason: '###' }),
  });
  const run = await runRemote(createRemoteGenerator(config(server)), chatRequest('q', { stop: ['###'] }));
  assert.equal(run.error, undefined);
  assert.equal(run.reasoning, 'Let me see.');
  assert.equal(run.answer, 'The answer is 4.');
  assert.ok(!run.reasoning.includes('<') && !run.answer.includes('<'));
  assert.equal(run.done!.finishReason, 'stop', 'vLLM names the stop string that matched');
});

test('no reasoning parser, the template opened the trace: content is reasoning until </think>; ending inside it is unterminated', T, async () => {
  server = await startReplayServer({
    'POST /v1/chat/completions': (_r, i) => (i === 0 ? chatSse([{ content: 'Hmm, ' }, { content: 'ok.</think>' }, { content: '\n\nDone.' }]) : chatSse([{ content: 'Still ' }, { content: 'thinking' }], { finish: 'length' })),
  });
  const generator = createRemoteGenerator(config(server));
  const first = await runRemote(generator, chatRequest());
  assert.equal(first.reasoning, 'Hmm, ok.');
  assert.equal(first.answer, 'Done.');
  const second = await runRemote(generator, chatRequest());
  assert.equal(second.reasoning, 'Still thinking');
  assert.equal(second.answer, '');
  assert.equal(second.done!.reasoningUnterminated, true);
  assert.equal(second.done!.finishReason, 'length');
});

test('Ollama native API: /api/chat NDJSON with thinking, think: true, options; usage from the counts', T, async () => {
  server = await startReplayServer({
    'POST /api/chat': ollamaNdjson([{ message: { role: 'assistant', content: '', thinking: 'Adding.' } }, { message: { role: 'assistant', content: '4' } }]),
  });
  const generator = createRemoteGenerator(config(server, { api: 'ollama', apiKey: 'k' }));
  assert.equal(generator.backendName, 'ollama');
  const run = await runRemote(generator, chatRequest('2+2?', { maxNewTokens: 64, stop: ['\n\n\n'], sampling: { temperature: 0.5, topP: 0.9, seed: 3 } }));
  assert.equal(run.error, undefined);
  assert.equal(run.reasoning, 'Adding.');
  assert.equal(run.answer, '4');
  assert.equal(run.done!.finishReason, 'eos');
  assert.equal(run.done!.stats.promptTokens, 7);
  assert.equal(run.done!.stats.generatedTokens, 5);
  assert.equal(run.done!.stats.executionProvider, 'ollama');
  const req = server.requests[0]!;
  assert.equal(req.path, '/api/chat');
  assert.equal(req.headers.authorization, 'Bearer k');
  assert.equal(req.body!.think, true);
  assert.equal(req.body!.stream, true);
  assert.deepEqual(req.body!.options, { num_predict: 64, temperature: 0.5, top_p: 0.9, seed: 3, stop: ['\n\n\n'] });
});

test('Ollama native API: a model without thinking refuses think: true once; the chat is asked again without it', T, async () => {
  server = await startReplayServer({
    'POST /api/chat': (r) => (r.body!.think ? jsonReply(400, { error: '"m" does not support thinking' }) : ollamaNdjson([{ message: { content: '<think>\nx</think>\n\nplain' } }])),
  });
  const generator = createRemoteGenerator(config(server, { api: 'ollama' }));
  const run = await runRemote(generator, chatRequest());
  assert.equal(run.error, undefined);
  assert.equal(run.reasoning, 'x');
  assert.equal(run.answer, 'plain');
  await runRemote(generator, chatRequest());
  assert.deepEqual(server.requests.map((r) => r.body!.think), [true, undefined, undefined]);
});

test('Ollama native API: an infill goes to /api/generate with suffix; the response field is the answer', T, async () => {
  server = await startReplayServer({ 'POST /api/generate': ollamaNdjson([{ response: 'a + ' }, { response: 'b' }], { done_reason: 'length', eval_count: 2 }) });
  const run = await runRemote(createRemoteGenerator(config(server, { api: 'ollama', completionModel: 'coder' })), infill('return ', ';\n}'));
  assert.equal(run.error, undefined);
  assert.equal(run.answer, 'a + b');
  assert.equal(run.reasoning, '');
  assert.equal(run.done!.finishReason, 'length');
  const body = server.requests[0]!.body!;
  assert.equal(body.model, 'coder');
  assert.equal(body.prompt, 'return ');
  assert.equal(body.suffix, ';\n}');
  assert.equal(body.raw, undefined);
});

test('chat model left empty: the first model of /v1/models is used (asked once)', T, async () => {
  server = await startReplayServer({ 'GET /v1/models': modelsReply(['deepseek-r1-distill', 'other']), 'POST /v1/chat/completions': chatSse([{ content: 'hi' }, { content: '</think>yo' }]) });
  const generator = createRemoteGenerator(config(server, { chatModel: '' }));
  await runRemote(generator, chatRequest());
  const run = await runRemote(generator, chatRequest());
  assert.equal(run.answer, 'yo');
  assert.deepEqual(server.requests.map((r) => `${r.method} ${r.path} ${r.body?.model ?? ''}`), ['GET /v1/models ', 'POST /v1/chat/completions deepseek-r1-distill', 'POST /v1/chat/completions deepseek-r1-distill']);
  assert.deepEqual(await generator.listModels(), ['deepseek-r1-distill', 'other']);
});

test('completions: a text prompt is continued; leading whitespace of code is kept', T, async () => {
  server = await startReplayServer({ 'POST /v1/completions': completionSse(['  x', ' = 1'], { usage: { prompt_tokens: 3, completion_tokens: 2 } }) });
  const run = await runRemote(createRemoteGenerator(config(server, { completionModel: 'coder' })), { kind: 'completion', prompt: { type: 'text', text: 'if (a) {\n' }, maxNewTokens: 16 });
  assert.equal(run.error, undefined);
  assert.equal(run.answer, '  x = 1');
  assert.equal(run.done!.stats.generatedTokens, 2);
  const body = server.requests[0]!.body!;
  assert.equal(body.prompt, 'if (a) {\n');
  assert.equal(body.suffix, undefined);
  assert.equal(body.model, 'coder');
  assert.equal(body.max_tokens, 16);
});

test('FIM auto: suffix first; a 400 (vLLM) falls back to the FIM prompt and is remembered', T, async () => {
  server = await startReplayServer({
    'POST /v1/completions': (r) => (r.body!.suffix !== undefined ? jsonReply(400, { error: { message: 'suffix is not currently supported', type: 'BadRequestError', code: 400 } }) : completionSse(['mid'])),
  });
  const generator = createRemoteGenerator(config(server, { fim: 'auto' }));
  const first = await runRemote(generator, infill('pre', 'post'));
  assert.equal(first.error, undefined);
  assert.equal(first.answer, 'mid');
  const second = await runRemote(generator, infill('p2', 's2'));
  assert.equal(second.answer, 'mid');
  const bodies = server.requests.map((r) => r.body!);
  assert.equal(bodies.length, 3, 'the refusal is remembered: one request for the second completion');
  assert.deepEqual([bodies[0]!.prompt, bodies[0]!.suffix], ['pre', 'post']);
  assert.deepEqual([bodies[1]!.prompt, bodies[1]!.suffix], ['<|fim_prefix|>pre<|fim_suffix|>post<|fim_middle|>', undefined]);
  assert.deepEqual([bodies[2]!.prompt, bodies[2]!.suffix], ['<|fim_prefix|>p2<|fim_suffix|>s2<|fim_middle|>', undefined]);
});

test('FIM modes suffix, prompt and off send what they say; suffix mode does not fall back', T, async () => {
  server = await startReplayServer({ 'POST /v1/completions': completionSse(['x']) });
  for (const fim of ['suffix', 'prompt', 'off'] as const) await runRemote(createRemoteGenerator(config(server, { fim })), infill('A', 'B'));
  const sent = server.requests.map((r) => [r.body!.prompt, r.body!.suffix]);
  assert.deepEqual(sent, [
    ['A', 'B'],
    ['<|fim_prefix|>A<|fim_suffix|>B<|fim_middle|>', undefined],
    ['A', undefined],
  ]);
  await server.close();
  server = await startReplayServer({ 'POST /v1/completions': jsonReply(400, { error: { message: 'no suffix' } }) });
  const run = await runRemote(createRemoteGenerator(config(server, { fim: 'suffix' })), infill('A', 'B'));
  assert.equal((run.error as { code?: string }).code, 'bad_request');
  assert.equal(server.requests.length, 1);
});

test('cancel: aborting mid-stream closes the connection (the server sees it) and ends with done aborted, deltas kept', T, async () => {
  const pieces = Array.from({ length: 50 }, (_, i) => ({ reasoning: `r${i} ` }));
  server = await startReplayServer({ 'POST /v1/chat/completions': chatSse(pieces, { delayMs: 50 }) });
  const controller = new AbortController();
  const run = await runRemote(createRemoteGenerator(config(server)), chatRequest(), controller.signal, (n) => n === 3 && controller.abort());
  assert.equal(run.error, undefined);
  assert.equal(run.done!.finishReason, 'aborted');
  assert.ok(run.reasoning.startsWith('r0 r1 r2'));
  assert.ok(run.elapsedMs < 2_000, `ended in ${run.elapsedMs} ms`);
  const closed = await server.requests[0]!.closed;
  assert.equal(closed.early, true, 'the server saw the connection close before the answer ended');
});

test('cancel (Ollama): the NDJSON request is closed on the wire too', T, async () => {
  const lines = Array.from({ length: 50 }, (_, i) => ({ message: { content: '', thinking: `t${i} ` } }));
  server = await startReplayServer({ 'POST /api/chat': ollamaNdjson(lines, null, { delayMs: 50 }) });
  const controller = new AbortController();
  const run = await runRemote(createRemoteGenerator(config(server, { api: 'ollama' })), chatRequest(), controller.signal, (n) => n === 2 && controller.abort());
  assert.equal(run.error, undefined);
  assert.equal(run.done!.finishReason, 'aborted');
  assert.equal((await server.requests[0]!.closed).early, true);
});

test('an already aborted signal sends nothing', T, async () => {
  server = await startReplayServer({ 'POST /v1/chat/completions': chatSse([{ content: 'x' }]) });
  const controller = new AbortController();
  controller.abort();
  const run = await runRemote(createRemoteGenerator(config(server)), chatRequest(), controller.signal);
  assert.equal(run.done!.finishReason, 'aborted');
  assert.equal(server.requests.length, 0);
});

test('reasoning budget without a server knob: reading stops at the budget, the connection closes, a follow-up continues the closed trace', T, async () => {
  const thinking = Array.from({ length: 40 }, (_, i) => ({ reasoning: `step${i} ` }));
  server = await startReplayServer({
    'POST /v1/chat/completions': (_r, i) =>
      i === 0 ? chatSse(thinking, { delayMs: 20 }) : chatSse([{ reasoning: 'So ' }, { content: 'the answer is 4.' }], { usage: { prompt_tokens: 30, completion_tokens: 6 } }),
  });
  const run = await runRemote(createRemoteGenerator(config(server)), chatRequest('2+2?', { maxReasoningTokens: 3, maxNewTokens: 100 }));
  assert.equal(run.error, undefined);
  assert.equal(run.reasoning, 'step0 step1 step2 ');
  assert.equal(run.answer, 'So the answer is 4.', 'the follow-up is all answer, also what a parser files as reasoning');
  const done = run.done!;
  assert.equal(done.reasoningBudgetForced, true);
  assert.equal(done.reasoningUnterminated, false);
  assert.equal(done.finishReason, 'eos');
  assert.equal(done.stats.reasoningTokens, 3);
  assert.equal((await server.requests[0]!.closed).early, true, 'the first request was cut on the wire');
  const follow = server.requests[1]!.body!;
  const messages = follow.messages as { role: string; content: string }[];
  assert.deepEqual(messages[0], { role: 'user', content: '2+2?' });
  assert.deepEqual(messages[1], { role: 'assistant', content: '<think>\nstep0 step1 step2 \n</think>\n\n' });
  assert.equal(follow.continue_final_message, true);
  assert.equal(follow.add_generation_prompt, false);
  assert.ok((follow.max_tokens as number) <= 97 && (follow.max_tokens as number) >= 1);
});

test('reasoning budget 0 closes the trace before any reasoning is shown', T, async () => {
  server = await startReplayServer({ 'POST /v1/chat/completions': (_r, i) => (i === 0 ? chatSse([{ reasoning: 'a' }, { reasoning: 'b' }], { delayMs: 20 }) : chatSse([{ content: 'Answer.' }])) });
  const run = await runRemote(createRemoteGenerator(config(server)), chatRequest('q', { maxReasoningTokens: 0 }));
  assert.equal(run.reasoning, '');
  assert.equal(run.answer, 'Answer.');
  assert.equal((server.requests[1]!.body!.messages as { content: string }[])[1]!.content, '<think>\n\n</think>\n\n');
});

test('reasoning budget with <think> in content, and with a server that closes the trace itself in time (no follow-up)', T, async () => {
  server = await startReplayServer({
    'POST /v1/chat/completions': (_r, i) =>
      i === 0 ? chatSse([{ content: 'a ' }, { content: 'b ' }, { content: 'c ' }, { content: 'd' }], { delayMs: 10 }) : i === 1 ? chatSse([{ content: 'Fine.' }]) : chatSse([{ reasoning: 'x' }, { reasoning: 'y' }, { content: 'Done.' }]),
  });
  const generator = createRemoteGenerator(config(server));
  const tags = await runRemote(generator, chatRequest('q', { maxReasoningTokens: 2 }));
  assert.equal(tags.reasoning, 'a b ');
  assert.equal(tags.answer, 'Fine.');
  assert.equal(tags.done!.reasoningBudgetForced, true);
  const within = await runRemote(generator, chatRequest('q', { maxReasoningTokens: 2 }));
  assert.equal(within.reasoning, 'xy');
  assert.equal(within.answer, 'Done.');
  assert.equal(within.done!.reasoningBudgetForced, false);
  assert.equal(server.requests.length, 3);
});

test('reasoning budget (Ollama native): the follow-up continues the assistant message without think', T, async () => {
  const thinking = Array.from({ length: 20 }, (_, i) => ({ message: { content: '', thinking: `t${i} ` } }));
  server = await startReplayServer({ 'POST /api/chat': (_r, i) => (i === 0 ? ollamaNdjson(thinking, null, { delayMs: 20 }) : ollamaNdjson([{ message: { content: 'Ans.' } }])) });
  const run = await runRemote(createRemoteGenerator(config(server, { api: 'ollama' })), chatRequest('q', { maxReasoningTokens: 2 }));
  assert.equal(run.error, undefined);
  assert.equal(run.reasoning, 't0 t1 ');
  assert.equal(run.answer, 'Ans.');
  const follow = server.requests[1]!.body!;
  assert.equal(follow.think, undefined);
  assert.deepEqual((follow.messages as unknown[])[1], { role: 'assistant', content: '<think>\nt0 t1 \n</think>\n\n' });
  assert.equal((await server.requests[0]!.closed).early, true);
});
