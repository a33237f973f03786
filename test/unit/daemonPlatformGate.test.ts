// The shared engine is not used on Windows yet (engine/daemon/paths.ts says why), decided from the
// platform a caller passes in, so these run on any OS: the window runs its own engine with one log
// line saying why, nothing touches the engine's folder or pipe, and `r1-local status` says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectOrStart, findDaemon, SharedEngineUnavailable } from '../../engine/daemon/client';
import { pathsInFolder, sharedEngineUnsupported } from '../../engine/daemon/paths';
import { sharedEngineStatus, statusSummary } from '../../engine/cli/status';
import { silentLogger, type Logger } from '../../extension/core/logger';
import type { HostProcess, SpawnHost } from '../../extension/engine/hostProcess';
import { sharedHost } from '../../extension/engine/sharedHost';

const WHY = 'the shared engine is not yet supported on Windows';

function scratch(): { root: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), 'r1-gate-'));
  return { root, dir: join(root, 'engine') };
}

test('only Windows is ruled out', () => {
  assert.equal(sharedEngineUnsupported('win32'), WHY);
  for (const platform of ['linux', 'darwin', 'freebsd'] as const) assert.equal(sharedEngineUnsupported(platform), undefined);
});

test('on Windows the client neither creates the folder nor opens the pipe', async () => {
  const { root, dir } = scratch();
  try {
    const paths = pathsInFolder(dir, 'win32');
    const start = connectOrStart({ paths, script: join(root, 'nowhere.js'), execPath: process.execPath, who: { client: 'w', role: 'window', build: 'b' }, timeoutMs: 1000, platform: 'win32' });
    await assert.rejects(start, (e: unknown) => e instanceof SharedEngineUnavailable && e.message === WHY);
    assert.deepEqual(await findDaemon(paths, { client: 'w', role: 'window' }, 1000, 'win32'), { kind: 'unsupported', reason: WHY });
    assert.equal(existsSync(dir), false, 'no folder made');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('on Windows a window runs its own engine, saying why once', async () => {
  const { root, dir } = scratch();
  try {
    const lines: string[] = [];
    const log: Logger = { ...silentLogger, info: (m) => void lines.push(`info ${m}`), warn: (m) => void lines.push(`warn ${m}`) };
    let owned = 0;
    const fakeHost = { pid: 1 } as unknown as HostProcess;
    const ownHost: SpawnHost = async () => {
      owned++;
      return fakeHost;
    };
    const spawn = sharedHost({
      hostScript: join(root, 'engineHost.js'),
      daemonScript: join(root, 'engineDaemon.js'),
      startTimeoutMs: 1000,
      log,
      enabled: () => true,
      paths: pathsInFolder(dir, 'win32'),
      platform: 'win32',
      ownHost,
    });
    const handlers = { onMessage: () => undefined, onExit: () => undefined };
    // A restart asks again: still its own engine, and no second line.
    assert.equal(await spawn(handlers), fakeHost);
    assert.equal(await spawn(handlers), fakeHost);
    assert.equal(owned, 2);
    assert.deepEqual(lines, [`info not using the shared engine, this window runs its own: ${WHY}`]);
    assert.equal(existsSync(dir), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('`r1-local status` on Windows says the shared engine is not supported there', async () => {
  const report = await sharedEngineStatus({ ...process.env, LOCALAPPDATA: join(tmpdir(), 'r1-gate-none') }, 'win32');
  assert.deepEqual(report, { running: false, unsupported: WHY });
  assert.match(statusSummary(report), /not yet supported on Windows; every VS Code window runs its own engine/);
  assert.match(statusSummary({ running: false }), /not running/);
});
