// Deltas batched per request and channel within a window, and always sent before anything else
// about the same request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostMessage } from '../../engine/host/protocol';
import { DeltaBatcher } from '../../engine/host/deltaBatcher';
import { doneEvent } from '../helpers/fakeEngineHost';

const delta = (text: string, channel: 'reasoning' | 'answer' = 'answer', id = text.length) => ({ type: 'delta' as const, channel, text, tokenIds: [id] });
const summary = (sent: HostMessage[]) => sent.map((m) => (m.type === 'event' ? `${m.id}:${m.event.type === 'delta' ? `${m.event.channel[0]}:${m.event.text}` : 'done'}` : m.type));

test('deltas of one channel merge until the window ends; a channel change or done releases them first', async () => {
  const sent: HostMessage[] = [];
  const batcher = new DeltaBatcher(20, (m) => sent.push(m));
  batcher.event(1, delta('a', 'reasoning'));
  batcher.event(1, delta('b', 'reasoning'));
  batcher.event(1, delta('c'));
  batcher.event(2, delta('x'));
  assert.deepEqual(summary(sent), ['1:r:ab'], 'only the finished reasoning run went out');
  batcher.event(1, doneEvent());
  assert.deepEqual(summary(sent), ['1:r:ab', '1:a:c', '1:done']);
  await new Promise((r) => setTimeout(r, 40));
  assert.deepEqual(summary(sent), ['1:r:ab', '1:a:c', '1:done', '2:a:x'], 'the window flushes what is left');
  const merged = sent[0]!;
  assert.ok(merged.type === 'event' && merged.event.type === 'delta');
  assert.deepEqual(merged.event.tokenIds, [1, 1], 'token ids ride along');
});

test('a zero window sends every event at once', () => {
  const sent: HostMessage[] = [];
  const batcher = new DeltaBatcher(0, (m) => sent.push(m));
  batcher.event(1, delta('a'));
  batcher.event(1, delta('b'));
  assert.deepEqual(summary(sent), ['1:a:a', '1:a:b']);
});
