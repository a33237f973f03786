// `r1-local download` as a user runs it: the built CLI against the fake hub, in child processes.
// Covers exit codes, the final summary, and two processes downloading the same model at once.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type HubServer, sha256 } from '../helpers/hubServer';
import { GRAPH, GRAPH_DATA, TEST_REPO, repoFiles, inTempDir, startHub } from '../helpers/downloadFixtures';

const CLI = join(process.cwd(), 'dist', 'cli.js');

function runCli(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'download', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HF_TOKEN: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`r1-local download timed out:\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('r1-local download', { timeout: 120_000 }, () => {
  let hub: HubServer;
  const files = repoFiles(3_000_000);
  before(async () => {
    hub = await startHub();
    hub.addRepo(TEST_REPO, files);
  });
  after(() => hub.stop());

  it('downloads and verifies every file, exits 0, and reports the commit', async () => {
    await inTempDir('r1-cli-', async (dir) => {
      hub.injectFaults(GRAPH, { kind: 'drop', at: 1_000_000 });
      const r = await runCli(['--endpoint', hub.hubUrl, '--repo', TEST_REPO, '--variant', 'q4', '--dest', dir.path]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`${TEST_REPO}@${hub.repos.get(TEST_REPO)!.commit} \\(q4\\): 6 files, .* all verified`));
      assert.match(r.stderr, /retrying onnx\/model_q4\.onnx/);
      for (const path of [GRAPH, GRAPH_DATA, 'config.json']) assert.equal(sha256(readFileSync(join(dir.path, path))), sha256(files[path]));

      const again = await runCli(['--endpoint', hub.hubUrl, '--repo', TEST_REPO, '--variant', 'q4', '--dest', dir.path]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /already present/);
    }, hub);
  });

  it('exits non-zero with a clear message when the download cannot complete', async () => {
    await inTempDir('r1-cli-', async (dir) => {
      const missing = await runCli(['--endpoint', hub.hubUrl, '--repo', 'nobody/nothing', '--variant', 'q4', '--dest', dir.path]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /not found .*\[not-found\]/);
      const badVariant = await runCli(['--endpoint', hub.hubUrl, '--repo', TEST_REPO, '--variant', 'q7', '--dest', dir.path]);
      assert.equal(badVariant.code, 2);
      assert.match(badVariant.stderr, /Unknown variant "q7"/);
      const noDest = await runCli(['--endpoint', hub.hubUrl]);
      assert.equal(noDest.code, 2);
      assert.match(noDest.stderr, /--dest is required/);
    });
  });

  it('two processes downloading the same model transfer it once and both exit 0', async () => {
    await inTempDir('r1-cli-', async (dir) => {
      const before = hub.totalBytesServed();
      const args = ['--endpoint', hub.hubUrl, '--repo', TEST_REPO, '--variant', 'q4', '--dest', dir.path];
      const [a, b] = await Promise.all([runCli(args), runCli(args)]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      const variantBytes = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', GRAPH, GRAPH_DATA].reduce((s, p) => s + files[p].length, 0);
      assert.equal(hub.totalBytesServed() - before, variantBytes);
      assert.equal([a.stdout, b.stdout].filter((s) => /already present/.test(s)).length, 1);
    });
  });
});
