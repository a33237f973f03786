// One engine for every window: the packaged extension in one code-server, opened in two browser
// windows on two folders (each window has its own extension host, as two VS Code windows do). Both
// get completions, one chats while the other completes, and the machine runs one engine process
// holding one model, which `r1-local status --json` reports as shared by two windows. The run's own
// XDG_RUNTIME_DIR (scripts/e2e/codeServer.ts) keeps this engine private to the test.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Frame, type Page } from 'playwright-core';
import {
  e2eUnavailableReason,
  findWebviewFrame,
  nonLocalHosts,
  openFile,
  openWorkbench,
  r1StatusItem,
  runCommand,
  waitForExtensionActive,
  waitForGhostText,
  withScreenshotOnFailure,
  type Workbench,
} from '../helpers/codeServer.ts';
import { createE2eWorkspace, type E2eWorkspace } from '../helpers/e2eWorkspace.ts';
import { packagedLinuxVsix } from '../helpers/testVsix.ts';
import { testOutputDir } from '../../scripts/e2e/layout.ts';

const reasoning = Array.from({ length: 60 }, (_, i) => `Step ${i + 1}: I look at the next line of the file.`).join(' ');
const script = [reasoning, '</think>', '', 'Both windows share one engine.'].join('\n');

let workspace: E2eWorkspace;
let workbench: Workbench;
let pageB: Page;
let folderB: string;
let chatFrame: Frame;

async function typeAtEnd(page: Page, text: string): Promise<void> {
  await page.bringToFront();
  await page.locator('.monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(text, { delay: 50 });
}

/** `r1-local status --json` against this run's engine folder. */
function engineStatus(): { running: boolean; pid?: number; clients?: number; models?: Array<{ path: string; clients: number }> } {
  const env = { ...process.env, XDG_RUNTIME_DIR: join(workbench.server.runDir, 'runtime') };
  return JSON.parse(execFileSync(process.execPath, ['dist/cli.js', 'status', '--json'], { env, encoding: 'utf8', timeout: 15_000 })) as ReturnType<typeof engineStatus>;
}

/** Command lines of this run's processes that run `script` from the installed extension. */
function processesRunning(script: string): string[] {
  const lines = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n');
  return lines.filter((line) => line.includes(workbench.server.extensionsDir) && line.includes(script));
}

describe('one engine shared by two windows', { timeout: 420_000 }, () => {
  before(async () => {
    assert.equal(e2eUnavailableReason(), undefined);
    const vsix = packagedLinuxVsix();
    const files = { 'a.ts': 'export function add(a: number, b: number): number {\n  return a + b;\n}\n\n' };
    workspace = await createE2eWorkspace('shared-engine', { script, files });
    folderB = join(dirname(workspace.folder), 'workspace-b');
    mkdirSync(folderB, { recursive: true });
    writeFileSync(join(folderB, 'b.ts'), 'export function twice(x: number): number {\n  return 2 * x;\n}\n\n');
    workbench = await openWorkbench({
      name: 'shared-engine',
      vsix,
      folder: workspace.folder,
      settings: { 'r1Local.modelPath': workspace.modelPath, 'editor.inlineSuggest.enabled': true },
    });
  });

  after(async () => {
    await workbench?.close();
    workspace?.dispose();
  });

  test('each window gets a completion', async () => {
    await withScreenshotOnFailure(workbench, 'shared-engine-completions', async () => {
      const pageA = workbench.page;
      await waitForExtensionActive(pageA);
      // The chat view is opened while window A is the only one (its webview then loads like in any test).
      await runCommand(pageA, 'R1 Local: Open Chat');
      chatFrame = await findWebviewFrame(pageA, '[data-testid="r1-chat-root"]', 60_000);
      await openFile(pageA, 'a.ts');
      await typeAtEnd(pageA, 'const total = ');
      assert.ok((await waitForGhostText(pageA, 90_000)).trim().length > 0, 'window A shows ghost text');
      // A second browser window on another folder: code-server gives it an extension host of its own.
      pageB = await workbench.context.newPage();
      await pageB.goto(`${workbench.server.url}/?${new URLSearchParams({ folder: folderB }).toString()}`);
      await pageB.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await waitForExtensionActive(pageB);
      await openFile(pageB, 'b.ts');
      await typeAtEnd(pageB, 'const doubled = ');
      assert.ok((await waitForGhostText(pageB, 90_000)).trim().length > 0, 'window B shows ghost text');
    });
  });

  test('window A chats while window B completes; both are answered', async () => {
    await withScreenshotOnFailure(workbench, 'shared-engine-chat', async () => {
      const pageA = workbench.page;
      await pageA.bringToFront();
      const frame = chatFrame;
      await frame.locator('[data-testid="chat-input"] textarea').fill('What do the two windows share?');
      await frame.locator('[data-testid="send"]').click();
      // Window B types while A's chat is under way: its completion must not cancel A's chat, nor wait for it to end.
      await typeAtEnd(pageB, '\nconst tripled = ');
      assert.ok((await waitForGhostText(pageB, 90_000)).trim().length > 0, 'window B shows ghost text during the chat');
      const turn = frame.locator('[data-testid="turn"]').last();
      await turn.locator('.turn-status.status-done').waitFor({ state: 'attached', timeout: 120_000 });
      assert.match((await turn.locator('[data-testid="answer"]').textContent()) ?? '', /Both windows share one engine\./);
      await pageA.bringToFront();
      await workbench.screenshot('shared-engine-window-a');
      await pageB.bringToFront();
      mkdirSync(testOutputDir, { recursive: true });
      await pageB.screenshot({ path: join(testOutputDir, 'shared-engine-window-b.png') });
    });
  });

  test('one engine process holds one model for both windows, and the status bar says so', async () => {
    const status = engineStatus();
    assert.equal(status.running, true);
    assert.equal(status.clients, 2, JSON.stringify(status));
    assert.equal(status.models?.length, 1, JSON.stringify(status));
    assert.equal(status.models?.[0]?.path, workspace.modelPath);
    assert.equal(status.models?.[0]?.clients, 2);
    assert.equal(processesRunning('engineDaemon.js').length, 1, 'one shared engine process');
    assert.deepEqual(processesRunning('engineHost.js'), [], 'no window forked an engine of its own');
    // The tooltip's window count arrives with the next memory measurement: hover until it shows.
    const pageA = workbench.page;
    await pageA.bringToFront();
    const sharedLine = pageA.getByText(/shared with 2 windows/).first();
    const deadline = Date.now() + 90_000;
    let shown = false;
    while (!shown && Date.now() < deadline) {
      // The count is measured after a request: a keystroke asks for a completion.
      await typeAtEnd(pageA, ' ');
      await pageA.mouse.move(700, 400);
      await r1StatusItem(pageA).hover();
      shown = await sharedLine.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false);
    }
    const tooltip = shown ? ((await sharedLine.textContent()) ?? '') : '';
    await workbench.screenshot('shared-engine-tooltip');
    assert.match(tooltip, /shared with 2 windows/);
  });

  test('neither window made a request to any other host', () => {
    assert.deepEqual(nonLocalHosts(workbench.networkRequests), []);
  });
});
