// The packaged extension as a user meets it: installed from the linux-x64 .vsix into a fresh
// code-server, the scripted model configured in the user settings, driven through Chromium.
// One server for the whole file (each costs ~10-20 s); the tests run in order and share it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Frame, type Page } from 'playwright-core';
import {
  e2eUnavailableReason,
  findWebviewFrame,
  nonLocalHosts,
  openFile,
  openWorkbench,
  runCommand,
  visibleEditorText,
  waitForExtensionActive,
  waitForGhostText,
  withScreenshotOnFailure,
  type Workbench,
} from '../helpers/codeServer.ts';
import { createE2eWorkspace, type E2eWorkspace } from '../helpers/e2eWorkspace.ts';
import { packagedLinuxVsix } from '../helpers/testVsix.ts';

// Reasoning long enough to press Stop while it streams (the scripted model decodes ~2,000 tok/s;
// this is about a second and stays well inside its 4,096-token context), then an answer that
// carries HTML/JS payloads: the chat must show them as text and run none of them.
const reasoning = Array.from({ length: 90 }, (_, i) => `Step ${i + 1}: I check the next part of the question carefully.`).join(' ');
const script = [
  reasoning,
  '</think>',
  '',
  'Hello from the local model.',
  '',
  'Payloads: <img src="x" onerror="window.__r1Xss = 1"> <script>window.__r1Xss = 2</script> [a link](javascript:window.__r1Xss=3)',
  '',
  '```ts',
  'const safe = "<b>not bold</b>";',
  '```',
].join('\n');

let workspace: E2eWorkspace;
let workbench: Workbench;
let chatFrame: Frame | undefined;

async function openChatFrame(page: Page): Promise<Frame> {
  if (chatFrame && !chatFrame.isDetached()) return chatFrame;
  await runCommand(page, 'R1 Local: Open Chat');
  chatFrame = await findWebviewFrame(page, '[data-testid="r1-chat-root"]', 60_000);
  return chatFrame;
}

async function sendChat(frame: Frame, text: string): Promise<void> {
  const input = frame.locator('[data-testid="chat-input"] textarea');
  await input.fill(text);
  await frame.locator('[data-testid="send"]').click();
}

function lastTurn(frame: Frame) {
  return frame.locator('[data-testid="turn"]').last();
}

