// The first run, as a new user meets it: the packaged .vsix in a fresh code-server with no model
// configured and the hub setting pointing at a fake Hugging Face hub on 127.0.0.1 that serves the
// generated scripted model under the catalogue's default repository. The user sees "no model" in the
// status bar, opens the chat, clicks Download in its empty state, picks the default in the quick
// pick, watches the progress notification, and once the model is in place asks a question and gets
// the reasoning and the answer; then types in a file and gets ghost text. Afterwards the chat view is
// looked at in the light and high-contrast themes. Screenshots go to test-output/first-run-*.png.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Frame, type Page } from 'playwright-core';
import { DEFAULT_REPO, DEFAULT_VARIANT } from '../../engine/download/catalogue.ts';
import {
  e2eUnavailableReason,
  findWebviewFrame,
  nonLocalHosts,
  openWorkbench,
  r1StatusItem,
  runCommand,
  waitForGhostText,
  withScreenshotOnFailure,
  type Workbench,
} from '../helpers/codeServer.ts';
import { createE2eWorkspace, type E2eWorkspace } from '../helpers/e2eWorkspace.ts';
import { HubServer, folderAsHubFiles } from '../helpers/hubServer.ts';
import { packagedLinuxVsix } from '../helpers/testVsix.ts';

const script = [
  'The user asks what two plus two is. Adding two and two gives four.',
  '</think>',
  '',
  'Two plus two is **4**.',
  '',
  '```ts',
  'const sum = 2 + 2;',
  '```',
].join('\n');

/** The generated folder's files as the hub publishes them: its graph under the default variant's name. */
function hubFilesOf(modelDir: string): Record<string, Buffer> {
  const files = folderAsHubFiles(modelDir);
  const graph = files['onnx/model.onnx'];
  assert.ok(graph, 'the scripted model has onnx/model.onnx');
  delete files['onnx/model.onnx'];
  files[`onnx/model_${DEFAULT_VARIANT}.onnx`] = graph;
  return files;
}

let workspace: E2eWorkspace;
let hub: HubServer;
let workbench: Workbench;
let chatFrame: Frame | undefined;

async function statusText(page: Page): Promise<string> {
  return ((await r1StatusItem(page).textContent()) ?? '').trim();
}

/** Polls the status bar until `predicate` holds for its text; returns that text. */
async function waitForStatus(page: Page, predicate: (text: string) => boolean, what: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await statusText(page).catch(() => '');
    if (predicate(text)) return text;
    await page.waitForTimeout(250);
  }
  throw new Error(`the status bar did not show ${what} within ${timeoutMs} ms (last: "${text}")`);
}

async function openChatFrame(page: Page): Promise<Frame> {
  if (chatFrame && !chatFrame.isDetached()) return chatFrame;
  await runCommand(page, 'R1 Local: Open Chat');
  chatFrame = await findWebviewFrame(page, '[data-testid="r1-chat-root"]', 60_000);
  return chatFrame;
}

/**
 * Switches the color theme the way a user does (Ctrl+K Ctrl+T, the theme picker) and waits until the
 * chat webview has restyled itself (VS Code puts the theme kind on the webview's body). The picker
 * shows newer names than the theme ids ("Light Modern" for "Default Light Modern"), so a row is
 * chosen by `label`, an exact pattern.
 */
async function setColorTheme(page: Page, frame: Frame, filter: string, label: RegExp, webviewBodyClass: string): Promise<void> {
  await page.locator('.monaco-workbench').click({ position: { x: 700, y: 450 } });
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+T');
  await page.locator('.quick-input-widget input').fill(filter);
  await page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: label }) }).first().click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  await frame
    .waitForFunction((cls) => document.body.classList.contains(cls), webviewBodyClass, { timeout: 30_000 })
    .catch(async (error: unknown) => {
      const classes = await frame.evaluate(() => document.body.className).catch(() => '(unreadable)');
      throw new Error(`the chat webview did not switch to ${String(label)} (body class: "${classes}")`, { cause: error });
    });
}

