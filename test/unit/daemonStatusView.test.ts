// What a window shows about the shared engine: "shared with N windows" in the ready tooltip when
// other windows use the same engine process, nothing when it is the window's alone; the figure
// travels from the host status through the telemetry into the state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelInfo } from '../../engine/types';
import { describeStatus, type StatusInput } from '../../extension/core/statusView';
import { engineState } from '../../extension/engine/engineState';
import { Telemetry } from '../../extension/engine/telemetry';
import type { Lifecycle } from '../../extension/engine/lifecycle';

const model = { executionProvider: 'cpu', threads: 2 } as ModelInfo;
const base: StatusInput = { engine: { kind: 'stopped' }, modelConfigured: true, trusted: true, completionsEnabled: true };

test('the ready tooltip says "shared with N windows" when N > 1', () => {
  const shared = describeStatus({ ...base, engine: { kind: 'ready', model, rssBytes: 1.65 * 2 ** 30, sharedWith: 3 } });
  assert.match(shared.tooltip, /\(2 threads, engine process 1\.65 GB, shared with 3 windows\)/);
  for (const sharedWith of [undefined, 1]) {
    assert.doesNotMatch(describeStatus({ ...base, engine: { kind: 'ready', model, rssBytes: 2 ** 30, sharedWith } }).tooltip, /shared with/);
  }
});

test('the window count measured with the RSS reaches the ready state, and a new model forgets it', () => {
  const telemetry = new Telemetry({ now: () => 0, setTimeout: () => 0, clearTimeout: () => undefined });
  const lifecycle = { phase: { kind: 'running', pid: 1, model: { kind: 'ready', key: 'k', info: model } } } as unknown as Lifecycle;
  telemetry.rss(2 ** 30, 2);
  const state = engineState(lifecycle, telemetry.snapshot());
  assert.equal(state.kind === 'ready' && state.sharedWith, 2);
  telemetry.reset();
  const after = engineState(lifecycle, telemetry.snapshot());
  assert.equal(after.kind === 'ready' && after.sharedWith, undefined);
});
