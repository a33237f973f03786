// Resumable downloads against the fake hub: dropped connections at many offsets, and every way a
// server can answer a Range request wrongly. Each test is bounded: fixed fault lists, fast retries.

import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { downloadModel } from '../../engine/download/modelDownload';
import { DownloadError } from '../../engine/download/errors';
import type { DownloadEvent } from '../../engine/download/types';
import { type HubServer, sha256 } from '../helpers/hubServer';
import { FAST_RETRY, GRAPH, checkingWriter, eventsOf, repoFiles, sourceFor, inTempDir, startHub, tempDir } from '../helpers/downloadFixtures';

describe('download resume', { timeout: 120_000 }, () => {
  let hub: HubServer;
  const files = repoFiles(6_000_000);
  before(async () => {
    hub = await startHub();
    hub.addRepo('test-org/tiny-r1-onnx', files);
  });
  after(() => hub.stop());

  async function run(faults: Parameters<HubServer['injectFaults']>[1][], extra: { maxAttemptsPerFile?: number } = {}) {
    const dir = tempDir('r1-dl-');
    const events: DownloadEvent[] = [];
    const mismatches: string[] = [];
    const servedBefore = hub.bytesServed(GRAPH);
    hub.injectFaults(GRAPH, ...faults);
    try {
      const result = await downloadModel({
        source: sourceFor(hub),
        modelDir: dir.path,
        retry: { ...FAST_RETRY, maxAttemptsPerFile: extra.maxAttemptsPerFile ?? 40 },
        openPartialFile: checkingWriter(files, dir.path, mismatches),
        onEvent: (e) => events.push(e),
      });
      const graphSha = sha256(readFileSync(join(dir.path, GRAPH)));
      return { result, events, mismatches, graphSha, served: hub.bytesServed(GRAPH) - servedBefore, dir: dir.path, cleanup: dir.cleanup };
    } catch (error) {
      dir.cleanup();
      throw error;
    }
  }

  it('survives 20 dropped connections (offset 0 and the last byte included) with ≤ 1.1× the bytes', async (t) => {
    const size = files[GRAPH].length;
    const offsets = new Set<number>([0, size - 1]);
    let seed = 12345;
    while (offsets.size < 20) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      offsets.add(1 + (seed % (size - 2)));
    }
    const sorted = [...offsets].sort((a, b) => a - b);
    const r = await run(sorted.map((at) => ({ kind: 'drop' as const, at })));
    try {
      assert.equal(r.graphSha, sha256(files[GRAPH]));
      assert.deepEqual(r.mismatches, []);
      assert.ok(r.served <= 1.1 * size, `served ${r.served} bytes for a ${size}-byte file`);
      t.diagnostic(`bytes sent by the server: ${(r.served / size).toFixed(3)} × the file size`);
      assert.ok(eventsOf(r.events, 'retry').length >= 19, 'every drop was retried');
      assert.equal(eventsOf(r.events, 'restart').length, 0, 'drops resume, they never restart');
      assert.equal(r.result.manifest.complete, true);
    } finally {
      r.cleanup();
    }
  });

  const misbehaviours = [
    { name: '200 to a Range request', fault: { kind: 'ignore-range' as const }, restarts: true },
    { name: 'a 206 at the wrong offset', fault: { kind: 'wrong-start' as const, shift: -1000 }, restarts: true },
    { name: 'a 206 past the asked offset', fault: { kind: 'wrong-start' as const, shift: 4096 }, restarts: true },
    { name: 'a short 206', fault: { kind: 'short-206' as const, length: 10_000 }, restarts: false },
    { name: '416', fault: { kind: 'status' as const, status: 416 }, restarts: true },
    { name: 'an ETag change (If-Range honoured: 200)', fault: { kind: 'change-etag' as const }, restarts: true },
    { name: 'an ETag change (If-Range ignored: 206 with a new ETag)', fault: { kind: 'change-etag' as const, ignoreIfRange: true }, restarts: true },
  ];
  for (const m of misbehaviours) {
    it(`never appends mismatched bytes after ${m.name}`, async () => {
      const r = await run([{ kind: 'drop', at: 700_000 }, m.fault]);
      try {
        assert.deepEqual(r.mismatches, []);
        assert.equal(r.graphSha, sha256(files[GRAPH]));
        assert.equal(eventsOf(r.events, 'restart').length > 0, m.restarts, `restart events: ${JSON.stringify(eventsOf(r.events, 'restart'))}`);
      } finally {
        r.cleanup();
      }
    });
  }

  it('fails clearly, without a final file, when the server keeps answering resumes at the wrong offset', async () => {
    const dir = tempDir('r1-dl-');
    const mismatches: string[] = [];
    for (let i = 0; i < 10; i++) hub.injectFaults(GRAPH, { kind: 'drop', at: 500_000 }, { kind: 'wrong-start', shift: 7 });
    try {
      await assert.rejects(
        downloadModel({
          source: sourceFor(hub),
          modelDir: dir.path,
          retry: { ...FAST_RETRY, maxAttemptsPerFile: 6 },
          openPartialFile: checkingWriter(files, dir.path, mismatches),
        }),
        (error: unknown) => error instanceof DownloadError && error.code === 'network' && /model_q4\.onnx.*6 attempts/.test(error.message),
      );
      assert.deepEqual(mismatches, []);
      assert.ok(!existsSync(join(dir.path, GRAPH)), 'nothing under the final name');
    } finally {
      hub.clearFaults();
      dir.cleanup();
    }
  });

  it('treats a silent connection as dropped (idle timeout) and resumes', async () => {
    await inTempDir('r1-dl-', async (dir) => {
      hub.injectFaults(GRAPH, { kind: 'stall', at: 2_500_000 });
      const events: DownloadEvent[] = [];
      await downloadModel({ source: sourceFor(hub), modelDir: dir.path, retry: FAST_RETRY, idleTimeoutMs: 300, onEvent: (e) => events.push(e) });
      assert.equal(sha256(readFileSync(join(dir.path, GRAPH))), sha256(files[GRAPH]));
      const retry = eventsOf(events, 'retry').find((e) => e.path === GRAPH);
      assert.match(retry?.reason ?? '', /No data from 127\.0\.0\.1:\d+ for 300 ms/);
      const resumed = eventsOf(events, 'file-start').filter((e) => e.path === GRAPH);
      assert.equal(resumed.length, 1, 'one file start; the retry resumed it');
    }, hub);
  });

  it('stops on cancel, keeps the partial file and the lock free, and resumes later', async () => {
    await inTempDir('r1-dl-', async (dir) => {
      hub.injectFaults(GRAPH, { kind: 'stall', at: 3_000_000 });
      const controller = new AbortController();
      const run = downloadModel({
        source: sourceFor(hub),
        modelDir: dir.path,
        retry: FAST_RETRY,
        signal: controller.signal,
        progressIntervalMs: 0,
        onEvent: (e) => {
          if (e.type === 'progress' && e.path === GRAPH && e.fileBytes >= 3_000_000) controller.abort();
        },
      });
      await assert.rejects(run, (e: unknown) => e instanceof DownloadError && e.code === 'aborted');
      assert.ok(existsSync(join(dir.path, GRAPH + '.incomplete')));
      assert.ok(!existsSync(join(dir.path, GRAPH)));
      assert.ok(!existsSync(join(dir.path, '.r1-local-download.lock')), 'lock released');
      const events: DownloadEvent[] = [];
      await downloadModel({ source: sourceFor(hub), modelDir: dir.path, retry: FAST_RETRY, onEvent: (e) => events.push(e) });
      assert.ok(eventsOf(events, 'file-start').find((e) => e.path === GRAPH)!.resumeFrom >= 3_000_000);
      assert.equal(sha256(readFileSync(join(dir.path, GRAPH))), sha256(files[GRAPH]));
    }, hub);
  });

  it('resumes a partial file left by an earlier, interrupted run (re-hashing it once)', async () => {
    await inTempDir('r1-dl-', async (dir) => {
      hub.injectFaults(GRAPH, { kind: 'drop', at: 1_200_000 });
      // First run: give up after the drop, as a killed process would.
      await assert.rejects(
        downloadModel({ source: sourceFor(hub), modelDir: dir.path, retry: { ...FAST_RETRY, maxConsecutiveFailures: 0 } }),
        (error: unknown) => error instanceof DownloadError && error.code === 'network',
      );
      assert.ok(existsSync(join(dir.path, GRAPH + '.incomplete')), 'partial file kept');
      assert.ok(!existsSync(join(dir.path, GRAPH)), 'nothing under the final name');
      const servedBefore = hub.bytesServed(GRAPH);
      const events: DownloadEvent[] = [];
      await downloadModel({ source: sourceFor(hub), modelDir: dir.path, retry: FAST_RETRY, onEvent: (e) => events.push(e) });
      const start = eventsOf(events, 'file-start').find((e) => e.path === GRAPH);
      assert.ok(start && start.resumeFrom >= 1_000_000, `resumed from ${start?.resumeFrom}`);
      assert.ok(hub.bytesServed(GRAPH) - servedBefore <= files[GRAPH].length - 1_000_000);
      assert.equal(sha256(readFileSync(join(dir.path, GRAPH))), sha256(files[GRAPH]));
    });
  });
});