describe('first run: download the model from the chat view, then chat', { timeout: 300_000 }, () => {
  before(async () => {
    assert.equal(e2eUnavailableReason(), undefined);
    const vsix = packagedLinuxVsix();
    workspace = await createE2eWorkspace('first-run', {
      script,
      files: { 'notes.ts': 'export function area(width: number, height: number): number {\n  return width * height;\n}\n\n' },
    });
    // About 20 KB/s: the ~70 KB model takes a few seconds, long enough to see the notification.
    hub = await new HubServer({ bytesPerSecond: 20_000 }).start();
    hub.addRepo(DEFAULT_REPO, hubFilesOf(workspace.modelPath));
    workbench = await openWorkbench({
      name: 'first-run',
      vsix,
      folder: workspace.folder,
      settings: {
        'r1Local.hub.endpoint': hub.hubUrl,
        'editor.inlineSuggest.enabled': true,
        // Named: with no theme set, this workbench follows the browser's (light) color scheme.
        'workbench.colorTheme': 'Default Dark Modern',
      },
    });
  });

  after(async () => {
    await workbench?.close();
    await hub?.stop();
    workspace?.dispose();
  });

  test('the status bar says that no model is installed', async () => {
    const { page } = workbench;
    await withScreenshotOnFailure(workbench, 'first-run-no-model', async () => {
      const text = await waitForStatus(page, (t) => /no model/i.test(t), '"no model"', 60_000);
      assert.match(text, /R1 no model/);
    });
  });

  test('the chat view explains and offers Download; Download shows progress and installs the model', async () => {
    const { page } = workbench;
    await withScreenshotOnFailure(workbench, 'first-run-download', async () => {
      const frame = await openChatFrame(page);
      const empty = frame.locator('[data-testid="empty-state"]');
      await empty.waitFor({ state: 'visible', timeout: 30_000 });
      assert.match((await empty.textContent()) ?? '', /No model installed/);
      assert.ok(await frame.locator('[data-testid="select-model-folder"]').isVisible(), 'Select model folder is offered too');
      await workbench.screenshot('first-run-empty-state');

      await frame.locator('[data-testid="download-model"]').click();
      // The quick pick lists the model the settings name first: the user takes the default.
      const firstRow = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first();
      await firstRow.waitFor({ timeout: 30_000 });
      assert.match((await firstRow.textContent()) ?? '', new RegExp(`${DEFAULT_REPO.replace(/[.]/g, '\\.')}.*${DEFAULT_VARIANT}`));
      await page.locator('.quick-input-widget input').press('Enter');

      const notification = page.locator('.notification-toast', { hasText: /downloading/i }).first();
      await notification.waitFor({ timeout: 30_000 });
      assert.ok(await notification.locator('.monaco-progress-container').count() > 0, 'the notification has a progress bar');
      // Past the first files, so the notification has finished sliding in and shows bytes.
      await waitForStatus(page, (t) => Number(/R1 (\d+)%/.exec(t)?.[1] ?? 0) >= 20, 'a download percentage of 20 or more', 30_000);
      assert.match((await notification.textContent()) ?? '', /kB \/ [\d.]+ kB/);
      // Meanwhile the chat says where the progress is instead of offering a second download.
      await frame.locator('[data-testid="empty-state"][data-state="downloading"]').waitFor({ timeout: 10_000 });
      assert.equal(await frame.locator('[data-testid="download-model"]').isVisible(), false);
      await workbench.screenshot('first-run-download-progress');

      await page.locator('.notification-toast', { hasText: /is ready/ }).first().waitFor({ timeout: 90_000 });
      const after = await waitForStatus(page, (t) => /\bR1\b/.test(t) && !/no model|%/.test(t), 'a model installed', 30_000);
      assert.match(after, /R1 idle/, 'installed, loads on first use');
      await empty.waitFor({ state: 'hidden', timeout: 30_000 });
      await workbench.screenshot('first-run-downloaded');
      assert.ok(hub.contentRequestCount(`onnx/model_${DEFAULT_VARIANT}.onnx`) >= 1, 'the graph came from the fake hub');
    });
  });

  test('a question in the chat gets the reasoning and the answer', async () => {
    const { page } = workbench;
    await withScreenshotOnFailure(workbench, 'first-run-chat', async () => {
      const frame = await openChatFrame(page);
      const input = frame.locator('[data-testid="chat-input"] textarea');
      await input.click();
      await page.keyboard.type('What is two plus two?', { delay: 20 });
      await frame.locator('[data-testid="send"]').click();
      const turn = frame.locator('[data-testid="turn"]').last();
      await turn.locator('.turn-status.status-done').waitFor({ state: 'attached', timeout: 120_000 });
      assert.match((await turn.locator('[data-testid="reasoning-summary"]').textContent()) ?? '', /Thought for/);
      assert.match((await turn.locator('[data-testid="answer"]').textContent()) ?? '', /Two plus two is 4\./);
      await waitForStatus(page, (t) => /R1 cpu/.test(t), 'the loaded model', 30_000);
      await workbench.screenshot('first-run-chat-answer');
    });
  });

  test('typing in a file shows ghost text', async () => {
    const { page } = workbench;
    await withScreenshotOnFailure(workbench, 'first-run-ghost-text', async () => {
      await page.keyboard.press('Control+P');
      const quickOpen = page.locator('.quick-input-widget input');
      await quickOpen.fill('notes.ts');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'notes.ts' }).first().waitFor();
      await quickOpen.press('Enter');
      await page.locator('.tab[data-resource-name="notes.ts"]').waitFor();
      await page.locator('.monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('export const answer = ', { delay: 50 });
      assert.ok((await waitForGhostText(page)).trim().length > 0, 'the ghost text is not blank');
      await workbench.screenshot('first-run-ghost-text');
    });
  });

  test('the chat view in the light and high-contrast themes', async () => {
    const { page } = workbench;
    await withScreenshotOnFailure(workbench, 'first-run-themes', async () => {
      const frame = await openChatFrame(page);
      await setColorTheme(page, frame, 'Light Modern', /^(Default )?Light Modern$/, 'vscode-light');
      await workbench.screenshot('first-run-chat-light');
      await setColorTheme(page, frame, 'High Contrast', /^(Default High Contrast|Dark High Contrast)$/, 'vscode-high-contrast');
      await workbench.screenshot('first-run-chat-high-contrast');
    });
  });

  test('no request from the page went to another host', () => {
    assert.ok(workbench.networkRequests.length > 0, 'requests were recorded');
    assert.deepEqual(nonLocalHosts(workbench.networkRequests), []);
  });
});
