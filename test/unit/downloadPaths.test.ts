// Paths from manifests and hub listings never leave the model folder; manifests are validated;
// downloaded models get one folder per repository, revision and variant.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DownloadError } from '../../engine/download/errors';
import { parseManifest, safeModelPath } from '../../engine/download/manifest';
import { modelFolderFor } from '../../engine/download/storageLayout';

describe('download paths', () => {
  it('joins safe relative paths and refuses escapes', () => {
    assert.equal(safeModelPath('/m', 'onnx/model_q4.onnx'), join('/m', 'onnx', 'model_q4.onnx'));
    for (const bad of ['../x', 'onnx/../../x', '/etc/passwd', 'C:/x', 'a\\..\\b', '', 'a\0b']) {
      assert.throws(() => safeModelPath('/m', bad), DownloadError, JSON.stringify(bad));
    }
  });

  it('validates manifests', () => {
    const good = { formatVersion: 1, endpoint: 'e', repo: 'a/b', revision: 'main', commit: 'c', variant: 'q4', files: [{ path: 'config.json', size: 3 }], complete: true, updatedAt: '' };
    assert.equal(parseManifest(JSON.stringify(good), 'm.json').repo, 'a/b');
    assert.throws(() => parseManifest('{', 'm.json'), /not valid JSON/);
    assert.throws(() => parseManifest(JSON.stringify({ ...good, formatVersion: 2 }), 'm.json'), /not an R1 Local model manifest/);
    assert.throws(() => parseManifest(JSON.stringify({ ...good, files: [{ path: 'x', size: -1 }] }), 'm.json'), /not an R1 Local model manifest/);
    assert.throws(() => parseManifest(JSON.stringify({ ...good, files: [{ path: '../x', size: 1 }] }), 'm.json'), /Unsafe file path/);
  });

  it('stores each repository, revision and variant in its own folder', () => {
    assert.equal(modelFolderFor('/s', 'onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX', 'main', 'q4f16'), join('/s', 'models', 'onnx-community', 'DeepSeek-R1-Distill-Qwen-1.5B-ONNX', 'main', 'q4f16'));
    assert.equal(modelFolderFor('/s', 'a/b', 'refs/pr/1', 'q4'), join('/s', 'models', 'a', 'b', 'refs_pr_1', 'q4'));
    assert.throws(() => modelFolderFor('/s', '../b', 'main', 'q4'), DownloadError);
    assert.throws(() => modelFolderFor('/s', 'a/b', '..', 'q4'), DownloadError);
  });
});
