import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIXTURE_SPECIAL_TOKENS, FIXTURE_VOCAB_SIZE } from '../../engine/fixtures/tokenizerFixture';
import { useFixtureTokenizer } from '../helpers/fixtureTokenizer';
import { type TextTokenizer } from '../../engine/text/tokenizer';
import { applyProcessors, maskTokens, repetitionPenalty, thinkGuard, thinkGuardTokenIds } from '../../engine/generation/logitsProcessors';
import { argmax } from '../../engine/generation/sampler';

let tokenizer: TextTokenizer;

useFixtureTokenizer((t) => (tokenizer = t));

test('repetition penalty (HF semantics): positive logits divided, negative multiplied, once per distinct id', () => {
  const row = Float32Array.from([2, -2, 4, 1]);
  repetitionPenalty(2).process(row, [0, 1, 0, 0, 1]);
  assert.deepEqual([...row], [1, -4, 4, 1]);
  const same = Float32Array.from([2, -2]);
  repetitionPenalty(1).process(same, [0, 1]);
  assert.deepEqual([...same], [2, -2]);
  const outOfRange = Float32Array.from([1]);
  repetitionPenalty(1.5).process(outOfRange, [5, -1]);
  assert.deepEqual([...outOfRange], [1]);
  assert.throws(() => repetitionPenalty(0), RangeError);
  assert.throws(() => repetitionPenalty(Number.NaN), RangeError);
});

test('repetition penalty changes the greedy choice away from a repeated token', () => {
  const row = Float32Array.from([3, 2.5, 0]);
  applyProcessors([repetitionPenalty(1.5)], row, [0]);
  assert.equal(argmax(row), 1);
});

test('maskTokens sets exactly those ids to -Infinity', () => {
  const row = new Float32Array(6).fill(1);
  maskTokens([1, 4, 4, 99, -3]).process(row, []);
  assert.deepEqual([...row], [1, -Infinity, 1, 1, -Infinity, 1]);
});

test('think guard masks <think>, </think>, chat-role, bos and FIM tokens, resolved from the tokenizer; eos stays', () => {
  const ids = thinkGuardTokenIds(tokenizer);
  const t = FIXTURE_SPECIAL_TOKENS;
  for (const id of [t.thinkStart, t.thinkEnd, t.user, t.assistant, t.bos, t.eot, t.fimPrefix, t.fimMiddle, t.fimSuffix, t.fimPad]) {
    assert.ok(ids.includes(id), `guard masks ${id}`);
  }
  assert.ok(!ids.includes(t.eos), 'eos is never masked: the completion must be able to end');

  const row = new Float32Array(FIXTURE_VOCAB_SIZE).fill(0);
  row[t.thinkStart] = 50; // the model "wants" to think
  row[t.thinkEnd] = 40;
  row[t.assistant] = 30;
  row[65] = 1;
  thinkGuard(tokenizer).process(row, []);
  for (const id of [t.thinkStart, t.thinkEnd, t.user, t.assistant]) assert.equal(row[id], -Infinity);
  assert.equal(row[t.eos], 0);
  assert.equal(argmax(row), 65);
  const regular = tokenizer.encode('function add(a, b) { return a + b; }');
  assert.ok(regular.every((id) => row[id] !== -Infinity), 'regular code tokens untouched');
});

test('think guard: allow keeps extra ids but never the think tags', () => {
  const t = FIXTURE_SPECIAL_TOKENS;
  const ids = thinkGuardTokenIds(tokenizer, [t.assistant, t.thinkEnd]);
  assert.ok(!ids.includes(t.assistant));
  assert.ok(ids.includes(t.thinkEnd));
  assert.ok(ids.includes(t.thinkStart));
});
