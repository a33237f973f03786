// Reasoning through the engine on the scripted model, whose script is a <think> trace, `</think>`,
// then a Markdown answer: the split into channels, budget forcing, an unterminated trace, and the
// completion think guard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureModel } from '../helpers/fixtureModels';
import { Engine } from '../../engine/engine';
import type { FixtureModel } from '../../engine/fixtures';
import type { GenerationEvent, GenerationRequest } from '../../engine/types';

type Done = Extract<GenerationEvent, { type: 'done' }>;

let fixture: FixtureModel;
let engine: Engine;
let reasoningPart: string;
let answerPart: string;
let reasoningTokenCount: number;

before(async () => {
  fixture = await fixtureModel('scripted', 'genai');
  engine = await Engine.load({ modelPath: fixture.dir, executionProvider: 'cpu', threads: 1 });
  const script = fixture.script!;
  const close = script.text.indexOf('</think>');
  reasoningPart = script.text.slice(0, close).trim();
  answerPart = script.text.slice(close + '</think>'.length).trimStart();
  reasoningTokenCount = script.tokenIds.indexOf(fixture.specialTokens.thinkEnd);
});
after(async () => {
  await engine.dispose();
});

const chat = (extra: Partial<GenerationRequest> = {}): GenerationRequest => ({
  kind: 'chat',
  prompt: { type: 'chat', messages: [{ role: 'user', content: 'Write add in TypeScript.' }] },
  maxNewTokens: 1000,
  sampling: { greedy: true },
  ...extra,
});

async function collect(request: GenerationRequest): Promise<{ reasoning: string; answer: string; done: Done; order: string[] }> {
  const out = { reasoning: '', answer: '' };
  const order: string[] = [];
  let done: Done | undefined;
  for await (const e of engine.generate(request)) {
    if (e.type === 'done') done = e;
    else {
      out[e.channel] += e.text;
      if (order[order.length - 1] !== e.channel) order.push(e.channel);
    }
  }
  assert.ok(done);
  return { ...out, done, order };
}

test('a chat answer is split into the reasoning trace and the answer', async () => {
  const { reasoning, answer, done, order } = await collect(chat());
  assert.deepEqual(order, ['reasoning', 'answer']);
  assert.equal(reasoning.trim(), reasoningPart);
  assert.equal(answer, answerPart);
  assert.equal(done.finishReason, 'eos');
  assert.equal(done.reasoningUnterminated, false);
  assert.equal(done.reasoningBudgetForced, false);
  assert.equal(done.stats.reasoningTokens, reasoningTokenCount);
});

test('budget forcing closes the trace at maxReasoningTokens and the model goes on answering', async () => {
  const budget = 6;
  const { reasoning, answer, done } = await collect(chat({ maxReasoningTokens: budget }));
  assert.equal(done.reasoningBudgetForced, true);
  assert.equal(done.stats.reasoningTokens, budget);
  const closeIds = engine.tokenizer.encode('\n</think>\n\n');
  // Exactly `budget` sampled tokens, then the injected close sequence.
  assert.deepEqual(done.tokenIds.slice(0, budget), fixture.script!.tokenIds.slice(0, budget));
  assert.deepEqual(done.tokenIds.slice(budget, budget + closeIds.length), closeIds);
  assert.equal(reasoning.trim(), engine.tokenizer.decode(fixture.script!.tokenIds.slice(0, budget)).trim());
  assert.ok(answer.length > 0, 'an answer follows the forced close');
  assert.equal(done.reasoningUnterminated, false);
});

test('a budget of zero closes the trace before any reasoning', async () => {
  const { reasoning, done } = await collect(chat({ maxReasoningTokens: 0 }));
  assert.equal(reasoning, '');
  assert.equal(done.reasoningBudgetForced, true);
  assert.equal(done.stats.reasoningTokens, 0);
});

test('running out of tokens inside the trace marks the reasoning unterminated', async () => {
  const { answer, done } = await collect(chat({ maxNewTokens: 4 }));
  assert.equal(done.finishReason, 'length');
  assert.equal(done.reasoningUnterminated, true);
  assert.equal(answer, '');
});

test('a stop string inside the answer ends it before the code block', async () => {
  const { reasoning, answer, done } = await collect(chat({ stop: ['```'] }));
  assert.equal(done.finishReason, 'stop');
  assert.equal(reasoning.trim(), reasoningPart);
  assert.equal(answer, answerPart.slice(0, answerPart.indexOf('```')));
});

test('completions are not split by default; the think guard keeps </think> out of them', async () => {
  const prompt = { type: 'ids' as const, ids: [10, 11, 12] };
  const plain = await collect({ kind: 'completion', prompt, maxNewTokens: 200, sampling: { greedy: true } });
  assert.deepEqual(plain.order, ['answer']);
  assert.ok(plain.done.tokenIds.includes(fixture.specialTokens.thinkEnd));

  const guarded = await collect({ kind: 'completion', prompt, maxNewTokens: 200, sampling: { greedy: true }, suppressThinking: true });
  for (const id of [fixture.specialTokens.thinkEnd, fixture.specialTokens.thinkStart, fixture.specialTokens.user, fixture.specialTokens.assistant]) {
    assert.ok(!guarded.done.tokenIds.includes(id), `token ${id} must be masked`);
  }
});
