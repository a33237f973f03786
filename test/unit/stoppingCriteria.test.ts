import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StoppingCriteria } from '../../engine/generation/stoppingCriteria';

test('eos ids end generation; other ids do not', () => {
  const criteria = new StoppingCriteria({ eosIds: [151645, 151643], maxNewTokens: 10 });
  assert.equal(criteria.afterToken(151643), 'eos');
  assert.equal(criteria.afterToken(151645), 'eos');
  assert.equal(criteria.afterToken(42), undefined);
});

test('max new tokens: stops before the step that would exceed it', () => {
  const criteria = new StoppingCriteria({ eosIds: [], maxNewTokens: 3 });
  assert.equal(criteria.beforeStep(0), undefined);
  assert.equal(criteria.beforeStep(2), undefined);
  assert.equal(criteria.beforeStep(3), 'length');
  assert.equal(new StoppingCriteria({ eosIds: [], maxNewTokens: 0 }).beforeStep(0), 'length');
});

test('time budget, measured on an injected clock', () => {
  let now = 1000;
  const criteria = new StoppingCriteria({ eosIds: [], maxNewTokens: 100, timeBudgetMs: 50, now: () => now });
  assert.equal(criteria.beforeStep(1), undefined);
  now = 1049;
  assert.equal(criteria.beforeStep(2), undefined);
  now = 1050;
  assert.equal(criteria.beforeStep(3), 'time');
});

test('decode time budget: counted from the first generated token, so a slow prefill still yields one', () => {
  let now = 0;
  const criteria = new StoppingCriteria({ eosIds: [], maxNewTokens: 100, decodeTimeBudgetMs: 50, now: () => now });
  now = 10_000; // a long prefill: nothing generated yet, the budget has not started
  assert.equal(criteria.beforeStep(0), undefined);
  assert.equal(criteria.beforeStep(1), undefined, 'the first token starts the budget');
  now = 10_049;
  assert.equal(criteria.beforeStep(2), undefined);
  now = 10_050;
  assert.equal(criteria.beforeStep(3), 'time');
  assert.throws(() => new StoppingCriteria({ eosIds: [], maxNewTokens: 1, decodeTimeBudgetMs: -1 }), /decodeTimeBudgetMs/);
});

test('an aborted signal wins over every other reason', () => {
  const controller = new AbortController();
  let now = 0;
  const criteria = new StoppingCriteria({ eosIds: [], maxNewTokens: 1, timeBudgetMs: 1, signal: controller.signal, now: () => now });
  now = 10;
  assert.equal(criteria.beforeStep(5), 'length');
  controller.abort();
  assert.equal(criteria.beforeStep(5), 'aborted');
});

test('bad limits are rejected with a clear error', () => {
  assert.throws(() => new StoppingCriteria({ eosIds: [], maxNewTokens: -1 }), /maxNewTokens/);
  assert.throws(() => new StoppingCriteria({ eosIds: [], maxNewTokens: 1.5 }), /maxNewTokens/);
  assert.throws(() => new StoppingCriteria({ eosIds: [], maxNewTokens: 1, timeBudgetMs: Number.NaN }), /timeBudgetMs/);
});
