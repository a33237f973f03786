// How the host runner ends a request, decided by one pure function over its status and one pull.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GenerationEvent } from '../../engine/types';
import { judgeStep, type RequestStatus } from '../../engine/host/requestStatus';
import { doneEvent } from '../helpers/fakeEngineHost';

const delta: GenerationEvent = { type: 'delta', channel: 'answer', text: 'x', tokenIds: [1] };
const done = doneEvent();

function status(stop?: RequestStatus['stop'], aborted = stop !== undefined): RequestStatus {
  const abort = new AbortController();
  if (aborted) abort.abort();
  return { request: { kind: 'chat', prompt: { type: 'text', text: 'x' }, maxNewTokens: 1 }, abort, stop };
}
const pulled = (event: GenerationEvent) => ({ ok: true as const, result: { done: false as const, value: event } });

test('a delta goes on and a done ends the request with its event', () => {
  assert.deepEqual(judgeStep(status(), pulled(delta), false), { kind: 'event', event: delta });
  assert.deepEqual(judgeStep(status(), pulled(done), false), { kind: 'done', event: done });
});

test('a superseded or unloaded request ends with its error even when the engine finished it', () => {
  const superseded = { code: 'superseded' as const, message: 'superseded by completion request 7' };
  assert.deepEqual(judgeStep(status(superseded), pulled(done), true), { kind: 'failed', error: superseded });
  const unloaded = { code: 'generation_failed' as const, message: 'the model was unloaded' };
  assert.deepEqual(judgeStep(status(unloaded), pulled(done), true), { kind: 'failed', error: unloaded });
  // A caller's own cancel ends with the engine's `aborted` done, which the caller expects.
  assert.deepEqual(judgeStep(status({ code: 'cancelled', message: 'by the caller' }), pulled(done), true), { kind: 'done', event: done });
});

test('an engine that keeps going after the abort is stopped on its next delta', () => {
  assert.deepEqual(judgeStep(status(undefined, true), pulled(delta), true), { kind: 'failed', error: { code: 'cancelled', message: 'cancelled' } });
  assert.deepEqual(judgeStep(status(undefined, true), pulled(delta), false).kind, 'event', 'aborted during this very step: its delta still counts');
});

test('a throw is generation_failed, or the stop reason when the request was aborted; a stream without done fails', () => {
  assert.deepEqual(judgeStep(status(), { ok: false, error: new Error('ORT failed') }, false), { kind: 'failed', error: { code: 'generation_failed', message: 'ORT failed' } });
  const stop = { code: 'superseded' as const, message: 'newer' };
  assert.deepEqual(judgeStep(status(stop), { ok: false, error: new Error('aborted') }, true), { kind: 'failed', error: stop });
  assert.deepEqual(judgeStep(status(), { ok: true, result: { done: true, value: undefined } }, false), {
    kind: 'failed',
    error: { code: 'generation_failed', message: 'the engine ended the stream without a `done` event' },
  });
});
