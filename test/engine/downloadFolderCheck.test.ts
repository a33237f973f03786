// The check behind "Select Model Folder…" and the start-up check: a generated model folder with a
// manifest is hashed once (then answered from the size+mtime cache), a corrupt, truncated or
// half-downloaded file makes it `damaged` (the re-download prompt), and a folder that is not a
// model is `invalid` with a message that says why.

import assert from 'node:assert/strict';
import { cpSync, readFileSync, renameSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertModelFolderVerified, checkModelFolder } from '../../engine/download/checkModelFolder';
import { ModelLoadError } from '../../engine/model/modelLoadError';
import { hashFile } from '../../engine/download/hashing';
import { MANIFEST_FILE } from '../../engine/download/manifest';
import type { ModelManifest } from '../../engine/download/types';
import { fixtureModel } from '../helpers/fixtureModels';
import { tempDir } from '../helpers/downloadFixtures';

const GRAPH = 'onnx/model_q4.onnx';

describe('model folder check', { timeout: 120_000 }, () => {
  const work = tempDir('r1-check-');
  let source = '';
  before(async () => {
    source = (await fixtureModel('tiny', 'optimum', 'q4')).dir;
  });
  after(() => work.cleanup());

  /** A copy of the fixture with a manifest listing its files (as a download would write). */
  async function copyWithManifest(name: string): Promise<{ dir: string; cache: string }> {
    const dir = join(work.path, name);
    cpSync(source, dir, { recursive: true });
    rmSync(join(dir, 'fixture.json'));
    const paths = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', GRAPH];
    const files = [];
    for (const path of paths) {
      const content = readFileSync(join(dir, path));
      files.push({ path, size: content.length, sha256: (await hashFile(join(dir, path), content.length)).sha256 });
    }
    const manifest: ModelManifest = { formatVersion: 1, endpoint: 'https://hub.example', repo: 'a/b', revision: 'main', commit: 'c'.repeat(40), variant: 'q4', files, complete: true, updatedAt: '' };
    writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(manifest));
    return { dir, cache: join(work.path, `${name}-cache.json`) };
  }

  it('accepts a folder without a manifest after checking its layout only', async () => {
    const check = await checkModelFolder(source, { cachePath: join(work.path, 'plain-cache.json') });
    assert.equal(check.status, 'ok');
    assert.equal(check.status === 'ok' && check.manifest, undefined);
    assert.equal(check.status === 'ok' && check.onnxFile, GRAPH);
  });

  it('hashes a folder with a manifest once, then answers from the size+mtime cache', async () => {
    const { dir, cache } = await copyWithManifest('cached');
    const first = await checkModelFolder(dir, { cachePath: cache });
    assert.equal(first.status, 'ok');
    assert.equal(first.status === 'ok' && first.hashed.length, 5);
    const second = await checkModelFolder(dir, { cachePath: cache });
    assert.deepEqual(second.status === 'ok' && second.hashed, []);
    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir, GRAPH), later, later);
    const touched = await checkModelFolder(dir, { cachePath: cache });
    assert.deepEqual(touched.status === 'ok' && touched.hashed, [GRAPH], 'a changed mtime means hashing that file again');
  });

  it('reports a same-size corruption as damaged, even after the hash was cached', async () => {
    const { dir, cache } = await copyWithManifest('corrupt');
    assert.equal((await checkModelFolder(dir, { cachePath: cache })).status, 'ok');
    const bytes = readFileSync(join(dir, GRAPH));
    bytes[bytes.length - 10] ^= 0x40;
    writeFileSync(join(dir, GRAPH), bytes);
    const check = await checkModelFolder(dir, { cachePath: cache });
    assert.equal(check.status, 'damaged');
    assert.match(check.status === 'damaged' ? check.message : '', /onnx\/model_q4\.onnx does not match its sha256/);
    assert.ok(check.status === 'damaged' && check.manifest, 'the manifest comes back so the files can be fetched again');
  });

  it('reports truncated, half-downloaded and missing files as damaged', async () => {
    const truncated = await copyWithManifest('truncated');
    truncateSync(join(truncated.dir, GRAPH), 1000);
    const t = await checkModelFolder(truncated.dir, { cachePath: truncated.cache });
    assert.match(t.status === 'damaged' ? t.message : t.status, /has the wrong size \(1000 bytes/);

    const partial = await copyWithManifest('partial');
    renameSync(join(partial.dir, GRAPH), join(partial.dir, GRAPH + '.incomplete'));
    const p = await checkModelFolder(partial.dir, { cachePath: partial.cache });
    assert.match(p.status === 'damaged' ? p.message : p.status, /is only partly downloaded/);

    const missing = await copyWithManifest('missing');
    rmSync(join(missing.dir, 'tokenizer.json'));
    const m = await checkModelFolder(missing.dir, { cachePath: missing.cache });
    assert.match(m.status === 'damaged' ? m.message : m.status, /tokenizer\.json is missing/);
  });

  it('refuses a folder that is not a model, and an unreadable manifest', async () => {
    const empty = join(work.path, 'empty');
    cpSync(join(source, 'tokenizer.json'), join(empty, 'tokenizer.json'));
    const check = await checkModelFolder(empty, { cachePath: join(work.path, 'x.json') });
    assert.equal(check.status, 'invalid');
    assert.match(check.status === 'invalid' ? check.message : '', /not a model folder/);

    const { dir, cache } = await copyWithManifest('bad-manifest');
    writeFileSync(join(dir, MANIFEST_FILE), '{"formatVersion": 1, "files": [{"path": "../../etc/passwd", "size": 1}], "repo": "a/b", "commit": "c"}');
    const bad = await checkModelFolder(dir, { cachePath: cache });
    assert.equal(bad.status, 'invalid');
    assert.match(bad.status === 'invalid' ? bad.message : '', /Unsafe file path/);
  });

  it('gives the engine host a ModelLoadError code for each kind of damage', async () => {
    const good = await copyWithManifest('guard-ok');
    await assertModelFolderVerified(good.dir, { cachePath: good.cache });

    const corrupt = await copyWithManifest('guard-corrupt');
    const bytes = readFileSync(join(corrupt.dir, 'tokenizer.json'));
    bytes[5] ^= 0x01;
    writeFileSync(join(corrupt.dir, 'tokenizer.json'), bytes);
    await assert.rejects(assertModelFolderVerified(corrupt.dir, { cachePath: corrupt.cache }), (e: unknown) => e instanceof ModelLoadError && e.code === 'corrupt-file');

    const partial = await copyWithManifest('guard-partial');
    renameSync(join(partial.dir, GRAPH), join(partial.dir, GRAPH + '.incomplete'));
    await assert.rejects(assertModelFolderVerified(partial.dir, { cachePath: partial.cache }), (e: unknown) => e instanceof ModelLoadError && e.code === 'incomplete-download');

    const notAModel = join(work.path, 'guard-empty');
    cpSync(join(source, 'tokenizer.json'), join(notAModel, 'tokenizer.json'));
    await assert.rejects(assertModelFolderVerified(notAModel, { cachePath: join(work.path, 'y.json') }), (e: unknown) => e instanceof ModelLoadError && e.code === 'not-a-model');
  });
});
