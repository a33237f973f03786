// What the status bar learns from the completion pipeline: whether a completion runs or waits for
// its model, and the latency of the last one, each change reported once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompletionActivityTracker, type CompletionActivity } from '../../extension/core/completion/completionActivity';
import type { CompletionStatus } from '../../extension/core/completion/completionService';

/** Feeds `statuses` to a fresh tracker; returns what it reported and where it ended. */
function track(statuses: CompletionStatus[]): { seen: CompletionActivity[]; current: CompletionActivity } {
  const tracker = new CompletionActivityTracker();
  const seen: CompletionActivity[] = [];
  tracker.onDidChange((a) => seen.push(a));
  for (const status of statuses) tracker.observe(status);
  const current = tracker.current;
  tracker.dispose();
  return { seen, current };
}

test('running state and the last latency, once per change', () => {
  const { seen, current } = track([
    { type: 'running', running: true },
    { type: 'running', running: true },
    { type: 'skipped', reason: 'mid-word' },
    { type: 'running', running: false },
    { type: 'answered', answer: { text: 'x', source: 'model', latencyMs: 412.6 } },
  ]);
  assert.deepEqual(seen, [{ running: true }, { running: false }, { running: false, lastLatencyMs: 413 }]);
  assert.deepEqual(current, { running: false, lastLatencyMs: 413 });
});

test('a completion waiting for its model', () => {
  const { seen } = track([
    { type: 'loading', loading: true },
    { type: 'loading', loading: true },
    { type: 'loading', loading: false },
    { type: 'running', running: true },
  ]);
  assert.deepEqual(seen, [
    { running: false, loadingModel: true },
    { running: false, loadingModel: false },
    { running: true, loadingModel: false },
  ]);
});
