// The "a download runs in this window" flag the chat's empty state follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DownloadActivity } from '../../extension/models/downloadActivity';

test('running while a tracked task runs, also when it fails; changes fire only at the edges', async () => {
  const activity = new DownloadActivity();
  const seen: boolean[] = [];
  activity.onDidChange(() => seen.push(activity.isRunning));
  let finishFirst!: (v: string) => void;
  const first = activity.track(() => new Promise<string>((resolve) => (finishFirst = resolve)));
  assert.equal(activity.isRunning, true);
  const second = activity.track(() => Promise.reject(new Error('cut')));
  await assert.rejects(second, /cut/);
  assert.equal(activity.isRunning, true, 'the first download still runs');
  finishFirst('done');
  assert.equal(await first, 'done');
  assert.equal(activity.isRunning, false);
  assert.deepEqual(seen, [true, false]);
  activity.dispose();
});
