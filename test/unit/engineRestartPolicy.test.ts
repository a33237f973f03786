// Restart policy of the engine host: growing delays, a cap, and giving up after repeated crashes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideRestart, recentCrashes, type RestartPolicy } from '../../extension/engine/restartPolicy';

const policy: RestartPolicy = { baseDelayMs: 100, factor: 2, maxDelayMs: 350, maxCrashes: 5, windowMs: 10_000 };

test('the delay doubles with each recent crash and stops at the cap', () => {
  const delays = [1, 2, 3, 4].map((n) => {
    const crashes = Array.from({ length: n }, (_, i) => 1000 + i);
    const d = decideRestart(crashes, 1000 + n, policy);
    assert.ok(d.restart);
    return d.delayMs;
  });
  assert.deepEqual(delays, [100, 200, 350, 350]);
});

test('after maxCrashes inside the window it stops restarting', () => {
  const crashes = [0, 1000, 2000, 3000, 4000];
  assert.deepEqual(decideRestart(crashes, 4000, policy), { restart: false });
});

test('crashes older than the window are forgotten', () => {
  const crashes = [0, 1000, 2000, 3000, 20_000];
  assert.deepEqual(recentCrashes(crashes, 20_000, policy), [20_000]);
  assert.deepEqual(decideRestart(crashes, 20_000, policy), { restart: true, delayMs: 100 });
});
