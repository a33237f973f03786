// One download at a time per model folder, across processes and VS Code windows: a lock file
// created with O_EXCL. The holder refreshes its mtime as a heartbeat; a lock whose process is gone
// (same host, pid not alive) or whose heartbeat stopped is stale and taken over. A second caller
// waits, then re-checks the folder, so it reuses the first caller's download instead of repeating it.

import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { DownloadError, abortError } from './errors';
import { sleep } from './retry';

export interface LockOptions {
  /** A lock not refreshed for this long is stale. */
  staleMs?: number;
  pollMs?: number;
  /** Give up waiting after this long (default: wait while the holder is alive). */
  waitTimeoutMs?: number;
  signal?: AbortSignal;
  /** Called once when the lock is busy and the caller starts waiting. */
  onWait?: (holder: LockHolder | undefined) => void;
}

export interface LockHolder {
  pid: number;
  host: string;
  createdAt: string;
  token: string;
}

export interface HeldLock {
  release(): Promise<void>;
}

const DEFAULT_STALE_MS = 60_000;

export async function acquireLock(lockPath: string, options: LockOptions = {}): Promise<HeldLock> {
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const pollMs = options.pollMs ?? 250;
  const started = Date.now();
  let announcedWait = false;
  for (;;) {
    if (options.signal?.aborted) throw abortError();
    const me: LockHolder = { pid: process.pid, host: hostname(), createdAt: new Date().toISOString(), token: randomBytes(8).toString('hex') };
    try {
      await fs.writeFile(lockPath, JSON.stringify(me), { flag: 'wx' });
      return holdLock(lockPath, me, staleMs);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new DownloadError('io', `Cannot create the download lock ${lockPath}: ${(error as Error).message}`, { cause: error });
      }
    }
    const holder = await readHolder(lockPath);
    if (await isStale(lockPath, holder, staleMs)) {
      await breakStaleLock(lockPath, holder);
      continue;
    }
    if (!announcedWait) {
      announcedWait = true;
      options.onWait?.(holder);
    }
    if (options.waitTimeoutMs !== undefined && Date.now() - started > options.waitTimeoutMs) {
      throw new DownloadError('locked', `Another download (pid ${holder?.pid ?? '?'}) holds ${lockPath}.`);
    }
    await sleep(pollMs, options.signal);
  }
}

function holdLock(lockPath: string, me: LockHolder, staleMs: number): HeldLock {
  const heartbeat = setInterval(() => {
    const now = new Date();
    fs.utimes(lockPath, now, now).catch(() => undefined);
  }, Math.max(50, Math.floor(staleMs / 4)));
  heartbeat.unref();
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      // Only remove the lock if it is still ours (a stale-lock takeover may have replaced it).
      const current = await readHolder(lockPath);
      if (current?.token === me.token) await fs.rm(lockPath, { force: true });
    },
  };
}

async function readHolder(lockPath: string): Promise<LockHolder | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(lockPath, 'utf8')) as LockHolder;
    return typeof parsed.pid === 'number' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

async function isStale(lockPath: string, holder: LockHolder | undefined, staleMs: number): Promise<boolean> {
  if (holder && holder.host === hostname() && !processIsAlive(holder.pid)) return true;
  try {
    const stat = await fs.stat(lockPath);
    return Date.now() - stat.mtimeMs > staleMs;
  } catch {
    return false; // vanished: the next loop creates it
  }
}

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes a stale lock. It is first renamed to a unique name (only one contender's rename
 * succeeds), and put back if what was moved is not the lock judged stale.
 */
async function breakStaleLock(lockPath: string, stale: LockHolder | undefined): Promise<void> {
  const aside = `${lockPath}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await fs.rename(lockPath, aside);
  } catch {
    return; // someone else moved it first
  }
  const moved = await readHolder(aside);
  if (stale && moved && moved.token !== stale.token) {
    await fs.link(aside, lockPath).catch(() => undefined);
  }
  await fs.rm(aside, { force: true });
}
