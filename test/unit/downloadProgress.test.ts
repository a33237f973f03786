// Progress arithmetic: the speed window, ETA, the text of the bar and of VS Code's notification
// (increments only move forward), backoff bounds and the free-space message.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ensureFreeSpace, formatBytes } from '../../engine/download/diskSpace';
import { DownloadError } from '../../engine/download/errors';
import { formatDuration, progressBarLine } from '../../engine/download/progressText';
import { DEFAULT_RETRY_POLICY, backoffDelayMs } from '../../engine/download/retry';
import { SpeedMeter } from '../../engine/download/speedMeter';
import type { DownloadEvent } from '../../engine/download/types';
import { DownloadNotification } from '../../extension/models/downloadNotification';

type Progress = Extract<DownloadEvent, { type: 'progress' }>;
const progress = (doneBytes: number, extra: Partial<Progress> = {}): Progress => ({
  type: 'progress',
  path: 'onnx/model_q4f16.onnx',
  fileBytes: doneBytes,
  fileSize: 1_370_000_000,
  doneBytes,
  totalBytes: 1_400_000_000,
  bytesPerSecond: 12_300_000,
  etaSeconds: 65,
  ...extra,
});

describe('download progress', () => {
  it('measures speed over a sliding window with an injected clock', () => {
    let now = 0;
    const meter = new SpeedMeter(5_000, () => now);
    assert.equal(meter.bytesPerSecond(), 0);
    meter.add(0);
    for (let i = 1; i <= 10; i++) {
      now = i * 1000;
      meter.add(1_000_000);
    }
    assert.equal(meter.bytesPerSecond(), 1_000_000);
    assert.equal(meter.etaSeconds(5_000_000), 5);
    for (let i = 11; i <= 20; i++) {
      now = i * 1000;
      meter.add(4_000_000);
    }
    assert.equal(meter.bytesPerSecond(), 4_000_000, 'old samples left the window');
  });

  it('formats sizes, durations and the one-line bar', () => {
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(1_370_000_000), '1.37 GB');
    assert.equal(formatDuration(5), '5 s');
    assert.equal(formatDuration(65), '1 min 05 s');
    assert.equal(formatDuration(3 * 3600 + 120), '3 h 02 min');
    const line = progressBarLine(progress(700_000_000));
    assert.equal(line, '[##########..........]  50% onnx/model_q4f16.onnx · 700 MB / 1.40 GB · 12.3 MB/s · 1 min 05 s left');
    assert.ok(progressBarLine(progress(1), 40).length <= 40);
    // Before the speed is measured the line leaves it out rather than showing a placeholder.
    const unmeasured = progressBarLine(progress(1, { bytesPerSecond: 0, etaSeconds: undefined }));
    assert.match(unmeasured, /\/ 1\.40 GB · time left unknown$/);
    assert.doesNotMatch(unmeasured, /–/);
  });

  it('turns events into notification updates whose increments add up to 100 and never go back', () => {
    const n = new DownloadNotification();
    const updates = [
      n.update({ type: 'resolved', commit: 'c', files: [], totalBytes: 1_400_000_000, bytesToFetch: 1_400_000_000 }),
      n.update(progress(700_000_000)),
      n.update({ type: 'restart', path: 'onnx/model_q4f16.onnx', reason: 'the server ignored the Range request (200)' }),
      n.update(progress(100_000_000)),
      n.update(progress(1_400_000_000)),
      n.update({ type: 'done', modelDir: '/m', commit: 'c', fetchedBytes: 1 }),
    ];
    const increments = updates.map((u) => u?.increment ?? 0);
    assert.deepEqual(increments, [0, 50, 0, 0, 50, 0]);
    assert.match(updates[1]!.message, /700 MB \/ 1.40 GB · 12.3 MB\/s · 1 min 05 s left/);
    assert.match(updates[2]!.message, /starting this file again/);
    assert.equal(n.update({ type: 'file-start', path: 'x', size: 1, resumeFrom: 0 }), undefined);
  });

  it('backs off exponentially within bounds', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    assert.equal(backoffDelayMs(policy, 1, () => 0.5), 100);
    assert.equal(backoffDelayMs(policy, 3, () => 0.5), 400);
    assert.equal(backoffDelayMs(policy, 30, () => 0.5), 1000);
    assert.equal(backoffDelayMs(policy, 3, () => 0), 320);
    assert.equal(backoffDelayMs(policy, 3, () => 1), 480);
  });

  it('refuses to start without enough free space, with both numbers in the message', async () => {
    await assert.rejects(ensureFreeSpace('/models', 1_370_000_000, async () => 500_000_000), (e: unknown) => e instanceof DownloadError && e.code === 'disk-full' && /needs 1.37 GB more .* 500 MB is free/.test(e.message));
    await ensureFreeSpace('/models', 1_000, async () => 10_000_000_000);
    await ensureFreeSpace('/models', 1_000, async () => {
      throw new Error('statfs unsupported');
    });
  });
});
