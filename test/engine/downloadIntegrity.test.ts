// Whole-model downloads against the fake hub: the happy path and its manifest, no network on the
// second run, corruption (in transit and on disk), disk full, concurrent callers, tokens and
// redirects, HEAD-only mirrors, paginated trees, and bad input.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DownloadError } from '../../engine/download/errors';
import { MANIFEST_FILE, readManifest } from '../../engine/download/manifest';
import { LOCK_FILE, downloadModel } from '../../engine/download/modelDownload';
import { QUARANTINE_DIR } from '../../engine/download/partialFile';
import type { DownloadEvent } from '../../engine/download/types';
import { type HubServer, gitBlobSha1, sha256 } from '../helpers/hubServer';
import { FAST_RETRY, GRAPH, GRAPH_DATA, TEST_REPO, eventsOf, repoFiles, sourceFor, inTempDir, startHub, tempDir } from '../helpers/downloadFixtures';

const VARIANT_FILES = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', GRAPH, GRAPH_DATA];

describe('model download', { timeout: 120_000 }, () => {
  let hub: HubServer;
  const files = repoFiles(1_500_000);
  before(async () => {
    hub = await startHub();
    hub.addRepo(TEST_REPO, files);
  });
  after(() => hub.stop());

  function assertAllCorrect(dir: string): void {
    for (const path of VARIANT_FILES) assert.equal(sha256(readFileSync(join(dir, path))), sha256(files[path]), path);
    assert.ok(!existsSync(join(dir, 'onnx/model_fp16.onnx')), 'other variants are not fetched');
  }

  it('downloads the variant, records commit, sizes and sha256 in the manifest, and needs no network the second time', async () => {
    await inTempDir('r1-dl-', async (dir) => {
      const events: DownloadEvent[] = [];
      const result = await downloadModel({ source: sourceFor(hub), modelDir: dir.path, retry: FAST_RETRY, onEvent: (e) => events.push(e) });
      assertAllCorrect(dir.path);
      const manifest = await readManifest(dir.path);
      assert.ok(manifest?.complete);
      assert.equal(manifest.commit, hub.repos.get(TEST_REPO)!.commit);
      assert.deepEqual(manifest.files.map((f) => f.path).sort(), [...VARIANT_FILES].sort());
      for (const f of manifest.files) {
        assert.equal(f.size, files[f.path].length);
        assert.equal(f.sha256, sha256(files[f.path]), `${f.path} sha256 recorded`);
      }
      assert.equal(manifest.files.find((f) => f.path === 'config.json')?.gitBlobSha1, gitBlobSha1(files['config.json']));
      assert.ok(result.fetchedBytes >= 1_500_000);
      const progress = eventsOf(events, 'progress');
      assert.ok(progress.length > 0);
      assert.equal(progress.at(-1)!.doneBytes, progress.at(-1)!.totalBytes);
      assert.ok(!existsSync(join(dir.path, LOCK_FILE)), 'lock released');

      const requestsBefore = hub.requests.length;
      const again = await downloadModel({ source: sourceFor(hub), modelDir: dir.path, retry: FAST_RETRY });
      assert.equal(again.fetchedBytes, 0);
      assert.equal(hub.requests.length, requestsBefore, 'a complete, verified folder needs no request');
    });
  });

  it('quarantines and re-downloads a file corrupted in transit (same size, one byte)', async () => {
    await inTempDir('r1-dl-', async (dir) => {
      hub.injectFaults(GRAPH, { kind: 'corrupt', at: 123_457 });
      const events: DownloadEvent[] = [];
      const quarantinedCopies: Buffer[] = [];
      await downloadModel({
        source: sourceFor(hub),
        modelDir: dir.path,
        retry: FAST_RETRY,
        onEvent: (e) => {
          events.push(e);
          if (e.type === 'quarantined') quarantinedCopies.push(readFileSync(e.quarantinePath));
        },
      });
      assertAllCorrect(dir.path);
      const quarantined = eventsOf(events, 'quarantined');
      assert.equal(quarantined.length, 1);
      assert.equal(quarantined[0].path, GRAPH);
      assert.equal(quarantinedCopies[0].length, files[GRAPH].length, 'same size');
      assert.notEqual(sha256(quarantinedCopies[0]), sha256(files[GRAPH]), 'wrong content');
      assert.ok(!existsSync(join(dir.path, QUARANTINE_DIR)), 'bad copies are dropped once the model verifies');
    }, hub);
  });

  it('verifies files kept outside LFS by their git blob sha1 (corruption caught there too)', async () => {
    await inTempDir('r1-dl-', async (dir) => {
      hub.injectFaults('config.json', { kind: 'corrupt', at: 3 });
      const events: DownloadEvent[] = [];
      const result = await downloadModel({ source: sourceFor(hub), modelDir: dir.path, retry: FAST_RETRY, onEvent: (e) => events.push(e) });
      assertAllCorrect(dir.path);
      assert.deepEqual(eventsOf(events, 'quarantined').map((e) => e.path), ['config.json']);
      const config = result.manifest.files.find((f) => f.path === 'config.json');
      assert.equal(config?.sha256, sha256(files['config.json']), 'the sha256 is recorded once the git hash verified');
    }, hub);
  });

  it('quarantines and re-downloads a file corrupted on disk after a complete download', async () => {
    await inTempDir('r1-dl-', async (dir) => {
      await downloadModel({ source: sourceFor(hub), modelDir: dir.path, retry: FAST_RETRY });
      const target = join(dir.path, GRAPH);
      const bytes = readFileSync(target);
      bytes[999] ^= 0x01;
      writeFileSync(target, bytes);
      const servedBefore = hub.bytesServed(GRAPH);
      const configServedBefore = hub.bytesServed('config.json');
      const events: DownloadEvent[] = [];
      await downloadModel({ source: sourceFor(hub), modelDir: dir.path, retry: FAST_RETRY, onEvent: (e) => events.push(e) });
      assertAllCorrect(dir.path);
      assert.equal(eventsOf(events, 'quarantined').length, 1);
      assert.equal(hub.bytesServed(GRAPH) - servedBefore, files[GRAPH].length, 'only the bad file is fetched again');
      assert.equal(hub.bytesServed('config.json'), configServedBefore);
      assert.ok(!existsSync(join(dir.path, QUARANTINE_DIR)));
    });
  });

  it('fails with an integrity error when every copy is corrupt, leaving nothing under the final name', async () => {
    await inTempDir('r1-dl-', async (dir) => {
      hub.injectFaults(GRAPH, { kind: 'corrupt', at: 10 }, { kind: 'corrupt', at: 20 }, { kind: 'corrupt', at: 30 });
      await assert.rejects(
        downloadModel({ source: sourceFor(hub), modelDir: dir.path, retry: FAST_RETRY, maxIntegrityRestarts: 1 }),
        (e: unknown) => e instanceof DownloadError && e.code === 'integrity' && e.message.includes(GRAPH),
      );
      assert.ok(!existsSync(join(dir.path, GRAPH)));
      assert.equal(readdirSync(join(dir.path, QUARANTINE_DIR)).length, 1, 'the bad copy is kept for inspection while the model is incomplete');
      assert.equal((await readManifest(dir.path))?.complete, false);
    }, hub);
  });

  it('reports a full disk clearly and leaves no file under its final name (injected ENOSPC)', async () => {
    await inTempDir('r1-dl-', async (dir) => {
      let written = 0;
      const fullAfter = 400_000;
      await assert.rejects(
        downloadModel({
          source: sourceFor(hub),
          modelDir: dir.path,
          retry: FAST_RETRY,
          openPartialFile: async (path, mode) => {
            const { openPartialFile } = await import('../../engine/download/partialFile');
            const inner = await openPartialFile(path, mode);
            return {
              async write(chunk) {
                if (written + chunk.length > fullAfter) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
                written += chunk.length;
                await inner.write(chunk);
              },
              close: () => inner.close(),
            };
          },
        }),
        (e: unknown) => e instanceof DownloadError && e.code === 'disk-full' && /Disk full/.test(e.message) && e.message.includes(GRAPH),
      );
      assert.ok(!existsSync(join(dir.path, GRAPH)), 'no file under the final name');
      assert.equal((await readManifest(dir.path))?.complete, false);
    });
  });

  it('checks free space before fetching anything', async () => {
    await inTempDir('r1-dl-', async (dir) => {
      const requestsBefore = hub.contentRequestCount(GRAPH);
      await assert.rejects(
        downloadModel({ source: sourceFor(hub), modelDir: dir.path, retry: FAST_RETRY, freeSpace: async () => 50_000 }),
        (e: unknown) => e instanceof DownloadError && e.code === 'disk-full' && /Not enough disk space/.test(e.message) && /50\.0 kB is free/.test(e.message),
      );
      assert.equal(hub.contentRequestCount(GRAPH), requestsBefore);
    });
  });

  it('runs two concurrent downloads of the same model as one transfer; both succeed', async () => {
    await inTempDir('r1-dl-', async (dir) => {
      const servedBefore = hub.totalBytesServed();
      const eventsA: DownloadEvent[] = [];
      const eventsB: DownloadEvent[] = [];
      const [a, b] = await Promise.all([
        downloadModel({ source: sourceFor(hub), modelDir: dir.path, retry: FAST_RETRY, lockPollMs: 20, onEvent: (e) => eventsA.push(e) }),
        downloadModel({ source: sourceFor(hub), modelDir: dir.path, retry: FAST_RETRY, lockPollMs: 20, onEvent: (e) => eventsB.push(e) }),
      ]);
      assertAllCorrect(dir.path);
      const variantBytes = VARIANT_FILES.reduce((sum, p) => sum + files[p].length, 0);
      assert.equal(hub.totalBytesServed() - servedBefore, variantBytes, 'each byte sent once');
      assert.deepEqual([a.fetchedBytes, b.fetchedBytes].sort((x, y) => x - y), [0, variantBytes]);
      assert.equal(eventsOf([...eventsA, ...eventsB], 'waiting-for-lock').length, 1);
    });
  });

  it('with a lock shared by all models, downloads of different models run one after the other', async () => {
    const storage = tempDir('r1-dl-');
    try {
      const lockPath = join(storage.path, 'models', LOCK_FILE);
      const a: DownloadEvent[] = [];
      const b: DownloadEvent[] = [];
      await Promise.all([
        downloadModel({ source: sourceFor(hub), modelDir: join(storage.path, 'a'), lockPath, retry: FAST_RETRY, lockPollMs: 20, onEvent: (e) => a.push(e) }),
        downloadModel({ source: sourceFor(hub, { variant: 'fp16' }), modelDir: join(storage.path, 'b'), lockPath, retry: FAST_RETRY, lockPollMs: 20, onEvent: (e) => b.push(e) }),
      ]);
      const waited = [...a, ...b].filter((e) => e.type === 'waiting-for-lock');
      assert.equal(waited.length, 1, 'the second download waited for the first');
      assert.equal(eventsOf(a, 'done').length + eventsOf(b, 'done').length, 2, 'both completed');
      assert.ok(existsSync(join(storage.path, 'b', 'onnx/model_fp16.onnx')));
      assert.ok(!existsSync(lockPath));
    } finally {
      storage.cleanup();
    }
  });

  it('takes over a stale lock left by a process that no longer exists', async () => {
    await inTempDir('r1-dl-', async (dir) => {
      const { hostname } = await import('node:os');
      writeFileSync(join(dir.path, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), createdAt: new Date().toISOString(), token: 'dead' }));
      await downloadModel({ source: sourceFor(hub), modelDir: dir.path, retry: FAST_RETRY, lockPollMs: 20 });
      assertAllCorrect(dir.path);
    });
  });

  it('sends the token to the hub but never to the CDN it redirects to', async () => {
    await inTempDir('r1-dl-', async (dir) => {
      const firstRequest = hub.requests.length;
      await downloadModel({ source: sourceFor(hub), modelDir: dir.path, retry: FAST_RETRY, token: 'hf_secret' });
      const mine = hub.requests.slice(firstRequest);
      const cdn = mine.filter((r) => r.server === 'cdn');
      const hubSide = mine.filter((r) => r.server === 'hub');
      assert.ok(cdn.length >= 2, 'LFS files came from the CDN');
      assert.ok(hubSide.every((r) => r.headers.authorization === 'Bearer hf_secret'));
      assert.ok(cdn.every((r) => r.headers.authorization === undefined), 'no Authorization on the other host');
    });
  });

  it('retries the file list when the hub is briefly unavailable, and gives up on a gated repository', async () => {
    await inTempDir('r1-dl-', async (dir) => {
      hub.failApiRequests(503, 502);
      const events: DownloadEvent[] = [];
      await downloadModel({ source: sourceFor(hub), modelDir: dir.path, retry: FAST_RETRY, onEvent: (e) => events.push(e) });
      assertAllCorrect(dir.path);
      assert.equal(eventsOf(events, 'retry').filter((e) => e.path === '(file list)').length, 2);
      hub.failApiRequests(401);
      await assert.rejects(
        downloadModel({ source: sourceFor(hub), modelDir: dir.path, retry: FAST_RETRY, checkForUpdates: true }),
        (e: unknown) => e instanceof DownloadError && e.code === 'unauthorized' && /HF_TOKEN/.test(e.message),
      );
    }, hub);
  });

  it('refuses to mix another variant into a model folder', async () => {
    await inTempDir('r1-dl-', async (dir) => {
      await downloadModel({ source: sourceFor(hub), modelDir: dir.path, retry: FAST_RETRY });
      await assert.rejects(
        downloadModel({ source: sourceFor(hub, { variant: 'fp16' }), modelDir: dir.path, retry: FAST_RETRY }),
        (e: unknown) => e instanceof DownloadError && e.code === 'bad-input' && /already holds test-org\/tiny-r1-onnx \(q4\)/.test(e.message),
      );
      assert.ok(!existsSync(join(dir.path, 'onnx/model_fp16.onnx')));
    });
  });

  it('fails clearly for an unknown variant, a missing repository and a missing file', async () => {
    await inTempDir('r1-dl-', async (dir) => {
      await assert.rejects(downloadModel({ source: sourceFor(hub, { variant: 'q3' }), modelDir: dir.path }), (e: unknown) => e instanceof DownloadError && e.code === 'bad-input' && /q4f16/.test(e.message));
      await assert.rejects(downloadModel({ source: sourceFor(hub, { repo: 'nobody/nothing' }), modelDir: dir.path }), (e: unknown) => e instanceof DownloadError && e.code === 'not-found');
      await assert.rejects(downloadModel({ source: sourceFor(hub, { variant: 'int8' }), modelDir: dir.path }), (e: unknown) => e instanceof DownloadError && e.code === 'not-found' && e.message.includes('onnx/model_int8.onnx'));
      await assert.rejects(downloadModel({ source: sourceFor(hub, { repo: '../etc' }), modelDir: dir.path }), (e: unknown) => e instanceof DownloadError && e.code === 'bad-input');
    });
  });
});

