import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIXTURE_SPECIAL_TOKENS } from '../../engine/fixtures/tokenizerFixture';
import { useFixtureTokenizer } from '../helpers/fixtureTokenizer';
import { type TextTokenizer } from '../../engine/text/tokenizer';
import { StreamingDecoder } from '../../engine/text/streamingDecoder';
import { ReasoningSplitter } from '../../engine/generation/reasoningSplitter';
import { REASONING_CLOSE_TEXT, ReasoningBudget, reasoningCloseIds } from '../../engine/generation/reasoningBudget';

let tokenizer: TextTokenizer;

useFixtureTokenizer((t) => (tokenizer = t));

/**
 * The generator's loop in miniature: a "model" that would think forever (it keeps producing the
 * same reasoning tokens, and answer tokens once the trace is closed), with the budget checked
 * before every step. Returns the counts the generator would report.
 */
function simulate(maxReasoningTokens: number, steps: number) {
  const splitter = ReasoningSplitter.forTokenizer(tokenizer);
  const decoder = new StreamingDecoder(tokenizer);
  const budget = new ReasoningBudget(maxReasoningTokens, reasoningCloseIds(tokenizer));
  const [thinkToken, ...moreThink] = tokenizer.encode(' think');
  const [answerToken, ...moreAnswer] = tokenizer.encode(' answer');
  assert.equal(moreThink.length + moreAnswer.length, 0, 'single-token words in the fixture vocabulary');
  const sequence: number[] = [];
  let reasoningTokens = 0;
  let reasoning = '';
  let answer = '';
  let injectedAt = -1;
  const feed = (id: number) => {
    sequence.push(id);
    for (const part of splitter.push(decoder.push(id), id)) {
      if (part.channel === 'reasoning') reasoning += part.text;
      else answer += part.text;
    }
  };
  for (let step = 0; step < steps; step++) {
    const inject = budget.check(reasoningTokens, splitter.inReasoning);
    if (inject) {
      injectedAt = reasoningTokens;
      for (const id of inject) feed(id);
      continue;
    }
    const id = splitter.inReasoning ? thinkToken : answerToken;
    feed(id);
    if (splitter.inReasoning) reasoningTokens++;
  }
  return { reasoningTokens, injectedAt, reasoning, answer, forced: budget.forced, sequence, inReasoning: splitter.inReasoning };
}

test('the close sequence is the tokenizer encoding of "\\n</think>\\n\\n" and holds the </think> id', () => {
  const ids = reasoningCloseIds(tokenizer);
  assert.equal(tokenizer.decode(ids), REASONING_CLOSE_TEXT);
  assert.ok(ids.includes(FIXTURE_SPECIAL_TOKENS.thinkEnd));
});

test('budget forcing closes the trace at exactly the budget and the answer follows', () => {
  for (const budget of [1, 5, 17]) {
    const r = simulate(budget, 40);
    assert.equal(r.forced, true);
    assert.equal(r.injectedAt, budget, 'injected when the count reached the budget');
    assert.equal(r.reasoningTokens, budget, 'no reasoning token after the budget');
    assert.equal(r.inReasoning, false);
    assert.equal(r.reasoning, ' think'.repeat(budget).trimStart() + '\n');
    assert.ok(r.answer.startsWith('answer answer'));
    assert.equal(r.sequence.filter((id) => id === FIXTURE_SPECIAL_TOKENS.thinkEnd).length, 1, 'injected once');
  }
});

test('budget 0 closes before the first token; a budget never reached injects nothing', () => {
  const zero = simulate(0, 5);
  assert.equal(zero.injectedAt, 0);
  assert.equal(zero.reasoning, '', 'only the injected newline, trimmed away');
  assert.equal(zero.answer, ' answer'.repeat(5 - 1).trimStart());
  const roomy = simulate(100, 20);
  assert.equal(roomy.forced, false);
  assert.equal(roomy.reasoningTokens, 20);
});

test('no injection once the model closed the trace itself, and bad budgets are rejected', () => {
  const budget = new ReasoningBudget(3, [1]);
  assert.equal(budget.check(10, false), undefined);
  assert.equal(budget.forced, false);
  assert.deepEqual(budget.check(3, true), [1]);
  assert.equal(budget.check(4, true), undefined, 'only once');
  assert.throws(() => new ReasoningBudget(-1, [1]), RangeError);
  assert.throws(() => new ReasoningBudget(1.5, [1]), RangeError);
  assert.throws(() => new ReasoningBudget(1, []), RangeError);
});