describe('the packaged extension in code-server + Chromium', { timeout: 420_000 }, () => {
  before(async () => {
    assert.equal(e2eUnavailableReason(), undefined);
    const vsix = packagedLinuxVsix();
    workspace = await createE2eWorkspace('workbench', {
      script,
      files: { 'sample.ts': 'export function add(a: number, b: number): number {\n  return a + b;\n}\n\nexport function twice(x: number): number {\n' },
    });
    workbench = await openWorkbench({
      name: 'workbench',
      vsix,
      folder: workspace.folder,
      settings: {
        'r1Local.modelPath': workspace.modelPath,
        'r1Local.chat.reasoningBudget': 8192,
        'editor.inlineSuggest.enabled': true,
      },
    });
  });

  after(async () => {
    await workbench?.close();
    workspace?.dispose();
  });

  test('ghost text appears while typing and Tab accepts it', async () => {
    const { page } = workbench;
    await withScreenshotOnFailure(workbench, 'ghost-text', async () => {
      await waitForExtensionActive(page);
      await openFile(page, 'sample.ts');
      await page.keyboard.press('Control+End');
      await page.keyboard.type('  const doubled = ', { delay: 50 });
      const suggested = await waitForGhostText(page);
      assert.ok(suggested.trim().length > 0, 'the ghost text is not blank');
      await workbench.screenshot('ghost-text');
      await page.keyboard.press('Tab');
      await page.waitForFunction(() => document.querySelectorAll('.ghost-text-decoration').length === 0, undefined, { timeout: 10_000 });
      const text = await visibleEditorText(page);
      assert.ok(text.includes(`const doubled = ${suggested.trim().split('\n')[0]!.trim()}`.trim()), `accepted text in the editor:\n${text}`);
    });
  });

  test('the chat view shows the reasoning and the answer, and model output renders inert', async () => {
    const { page } = workbench;
    await withScreenshotOnFailure(workbench, 'chat-answer', async () => {
      const frame = await openChatFrame(page);
      await sendChat(frame, 'Say hello');
      const turn = lastTurn(frame);
      await turn.locator('.turn-status.status-done').waitFor({ state: 'attached', timeout: 90_000 });
      await turn.locator('[data-testid="reasoning-summary"]').waitFor();
      assert.match((await turn.locator('[data-testid="reasoning-summary"]').textContent()) ?? '', /Thought for/);
      assert.match((await turn.locator('.reasoning-text').textContent()) ?? '', /Step 1: I check/);
      const answer = turn.locator('[data-testid="answer"]');
      assert.match((await answer.textContent()) ?? '', /Hello from the local model\./);
      assert.ok(!((await answer.textContent()) ?? '').includes('Step 1:'), 'the reasoning stays out of the answer');
      // The payloads are text: no script ran, no element with handlers or javascript: links exists.
      assert.equal(await answer.locator('script, img[onerror], [onerror], iframe, object, embed').count(), 0);
      assert.equal(await answer.locator('a[href^="javascript:"]').count(), 0);
      assert.equal(await answer.locator('b', { hasText: 'not bold' }).count(), 0, 'HTML inside code stays literal');
      assert.equal(await frame.evaluate(() => (window as unknown as { __r1Xss?: number }).__r1Xss), undefined);
      assert.equal(await page.evaluate(() => (window as unknown as { __r1Xss?: number }).__r1Xss), undefined);
      await workbench.screenshot('chat-answer');
    });
  });

  test('Stop ends a streaming reply', async () => {
    const { page } = workbench;
    await withScreenshotOnFailure(workbench, 'chat-stop', async () => {
      const frame = await openChatFrame(page);
      const turns = await frame.locator('[data-testid="turn"]').count();
      await sendChat(frame, 'Say hello again');
      await frame.locator('[data-testid="turn"]').nth(turns).waitFor();
      const stop = frame.locator('[data-testid="stop"]');
      await stop.click({ timeout: 10_000 });
      const turn = lastTurn(frame);
      await turn.locator('.turn-status.status-stopped').waitFor({ state: 'attached', timeout: 15_000 });
      assert.equal((await turn.locator('.turn-status').textContent())?.trim(), 'Stopped.');
      assert.equal(await turn.locator('.turn-status.status-done').count(), 0);
      await frame.locator('[data-testid="send"]').waitFor({ state: 'visible' });
      // Nothing more arrives for the stopped turn.
      const shown = await turn.textContent();
      await page.waitForTimeout(1_500);
      assert.equal(await turn.textContent(), shown);
    });
  });

  test('Explain Selection from the editor context menu adds an explain turn', async () => {
    const { page } = workbench;
    await withScreenshotOnFailure(workbench, 'explain-context-menu', async () => {
      const frame = await openChatFrame(page);
      const turns = await frame.locator('[data-testid="turn"]').count();
      await page.locator('.monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+A');
      await page.locator('.monaco-editor .view-lines').first().click({ button: 'right' });
      const item = page.locator('.monaco-menu .action-item', { hasText: 'Explain Selection' }).first();
      await item.click();
      // A busy machine can deliver the click while the menu still ignores input after opening (seen
      // once: item highlighted, menu left open); then click again.
      await item.waitFor({ state: 'hidden', timeout: 3_000 }).catch(() => item.click());
      const turn = frame.locator('[data-testid="turn"]').nth(turns);
      await turn.waitFor({ timeout: 30_000 });
      assert.match((await turn.locator('[data-testid="user-message"]').textContent()) ?? '', /function add/);
      await turn.locator('.turn-status.status-done').waitFor({ state: 'attached', timeout: 90_000 });
      assert.match((await turn.locator('[data-testid="answer"]').textContent()) ?? '', /Hello from the local model\./);
      await workbench.screenshot('explain-context-menu');
    });
  });

  test('the page and its webviews made no request to any other host', () => {
    assert.ok(workbench.networkRequests.length > 0, 'requests were recorded');
    assert.deepEqual(nonLocalHosts(workbench.networkRequests), []);
  });
});
