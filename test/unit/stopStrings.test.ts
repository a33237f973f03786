import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StopStringMatcher } from '../../engine/generation/stopStrings';

/** Feed pieces; return what was emitted, and the stop (if any). */
function run(stops: string[], pieces: string[]): { emitted: string[]; stop?: string; flushed: string } {
  const matcher = new StopStringMatcher(stops);
  const emitted: string[] = [];
  let stop: string | undefined;
  for (const piece of pieces) {
    const r = matcher.push(piece);
    emitted.push(r.text);
    if (r.stop) {
      stop = r.stop;
      break;
    }
  }
  return { emitted, stop, flushed: matcher.flush() };
}

test('a stop string split across tokens stops generation and is not emitted', () => {
  const r = run(['\n\n\n', '<|end|>'], ['hello ', 'wor', 'ld<|', 'en', 'd|>', 'never']);
  assert.equal(r.stop, '<|end|>');
  assert.equal(r.emitted.join(''), 'hello world');
  assert.deepEqual(r.emitted, ['hello ', 'wor', 'ld', '', ''], 'the possible start "<|" is held back');
  assert.equal(r.flushed, '');
});

test('held text that diverges from every stop string is released at once', () => {
  const r = run(['STOP'], ['ab S', 'T', 'x and more']);
  assert.equal(r.stop, undefined);
  assert.deepEqual(r.emitted, ['ab ', '', 'STx and more']);
  assert.equal(r.flushed, '');
});

test('at the end, a held partial stop string is flushed as ordinary text', () => {
  const r = run(['</answer>'], ['value </ans']);
  assert.equal(r.stop, undefined);
  assert.equal(r.emitted.join('') + r.flushed, 'value </ans');
  assert.equal(r.flushed, '</ans');
});

test('a stop inside one token: text before it is emitted, after it dropped; earliest stop wins', () => {
  const r = run(['xyz', 'b'], ['aaa b xyz']);
  assert.equal(r.stop, 'b');
  assert.deepEqual(r.emitted, ['aaa ']);
  const tie = run(['ab', 'abc'], ['1abc']);
  assert.equal(tie.stop, 'abc', 'same start: the longer stop string is reported');
  assert.deepEqual(tie.emitted, ['1']);
});

test('overlapping prefixes: "aab" after "aa" still matches', () => {
  const r = run(['aab'], ['a', 'a', 'a', 'b']);
  assert.equal(r.stop, 'aab');
  assert.equal(r.emitted.join(''), 'a');
});

test('no stops: text passes straight through; empty stop strings are ignored; after a stop input is ignored', () => {
  assert.deepEqual(run([], ['a', 'b']).emitted, ['a', 'b']);
  const m = new StopStringMatcher(['', 'x']);
  assert.equal(m.hasStops, true);
  assert.deepEqual(m.push('abc'), { text: 'abc' });
  assert.equal(new StopStringMatcher(['']).hasStops, false);
  assert.deepEqual(m.push('x'), { text: '', stop: 'x' });
  assert.deepEqual(m.push('more'), { text: '', stop: 'x' });
  assert.equal(m.matched, 'x');
  assert.throws(() => new StopStringMatcher([3 as unknown as string]), TypeError);
});
