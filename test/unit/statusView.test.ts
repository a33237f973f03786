// The status bar's text for each engine state, download progress, trust and model presence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelInfo } from '../../engine/types';
import { describeStatus, runtimeSentence, type StatusInput } from '../../extension/core/statusView';

const model = { executionProvider: 'cpu', threads: 2 } as ModelInfo;
const base: StatusInput = { engine: { kind: 'stopped' }, modelConfigured: true, trusted: true, completionsEnabled: true };

test('not installed, restricted mode, and a model that loads on first use', () => {
  assert.match(describeStatus({ ...base, modelConfigured: false }).text, /no model/);
  assert.match(describeStatus({ ...base, trusted: false }).tooltip, /Restricted Mode/);
  const idle = describeStatus(base);
  assert.doesNotMatch(idle.text, /no model/);
  assert.match(idle.text, /R1 idle/);
  assert.match(idle.tooltip, /loads on first use/);
});

test('downloading shows the percentage and wins over the engine state', () => {
  const v = describeStatus({ ...base, engine: { kind: 'ready', model }, downloadPercent: 42.7 });
  assert.match(v.text, /42%/);
});

test('loading, ready on the provider, generating with tok/s', () => {
  assert.match(describeStatus({ ...base, engine: { kind: 'loading', modelPath: '/m' } }).text, /loading/);
  assert.match(describeStatus({ ...base, engine: { kind: 'ready', model } }).text, /R1 cpu/);
  assert.match(describeStatus({ ...base, engine: { kind: 'ready', model, rssBytes: 1.65 * 2 ** 30 } }).tooltip, /engine process 1\.65 GB/);
  assert.match(describeStatus({ ...base, engine: { kind: 'generating', model, tokensPerSecond: 17.26 } }).text, /17\.3 tok\/s/);
});

test('a completion waiting for its own model shows loading, unless the engine reports an error', () => {
  const waiting = describeStatus({ ...base, engine: { kind: 'ready', model }, completion: { running: false, loadingModel: true } });
  assert.match(waiting.text, /loading/);
  assert.match(waiting.tooltip, /completion model/);
  const failed = describeStatus({ ...base, engine: { kind: 'error', reason: 'model.onnx is missing' }, completion: { running: false, loadingModel: true } });
  assert.equal(failed.error, true);
});

test('load errors and a host that stopped restarting are shown as errors', () => {
  const error = describeStatus({ ...base, engine: { kind: 'error', reason: 'model.onnx is missing' } });
  assert.equal(error.error, true);
  assert.match(error.tooltip, /model\.onnx is missing/);
  const gaveUp = describeStatus({ ...base, engine: { kind: 'unavailable', reason: 'crashed 4 times' } });
  assert.equal(gaveUp.error, true);
  assert.match(gaveUp.tooltip, /repeated crashes/);
  assert.equal(describeStatus({ ...base, engine: { kind: 'ready', model } }).error, false);
});

test('the tooltip says whether inline completions are on', () => {
  assert.match(describeStatus(base).tooltip, /completions on/);
  assert.match(describeStatus({ ...base, completionsEnabled: false }).tooltip, /completions off/);
});

test('the ready tooltip says which graph runs and how the KV cache is fed, and why when off the fast path', () => {
  const fast = describeStatus({ ...base, engine: { kind: 'ready', model: { ...model, runtime: { graph: 'rewritten', kvCache: 'in-place' } } } });
  assert.match(fast.tooltip, /Fast path: rewritten graph, KV cache read in place/);
  const reason = 'onnxruntime refused the rewritten graph (Type Error)';
  const slow = describeStatus({ ...base, engine: { kind: 'ready', model: { ...model, runtime: { graph: 'as-exported', kvCache: 'fetched', reason } } } });
  assert.match(slow.tooltip, /Running the graph as exported, KV cache fetched every step: onnxruntime refused the rewritten graph \(Type Error\)\./);
  assert.doesNotMatch(slow.tooltip, /Fast path/);
  assert.equal(runtimeSentence(undefined), '');
});

test('the ready tooltip counts threads in words that agree with the number', () => {
  assert.match(describeStatus({ ...base, engine: { kind: 'ready', model } }).tooltip, /\(2 threads\)/);
  const single = { ...model, threads: 1 } as ModelInfo;
  assert.match(describeStatus({ ...base, engine: { kind: 'ready', model: single } }).tooltip, /\(1 thread\)/);
});
