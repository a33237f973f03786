// The packaged extension with `r1Local.backend: "openai-compatible"`, answering from `r1-local serve`
// (the built dist/cli.js over the scripted model, on 127.0.0.1) in a fresh code-server + Chromium:
// no model folder is configured, the chat answers from the server with its reasoning and answer
// split, the turn names the backend that answered, and the status bar names the server and model.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import {
  e2eUnavailableReason,
  findWebviewFrame,
  nonLocalHosts,
  openWorkbench,
  r1StatusItem,
  runCommand,
  waitForExtensionActive,
  withScreenshotOnFailure,
  type Workbench,
} from '../helpers/codeServer.ts';
import { createE2eWorkspace, type E2eWorkspace } from '../helpers/e2eWorkspace.ts';
import { packagedLinuxVsix } from '../helpers/testVsix.ts';
import { repoRoot } from '../../scripts/e2e/layout.ts';

const script = [
  'The user greets me; a short, friendly reply is enough here.',
  '</think>',
  '',
  'Hello from the team server.',
  '',
  '```ts',
  'export const greeting = "hello";',
  '```',
].join('\n');

interface Served {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** `r1-local serve` as a teammate runs it; resolves once it prints where it listens. */
function startServe(modelDir: string): Promise<Served> {
  const cli = join(repoRoot, 'dist', 'cli.js');
  assert.ok(existsSync(cli), 'dist/cli.js is built (scripts/test.mjs builds first)');
  const child = spawn(process.execPath, [cli, 'serve', '--model', modelDir, '--host', '127.0.0.1', '--port', '0', '--threads', '1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, R1_LOCAL_API_KEY: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not listen within 60 s: ${stderr}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const match = /listening on (http:\/\/\S+)\n/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, output: () => `${stdout}${stderr}` });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before listening: ${stderr}`));
    });
  });
}

let workspace: E2eWorkspace;
let workbench: Workbench;
let served: Served;
let modelId: string;
let port: string;

describe('the chat view answering from r1-local serve (r1Local.backend: openai-compatible)', { timeout: 420_000 }, () => {
  before(async () => {
    assert.equal(e2eUnavailableReason(), undefined);
    const vsix = packagedLinuxVsix();
    workspace = await createE2eWorkspace('remote-chat', { script, files: { 'notes.md': '# notes\n' } });
    served = await startServe(workspace.modelPath);
    port = new URL(served.url).port;
    const models = (await (await fetch(`${served.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    modelId = models.data[0]!.id;
    workbench = await openWorkbench({
      name: 'remote-chat',
      vsix,
      folder: workspace.folder,
      settings: {
        // No r1Local.modelPath: the server is the only model.
        'r1Local.backend': 'openai-compatible',
        'r1Local.remote.endpoint': `${served.url}/v1`,
        'workbench.colorTheme': 'Default Dark Modern',
      },
    });
  });

  after(async () => {
    await workbench?.close();
    if (served && served.child.exitCode === null) {
      const exited = new Promise((resolve) => served.child.once('exit', resolve));
      served.child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (served.child.exitCode === null) served.child.kill('SIGKILL');
    }
    workspace?.dispose();
  });

  test('a question is answered by the server: reasoning and answer apart, the backend named', async () => {
    const { page } = workbench;
    await withScreenshotOnFailure(workbench, 'remote-chat', async () => {
      await waitForExtensionActive(page);
      await runCommand(page, 'R1 Local: Open Chat');
      const frame: Frame = await findWebviewFrame(page, '[data-testid="r1-chat-root"]', 60_000);
      const input = frame.locator('[data-testid="chat-input"] textarea');
      await input.fill('Say hello');
      await frame.locator('[data-testid="send"]').click();
      const turn = frame.locator('[data-testid="turn"]').last();
      await turn.locator('.turn-status.status-done').waitFor({ state: 'attached', timeout: 90_000 });

      assert.match((await turn.locator('[data-testid="reasoning-summary"]').textContent()) ?? '', /Thought for/);
      assert.match((await turn.locator('.reasoning-text').textContent()) ?? '', /a short, friendly reply is enough/);
      const answer = (await turn.locator('[data-testid="answer"]').textContent()) ?? '';
      assert.match(answer, /Hello from the team server\./);
      assert.ok(!answer.includes('friendly reply'), 'the reasoning stays out of the answer');
      assert.ok(!answer.includes('</think>'), 'the marker is not shown');

      const origin = turn.locator('[data-testid="turn-origin"]');
      assert.equal(await origin.isVisible(), true, 'the turn says who answered');
      assert.equal(((await origin.textContent()) ?? '').trim(), `Answered by openai-compatible · 127.0.0.1:${port} · ${modelId}`);

      const status = r1StatusItem(page);
      await page.waitForFunction(
        ({ model }) => [...document.querySelectorAll('.statusbar-item')].some((e) => /\bR1\b/.test(e.textContent ?? '') && (e.textContent ?? '').includes(model)),
        { model: modelId },
        { timeout: 15_000 },
      );
      const statusText = ((await status.textContent()) ?? '').trim();
      assert.ok(statusText.includes(`127.0.0.1 · ${modelId}`), `status bar: ${statusText}`);

      assert.match(served.output(), /POST \/v1\/chat\/completions 200/, 'the server answered the chat');
      await workbench.screenshot('remote-chat-answer');
    });
  });

  test('the page and its webviews made no request to any other host', () => {
    assert.ok(workbench.networkRequests.length > 0, 'requests were recorded');
    assert.deepEqual(nonLocalHosts(workbench.networkRequests), []);
  });
});
