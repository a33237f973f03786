// The engine host's lifecycle reducer, driven by events alone: no process, no timer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialLifecycle, loadedModel, reduce, type Lifecycle, type LifecycleEvent } from '../../extension/engine/lifecycle';
import type { RestartPolicy } from '../../extension/engine/restartPolicy';
import { fakeModelInfo } from '../helpers/fakeEngineHost';

const policy: RestartPolicy = { baseDelayMs: 100, factor: 2, maxDelayMs: 1000, maxCrashes: 3, windowMs: 60_000 };
const run = (events: LifecycleEvent[], from: Lifecycle = initialLifecycle) => events.reduce((s, e) => reduce(s, e, policy), from);
const coder = fakeModelInfo('/models/coder', 'Qwen/Qwen2.5-Coder-0.5B');
const loadedCoder: LifecycleEvent[] = [
  { type: 'startRequested' },
  { type: 'started', pid: 7 },
  { type: 'loadRequested', key: 'coder', modelPath: '/models/coder' },
  { type: 'loaded', key: 'coder', info: coder },
];

test('a loaded model exists only while its process runs: stopping forgets it at once', () => {
  const loaded = run(loadedCoder);
  assert.equal(loadedModel(loaded), coder);
  const stopping = run([{ type: 'stopRequested' }], loaded);
  assert.equal(stopping.phase.kind, 'stopping');
  assert.equal(loadedModel(stopping), undefined, 'the next request cannot see the old model');
  assert.equal(run([{ type: 'exited', pid: 7, expected: true, reason: 'asked', at: 1 }], stopping).phase.kind, 'none');
});

test('a new load replaces the model before it finishes; a late answer for the old one is ignored', () => {
  const replacing = run([...loadedCoder, { type: 'loadRequested', key: 'r1', modelPath: '/models/r1' }]);
  assert.equal(loadedModel(replacing), undefined);
  const late = run([{ type: 'loaded', key: 'coder', info: coder }], replacing);
  assert.equal(late, replacing, 'the reducer returns the same state for events that change nothing');
  const failed = run([{ type: 'loadFailed', key: 'r1', reason: 'missing model.onnx' }], replacing);
  assert.deepEqual(failed.phase, { kind: 'running', pid: 7, model: { kind: 'failed', key: 'r1', reason: 'missing model.onnx' } });
});

test('crashes restart with growing delays and reload a model that was loaded; too many give up until retried', () => {
  const crash = (at: number): LifecycleEvent => ({ type: 'exited', pid: 7, expected: false, reason: 'signal SIGKILL', at });
  const first = run([...loadedCoder, crash(1000)]);
  assert.deepEqual(first.phase, { kind: 'restarting', reason: 'signal SIGKILL', delayMs: 100, reload: true });
  const second = run([{ type: 'restartDue' }, { type: 'startRequested' }, { type: 'started', pid: 7 }, crash(2000)], first);
  assert.deepEqual(second.phase, { kind: 'restarting', reason: 'signal SIGKILL', delayMs: 200, reload: false });
  const third = run([{ type: 'restartDue' }, { type: 'startRequested' }, { type: 'started', pid: 7 }, crash(3000)], second);
  assert.equal(third.phase.kind, 'gaveUp');
  assert.match(third.phase.kind === 'gaveUp' ? third.phase.reason : '', /crashed 3 times in 60 s; last: signal SIGKILL/);
  assert.equal(run([{ type: 'startRequested' }], third), third, 'nothing starts after giving up');
  const retried = run([{ type: 'retried' }], third);
  assert.deepEqual(retried, { phase: { kind: 'none' }, crashes: [] });
});

test('a failed start counts as a crash; crashes outside the window are forgotten', () => {
  const failedStart = run([{ type: 'startRequested' }, { type: 'exited', expected: false, reason: 'no hello', at: 0 }]);
  assert.equal(failedStart.phase.kind, 'restarting');
  const muchLater = run([{ type: 'restartDue' }, { type: 'startRequested' }, { type: 'exited', expected: false, reason: 'no hello', at: 120_000 }], failedStart);
  assert.deepEqual(muchLater.crashes, [120_000]);
});

test('the exit of a process other than the current one changes nothing', () => {
  const loaded = run(loadedCoder);
  assert.equal(run([{ type: 'exited', pid: 99, expected: false, reason: 'x', at: 1 }], loaded), loaded);
});
