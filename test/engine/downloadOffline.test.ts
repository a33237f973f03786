// After a download, everything works with the network gone: a generated model is published on the
// fake hub under the catalogue's own repository names (the default Optimum export, and the
// onnxruntime-genai export whose variant sits in a subfolder), downloaded, and then — with every
// outgoing connection made to fail — checked, loaded by the engine and asked to generate.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_REPO, DEFAULT_VARIANT, checkModelFolder, downloadModel, modelFolderFor, nodeRequest } from '../../engine/download';
import { Engine } from '../../engine/engine';
import type { ExportStyle } from '../../engine/types';
import { fixtureModel } from '../helpers/fixtureModels';
import { HubServer, folderAsHubFiles } from '../helpers/hubServer';
import { FAST_RETRY, tempDir } from '../helpers/downloadFixtures';

const GENAI_REPO = 'onnxruntime/DeepSeek-R1-Distill-ONNX';
const GENAI_FOLDER = 'deepseek-r1-distill-qwen-1.5B/cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4';

/** Makes every way out of the process fail, and counts the attempts. Returns the undo. */
function blockNetwork(): { attempts: string[]; restore: () => void } {
  const require = createRequire(import.meta.url);
  const attempts: string[] = [];
  const patched: [Record<string, unknown>, string, unknown][] = [];
  const block = (moduleName: string, fn: string) => {
    const mod = require(moduleName) as Record<string, unknown>;
    patched.push([mod, fn, mod[fn]]);
    mod[fn] = (...args: unknown[]) => {
      attempts.push(`${moduleName}.${fn}(${JSON.stringify(args[0])?.slice(0, 80)})`);
      throw new Error(`network is disabled in this test (${moduleName}.${fn})`);
    };
  };
  for (const fn of ['connect', 'createConnection']) block('node:net', fn);
  block('node:tls', 'connect');
  for (const fn of ['request', 'get']) {
    block('node:http', fn);
    block('node:https', fn);
  }
  block('node:dns', 'lookup');
  return { attempts, restore: () => patched.forEach(([mod, fn, original]) => (mod[fn] = original)) };
}

async function generateSomething(modelDir: string): Promise<number> {
  const engine = await Engine.load({ modelPath: modelDir, executionProvider: 'cpu', threads: 1 });
  try {
    let tokens = 0;
    for await (const event of engine.generate({ kind: 'completion', prompt: { type: 'ids', ids: [1, 2, 3] }, maxNewTokens: 4, sampling: { greedy: true } })) {
      if (event.type === 'done') tokens = event.tokenIds.length;
    }
    return tokens;
  } finally {
    await engine.dispose();
  }
}

describe('offline after download', { timeout: 180_000 }, () => {
  let hub: HubServer;
  const storage = tempDir('r1-storage-');
  before(async () => {
    hub = await new HubServer().start();
    // The default download on a CPU is q4: serve a q4 graph under that name.
    const optimum = await fixtureModel('tiny', 'optimum', 'q4');
    hub.addRepo(DEFAULT_REPO, folderAsHubFiles(optimum.dir));
    const genai = await fixtureModel('tiny', 'genai', 'q4');
    hub.addRepo(GENAI_REPO, folderAsHubFiles(genai.dir, `${GENAI_FOLDER}/`));
  });
  after(async () => {
    await hub.stop();
    storage.cleanup();
  });

  const cases: { style: ExportStyle; repo: string; variant: string }[] = [
    { style: 'optimum', repo: DEFAULT_REPO, variant: DEFAULT_VARIANT },
    { style: 'genai', repo: GENAI_REPO, variant: 'cpu-int4' },
  ];
  for (const c of cases) {
    it(`downloads ${c.repo} (${c.variant}), then checks, loads and generates with all connections failing`, async () => {
      const modelDir = modelFolderFor(storage.path, c.repo, 'main', c.variant);
      await downloadModel({ source: { endpoint: hub.hubUrl, repo: c.repo, revision: 'main', variant: c.variant }, modelDir, retry: FAST_RETRY });

      const requestsBefore = hub.requests.length;
      const net = blockNetwork();
      try {
        // The block is real: the downloader's own HTTP path fails while it is on.
        await assert.rejects(nodeRequest(new URL(hub.hubUrl), { method: 'GET' }), /network is disabled/);
        assert.equal(net.attempts.length, 1);
        net.attempts.length = 0;
        const check = await checkModelFolder(modelDir);
        assert.equal(check.status, 'ok', JSON.stringify(check));
        assert.equal(check.style, c.style);
        assert.deepEqual(check.hashed, [], 'hashes come from the cache filled during the download');
        // Downloading again is answered from disk, too.
        const again = await downloadModel({ source: { endpoint: hub.hubUrl, repo: c.repo, revision: 'main', variant: c.variant }, modelDir });
        assert.equal(again.fetchedBytes, 0);
        assert.equal(await generateSomething(modelDir), 4);
      } finally {
        net.restore();
      }
      assert.deepEqual(net.attempts, [], 'no outgoing connection was attempted');
      assert.equal(hub.requests.length, requestsBefore);
    });
  }
});
