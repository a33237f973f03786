import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompletionCache } from '../../extension/core/completion/completionCache';

const key = (prefix: string, suffix = '', document = 'file:///a.ts') => ({ document, prefix, suffix });

test('an exact prefix returns the suggestion', () => {
  const cache = new CompletionCache(4);
  cache.set(key('const x = '), 'compute(1);');
  assert.equal(cache.get(key('const x = ')), 'compute(1);');
});

test('typing the characters of a suggestion keeps returning the rest of it', () => {
  const cache = new CompletionCache(4);
  cache.set(key('const x = '), 'compute(1);');
  assert.equal(cache.get(key('const x = c')), 'ompute(1);');
  assert.equal(cache.get(key('const x = compute(')), '1);');
  assert.equal(cache.get(key('const x = compute(1);')), undefined, 'fully typed: nothing left');
  assert.equal(cache.get(key('const x = d')), undefined, 'typed something else');
  assert.equal(cache.get(key('const x')), undefined, 'deleted back past the key');
});

test('the document and the suffix must match', () => {
  const cache = new CompletionCache(4);
  cache.set(key('let a = ', ')'), '1');
  assert.equal(cache.get(key('let a = ', '')), undefined);
  assert.equal(cache.get(key('let a = ', ')', 'file:///b.ts')), undefined);
});

test('the least recently used entry is evicted first', () => {
  const cache = new CompletionCache(2);
  cache.set(key('a'), '1');
  cache.set(key('b'), '2');
  assert.equal(cache.get(key('a')), '1'); // a is now the most recent
  cache.set(key('c'), '3');
  assert.equal(cache.size, 2);
  assert.equal(cache.get(key('b')), undefined);
  assert.equal(cache.get(key('a')), '1');
  assert.equal(cache.get(key('c')), '3');
});

test('key parts cannot run into each other', () => {
  const cache = new CompletionCache(4);
  cache.set(key('ab', 'c'), 'X');
  assert.equal(cache.get(key('a', 'bc')), undefined);
});

test('a bad capacity is a clear error', () => {
  assert.throws(() => new CompletionCache(0), RangeError);
});
