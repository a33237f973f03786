// The download lock: one holder at a time, waiters get it after release, stale locks (dead pid,
// stopped heartbeat) are taken over, and waiting can be bounded or cancelled.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DownloadError } from '../../engine/download/errors';
import { acquireLock } from '../../engine/download/lockFile';

describe('download lock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-lock-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lets a second caller in only after the first releases', async () => {
    const path = join(dir, 'a.lock');
    const first = await acquireLock(path);
    let waited = 0;
    let secondHasIt = false;
    const second = acquireLock(path, { pollMs: 10, onWait: () => waited++ }).then((lock) => {
      secondHasIt = true;
      return lock;
    });
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(secondHasIt, false);
    assert.equal(waited, 1);
    await first.release();
    const lock = await second;
    assert.equal(secondHasIt, true);
    await lock.release();
    assert.ok(!existsSync(path));
  });

  it('takes over a lock whose process is gone', async () => {
    const path = join(dir, 'b.lock');
    writeFileSync(path, JSON.stringify({ pid: 2 ** 22 + 999, host: hostname(), createdAt: '', token: 'gone' }));
    const lock = await acquireLock(path, { pollMs: 10, waitTimeoutMs: 1000 });
    await lock.release();
  });

  it('takes over a lock whose heartbeat stopped (another host)', async () => {
    const path = join(dir, 'c.lock');
    writeFileSync(path, JSON.stringify({ pid: process.pid, host: 'some-other-host', createdAt: '', token: 'old' }));
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(path, old, old);
    const lock = await acquireLock(path, { pollMs: 10, waitTimeoutMs: 1000, staleMs: 60_000 });
    await lock.release();
  });

  it('gives up after waitTimeoutMs, and on abort', async () => {
    const path = join(dir, 'd.lock');
    const held = await acquireLock(path);
    try {
      await assert.rejects(acquireLock(path, { pollMs: 10, waitTimeoutMs: 50 }), (e: unknown) => e instanceof DownloadError && e.code === 'locked');
      const controller = new AbortController();
      const waiting = acquireLock(path, { pollMs: 10, signal: controller.signal });
      controller.abort();
      await assert.rejects(waiting, (e: unknown) => e instanceof DownloadError && e.code === 'aborted');
    } finally {
      await held.release();
    }
  });

  it('does not remove a lock that someone else took over', async () => {
    const path = join(dir, 'e.lock');
    const mine = await acquireLock(path);
    writeFileSync(path, JSON.stringify({ pid: process.pid, host: hostname(), createdAt: '', token: 'theirs' }));
    await mine.release();
    assert.ok(existsSync(path), "the other holder's lock stays");
  });
});
