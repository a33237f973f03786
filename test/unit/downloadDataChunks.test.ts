// Graphs whose weights transformers.js split into `_data`, `_data_1`, …: the plan takes every chunk
// the hub lists for the chosen graph (and nothing of other graphs), each chunk is fetched, hashed and
// verified like the graph, and a damaged chunk is caught and fetched again. Also: the optional
// `chat_template.jinja` of newer folders comes along and is the template the tokenizer reads.
// Against the fake hub on 127.0.0.1, with its API and as a mirror that answers HEAD requests only.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { downloadModel } from '../../engine/download/modelDownload';
import { externalDataChunks } from '../../engine/download/resolvePlan';
import { VerifyCache, verifyAgainstManifest } from '../../engine/download/verifyFolder';
import { writeFixtureTokenizerFiles } from '../../engine/fixtures/tokenizerFixture';
import { TextTokenizer } from '../../engine/text/tokenizer';
import { type HubServer, seededBytes, sha256 } from '../helpers/hubServer';
import { FAST_RETRY, startHub, tempDir } from '../helpers/downloadFixtures';

const REPO = 'test-org/chunked-r1-onnx';
const GRAPH = 'onnx/model_q4.onnx';
const TEMPLATE = "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}";
const WANTED = [GRAPH, `${GRAPH}_data`, `${GRAPH}_data_1`, 'chat_template.jinja', 'config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json'];

function chunkedRepo(): Record<string, Buffer> {
  const tok = mkdtempSync(join(tmpdir(), 'r1-tok-'));
  try {
    writeFixtureTokenizerFiles(tok);
    return {
      'config.json': Buffer.from(JSON.stringify({ model_type: 'qwen2' })),
      'generation_config.json': Buffer.from(JSON.stringify({ eos_token_id: [1, 2] })),
      'tokenizer.json': readFileSync(join(tok, 'tokenizer.json')),
      'tokenizer_config.json': readFileSync(join(tok, 'tokenizer_config.json')),
      'chat_template.jinja': Buffer.from(TEMPLATE),
      [GRAPH]: seededBytes(50_000, 3),
      [`${GRAPH}_data`]: seededBytes(400_000, 5),
      [`${GRAPH}_data_1`]: seededBytes(250_000, 7),
      // Not chunks of the chosen graph: another graph's data and a stray name.
      'onnx/model_q4f16.onnx': seededBytes(1_000, 9),
      'onnx/model_q4f16.onnx_data': seededBytes(1_000, 11),
      [`${GRAPH}_data_old`]: seededBytes(1_000, 13),
    };
  } finally {
    rmSync(tok, { recursive: true, force: true });
  }
}

describe('external-data chunks', () => {
  it('are the chosen graph\'s `_data`, `_data_1`, … in order, and nothing else', () => {
    const paths = ['m.onnx_data_10', 'm.onnx', 'm.onnx_data_2', 'm.onnx_data', 'm.onnx_data_1', 'm.onnx_data_01', 'm.onnx_data_x', 'm.onnx_data_', 'm_fp16.onnx_data', 'xm.onnx_data'];
    assert.deepEqual(externalDataChunks('m.onnx', paths), ['m.onnx_data', 'm.onnx_data_1', 'm.onnx_data_2', 'm.onnx_data_10']);
    assert.deepEqual(externalDataChunks('m.onnx', ['m.onnx', 'config.json']), []);
  });
});

for (const apiDisabled of [false, true]) {
  describe(`a graph split into _data and _data_1 (${apiDisabled ? 'HEAD-only mirror' : 'hub API'})`, { timeout: 60_000 }, () => {
    let hub: HubServer;
    const files = chunkedRepo();
    before(async () => {
      hub = await startHub({ apiDisabled });
      hub.addRepo(REPO, files);
    });
    after(() => hub.stop());

    it('downloads and verifies every chunk, brings chat_template.jinja, and fetches a damaged chunk again', async () => {
      const dir = tempDir('r1-chunks-');
      const source = { endpoint: hub.hubUrl, repo: REPO, revision: 'main', variant: 'q4' };
      try {
        const result = await downloadModel({ source, modelDir: dir.path, retry: FAST_RETRY });
        assert.deepEqual(result.manifest.files.map((f) => f.path).sort(), [...WANTED].sort());
        for (const path of WANTED) {
          assert.equal(sha256(readFileSync(join(dir.path, path))), sha256(files[path]), path);
          assert.equal(result.manifest.files.find((f) => f.path === path)?.size, files[path].length, path);
        }
        const chunk = result.manifest.files.find((f) => f.path === `${GRAPH}_data_1`);
        assert.equal(chunk?.sha256, sha256(files[`${GRAPH}_data_1`]), 'the chunk has its hash in the manifest');

        // The folder's chat template is the downloaded file's.
        const tokenizer = TextTokenizer.fromFolder(dir.path);
        assert.equal(tokenizer.chatTemplate, TEMPLATE);

        // Damage the second chunk on disk (same size): verification names it, the next download fetches it alone.
        const damaged = Buffer.from(files[`${GRAPH}_data_1`]);
        damaged[1234] ^= 0xff;
        writeFileSync(join(dir.path, `${GRAPH}_data_1`), damaged);
        const check = await verifyAgainstManifest(dir.path, result.manifest, { cache: await VerifyCache.open(undefined) });
        assert.equal(check.ok, false);
        assert.deepEqual(check.files.filter((f) => f.status !== 'ok').map((f) => [f.path, f.status]), [[`${GRAPH}_data_1`, 'hash-mismatch']]);

        const servedBefore = hub.bytesServed(`${GRAPH}_data`);
        const again = await downloadModel({ source, modelDir: dir.path, retry: FAST_RETRY });
        assert.equal(again.fetchedBytes, files[`${GRAPH}_data_1`].length);
        assert.equal(hub.bytesServed(`${GRAPH}_data`), servedBefore, 'the good chunk is kept');
        assert.equal(sha256(readFileSync(join(dir.path, `${GRAPH}_data_1`))), sha256(files[`${GRAPH}_data_1`]));
        const final = await verifyAgainstManifest(dir.path, again.manifest, { cache: await VerifyCache.open(undefined) });
        assert.ok(final.ok, JSON.stringify(final.files));
      } finally {
        dir.cleanup();
      }
    });
  });
}
