// The scripted model's automaton: its state is the longest script prefix that ends the history,
// checked against a brute-force definition on random histories over a tiny alphabet (where
// partial matches and overlaps are frequent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { advanceAutomaton, buildScriptAutomaton } from '../../engine/fixtures/scriptAutomaton';
import { SeededRng } from '../../engine/fixtures/rng';

function longestScriptPrefixEnding(script: number[], history: number[]): number {
  for (let len = Math.min(script.length, history.length); len > 0; len--) {
    if (script.slice(0, len).every((t, i) => t === history[history.length - len + i])) return len;
  }
  return 0;
}

test('automaton state equals the longest script prefix that is a suffix of the history', () => {
  const rng = new SeededRng(3);
  for (const script of [[1, 2, 1, 2, 3], [1, 1, 1, 2], [2, 3, 2, 3, 2, 4, 2], [4]]) {
    const a = buildScriptAutomaton(script, 0, 6);
    const history: number[] = [];
    let state = 0;
    for (let i = 0; i < 400; i++) {
      // Bias towards script tokens so that long partial matches happen.
      const token = rng.next() < 0.7 ? script[Math.floor(rng.next() * script.length)] : Math.floor(rng.next() * 6);
      history.push(token);
      state = advanceAutomaton(a, state, [token]);
      assert.equal(state, longestScriptPrefixEnding(script, history), `script ${script} history ${history.slice(-8)}`);
    }
  }
});

test('next token is script[state], eos after the whole script', () => {
  const a = buildScriptAutomaton([5, 6, 7], 9, 10);
  assert.deepEqual([...a.nextToken], [5, 6, 7, 9]);
  assert.equal(advanceAutomaton(a, 0, [1, 5, 6, 7]), 3);
  // A prompt that already ends with the script's beginning continues the script from there.
  assert.equal(a.nextToken[advanceAutomaton(a, 0, [2, 5])], 6);
});

test('bad scripts get clear errors', () => {
  assert.throws(() => buildScriptAutomaton([], 0, 10), /empty/);
  assert.throws(() => buildScriptAutomaton([3, 12], 0, 10), /outside the vocabulary/);
  assert.throws(() => buildScriptAutomaton([3], -1, 10), /outside the vocabulary/);
});