describe('model download from a mirror without the API', { timeout: 60_000 }, () => {
  let hub: HubServer;
  const files = repoFiles(200_000);
  before(async () => {
    hub = await startHub({ apiDisabled: true });
    hub.addRepo(TEST_REPO, files);
  });
  after(() => hub.stop());

  it('reads commit, sizes and hashes from HEAD headers (X-Repo-Commit, X-Linked-Size, X-Linked-Etag)', async () => {
    await inTempDir('r1-dl-', async (dir) => {
      await downloadModel({ source: sourceFor(hub), modelDir: dir.path, retry: FAST_RETRY });
      const manifest = JSON.parse(readFileSync(join(dir.path, MANIFEST_FILE), 'utf8'));
      assert.equal(manifest.commit, hub.repos.get(TEST_REPO)!.commit);
      const graph = manifest.files.find((f: { path: string }) => f.path === GRAPH);
      assert.equal(graph.sha256, sha256(files[GRAPH]));
      assert.ok(manifest.files.some((f: { path: string }) => f.path === GRAPH_DATA), 'optional external data found by HEAD');
      for (const path of VARIANT_FILES) assert.equal(sha256(readFileSync(join(dir.path, path))), sha256(files[path]));
    });
  });
});

describe('model download with a paginated tree', { timeout: 60_000 }, () => {
  let hub: HubServer;
  const files = repoFiles(100_000);
  before(async () => {
    hub = await startHub({ treePageSize: 2 });
    hub.addRepo(TEST_REPO, files);
  });
  after(() => hub.stop());

  it('follows the Link header through every page', async () => {
    await inTempDir('r1-dl-', async (dir) => {
      const result = await downloadModel({ source: sourceFor(hub), modelDir: dir.path, retry: FAST_RETRY });
      assert.deepEqual(result.manifest.files.map((f) => f.path).sort(), [...VARIANT_FILES].sort());
      assert.ok(hub.requests.filter((r) => r.url.includes('/tree/')).length >= 4);
    });
  });
});
