// Scheduling policy, on plain data: priority, supersede, bounded queue, pause/resume, cancel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestKind } from '../../engine/types';
import {
  admit,
  cancel,
  countByPhase,
  DEFAULT_CLIENT,
  emptySchedule,
  markStarted,
  pausedTasks,
  pickNext,
  remove,
  type SchedulerState,
} from '../../engine/host/scheduler';

const limits = { maxQueued: 3 };

function add(state: SchedulerState, id: number, kind: RequestKind): SchedulerState {
  const a = admit(state, { id, kind }, limits);
  assert.ok(a.accepted, `request ${id} should be admitted`);
  return a.state;
}

test('an empty schedule has nothing to run', () => {
  assert.equal(pickNext(emptySchedule), undefined);
});

test('chat and explain run oldest first', () => {
  let s = add(emptySchedule, 1, 'explain');
  s = add(s, 2, 'chat');
  assert.equal(pickNext(s)?.id, 1);
  s = remove(s, 1);
  assert.equal(pickNext(s)?.id, 2);
});

test('a completion runs before chat and explain, even ones that arrived earlier', () => {
  let s = add(emptySchedule, 1, 'chat');
  s = add(s, 2, 'explain');
  s = add(s, 3, 'completion');
  assert.equal(pickNext(s)?.id, 3);
});

test('a started chat pauses while a completion runs, then resumes before queued work', () => {
  let s = add(emptySchedule, 1, 'chat');
  s = markStarted(s, 1);
  s = add(s, 2, 'explain');
  s = add(s, 3, 'completion');
  assert.equal(pickNext(s)?.id, 3);
  assert.deepEqual(pausedTasks(s).map((t) => t.id), [1]);
  s = markStarted(s, 3);
  s = remove(s, 3);
  assert.equal(pickNext(s)?.id, 1, 'the paused chat resumes ahead of the queued explain');
  assert.deepEqual(pausedTasks(s), []);
});

test('a started request finishes before an older queued one starts', () => {
  // Only possible when the older one was queued behind a completion; still the started one goes first.
  let s = add(emptySchedule, 1, 'explain');
  s = add(s, 2, 'chat');
  s = markStarted(s, 2);
  assert.equal(pickNext(s)?.id, 2);
});

test('a newer completion supersedes a queued older one', () => {
  let s = add(emptySchedule, 1, 'completion');
  const a = admit(s, { id: 2, kind: 'completion' }, limits);
  assert.ok(a.accepted);
  assert.deepEqual(a.superseded, [1]);
  s = a.state;
  assert.deepEqual(s.tasks.map((t) => t.id), [2]);
});

test('a newer completion supersedes a running older one, which takes one last step to free its state', () => {
  let s = add(emptySchedule, 1, 'completion');
  s = markStarted(s, 1);
  const a = admit(s, { id: 2, kind: 'completion' }, limits);
  assert.ok(a.accepted);
  assert.deepEqual(a.superseded, [1]);
  s = a.state;
  assert.equal(pickNext(s)?.id, 1, 'the cancelled one steps first, to observe its abort');
  assert.equal(s.tasks.find((t) => t.id === 1)?.cancelled, true);
  s = remove(s, 1);
  assert.equal(pickNext(s)?.id, 2);
});

test("a completion supersedes only its own client's completions: one window's typing never cancels another's", () => {
  let s = emptySchedule;
  for (const [id, client] of [[1, 'window-a'], [2, 'window-b']] as const) {
    const a = admit(s, { id, kind: 'completion', client }, limits);
    assert.ok(a.accepted);
    s = a.state;
  }
  s = markStarted(s, 1);
  const a = admit(s, { id: 3, kind: 'completion', client: 'window-a' }, limits);
  assert.ok(a.accepted);
  assert.deepEqual(a.superseded, [1], 'window-a replaced its own completion');
  assert.equal(a.state.tasks.find((t) => t.id === 2)?.cancelled, undefined, "window-b's completion is untouched");
  assert.deepEqual(a.state.tasks.find((t) => t.id === 3)?.client, 'window-a');
});

test('a request without a client belongs to the default client', () => {
  const a = admit(emptySchedule, { id: 1, kind: 'chat' }, limits);
  assert.ok(a.accepted);
  assert.equal(a.state.tasks[0].client, DEFAULT_CLIENT);
});

test('a completion never supersedes chat or explain', () => {
  let s = add(emptySchedule, 1, 'chat');
  s = add(s, 2, 'explain');
  const a = admit(s, { id: 3, kind: 'completion' }, limits);
  assert.ok(a.accepted);
  assert.deepEqual(a.superseded, []);
  assert.equal(a.state.tasks.length, 3);
});

test('a full queue answers busy at once and leaves the schedule unchanged', () => {
  let s = add(emptySchedule, 1, 'chat');
  s = add(s, 2, 'chat');
  s = add(s, 3, 'explain');
  const a = admit(s, { id: 4, kind: 'chat' }, limits);
  assert.deepEqual(a, { accepted: false, reason: 'busy' });
  assert.equal(s.tasks.length, 3);
});

test('started requests do not count against the queue bound', () => {
  let s = add(emptySchedule, 1, 'chat');
  s = markStarted(s, 1);
  s = add(s, 2, 'chat');
  s = add(s, 3, 'chat');
  s = add(s, 4, 'explain');
  assert.deepEqual(countByPhase(s), { queued: 3, started: 1 });
  assert.equal(admit(s, { id: 5, kind: 'chat' }, limits).accepted, false);
});

test('a completion replacing a queued one is admitted even when the queue is full', () => {
  let s = add(emptySchedule, 1, 'chat');
  s = add(s, 2, 'chat');
  s = add(s, 3, 'completion');
  const a = admit(s, { id: 4, kind: 'completion' }, limits);
  assert.ok(a.accepted);
  assert.deepEqual(a.superseded, [3]);
});

test('duplicate ids are refused', () => {
  const s = add(emptySchedule, 1, 'chat');
  assert.deepEqual(admit(s, { id: 1, kind: 'chat' }, limits), { accepted: false, reason: 'duplicate_id' });
});

test('cancelling a queued request removes it; cancelling a paused one makes it step next', () => {
  let s = add(emptySchedule, 1, 'chat');
  s = markStarted(s, 1);
  s = add(s, 2, 'explain');
  s = add(s, 3, 'completion');
  s = markStarted(s, 3);
  s = cancel(s, 2);
  assert.deepEqual(s.tasks.map((t) => t.id), [1, 3]);
  s = cancel(s, 1);
  assert.equal(pickNext(s)?.id, 1, 'the paused chat gets its last step before the running completion continues');
  assert.equal(cancel(s, 99), s, 'unknown ids change nothing');
});
