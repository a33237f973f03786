// Browser end-to-end harness: a fresh code-server (see scripts/e2e/codeServer.ts) plus Debian's
// Chromium driven by playwright-core. Records every request the page makes, saves screenshots under
// test-output/, and turns a failure into an error that names the screenshot.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Frame, type Locator, type Page } from 'playwright-core';
import { startCodeServer, type CodeServer, type CodeServerOptions } from '../../scripts/e2e/codeServer.ts';
import { chromiumPath, testOutputDir } from '../../scripts/e2e/layout.ts';
import { isE2eSetupComplete } from '../../scripts/e2e/setup.ts';

export interface Workbench {
  server: CodeServer;
  context: BrowserContext;
  page: Page;
  /** Every URL the page and its frames (webviews included) requested, in order. */
  requests: string[];
  /**
   * URLs of requests that went to the network stack (finished or failed), leaving out those a
   * service worker answered: webview resources (`*.vscode-resource.vscode-cdn.net`) are served by
   * the webview's service worker from the workbench, not fetched from that host.
   */
  networkRequests: string[];
  /** Saves a PNG under test-output/ and returns its path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface WorkbenchOptions extends CodeServerOptions {
  /** Absolute folder to open. */
  folder: string;
  /** Extra query parameters for the workbench URL (e.g. the test runner payload). */
  query?: Record<string, string>;
  /** Runs in the page before any of its scripts. */
  initScript?: string;
  /** Called before the workbench is loaded (expose functions, attach listeners). */
  prepare?: (page: Page) => Promise<void>;
}

/** Chromium flags that keep the browser itself off the network (it would otherwise flood a closed one). */
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--disable-features=Translate,OptimizationHints,MediaRouter',
];

export function e2eUnavailableReason(): string | undefined {
  return isE2eSetupComplete() ? undefined : 'code-server/Chromium are not installed: run `npm run e2e:setup`';
}

export async function openWorkbench(options: WorkbenchOptions): Promise<Workbench> {
  const server = await startCodeServer(options);
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(join(server.runDir, 'chromium'), {
      executablePath: chromiumPath,
      headless: true,
      args: chromiumArgs,
      viewport: { width: 1400, height: 900 },
    });
    const requests: string[] = [];
    const networkRequests: string[] = [];
    context.on('request', (request) => requests.push(request.url()));
    context.on('requestfinished', (request) => {
      void request.response().then((response) => {
        if (!response?.fromServiceWorker()) networkRequests.push(request.url());
      });
    });
    context.on('requestfailed', (request) => networkRequests.push(request.url()));
    if (options.initScript) await context.addInitScript(options.initScript);
    const page = context.pages()[0] ?? (await context.newPage());
    await options.prepare?.(page);
    const query = new URLSearchParams({ folder: options.folder, ...options.query });
    await page.goto(`${server.url}/?${query.toString()}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const opened = context;
    return {
      server,
      context: opened,
      page,
      requests,
      networkRequests,
      screenshot: async (name) => {
        mkdirSync(testOutputDir, { recursive: true });
        const file = join(testOutputDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
        await page.screenshot({ path: file });
        return file;
      },
      close: async () => {
        await opened.close().catch(() => undefined);
        await server.stop();
        // The browser profile is large and of no use once closed; the server log stays.
        rmSync(join(server.runDir, 'chromium'), { recursive: true, force: true });
      },
    };
  } catch (error) {
    await context?.close().catch(() => undefined);
    await server.stop();
    throw error;
  }
}

/** The last lines of R1 Local's own log (its output channel) in this server's newest log folder. */
export function extensionLogTail(runDir: string, lines = 30): string {
  const logs = join(runDir, 'user-data', 'logs');
  if (!existsSync(logs)) return '(no log folder)';
  for (const session of readdirSync(logs).sort().reverse()) {
    for (const host of readdirSync(join(logs, session)).filter((n) => n.startsWith('exthost'))) {
      const file = join(logs, session, host, 'r1-local.r1-local', 'R1 Local.log');
      if (existsSync(file)) return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    }
  }
  return '(R1 Local wrote no log)';
}

/**
 * Runs a test step; on failure saves a screenshot and rethrows with its path, the server log's path
 * and the extension's last log lines (what the extension did is the first thing to read).
 */
export async function withScreenshotOnFailure<T>(workbench: Workbench, name: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const file = await workbench.screenshot(`${name}-failure`).catch((e: unknown) => `(screenshot failed: ${String(e)})`);
    const message = error instanceof Error ? error.message : String(error);
    const log = extensionLogTail(workbench.server.runDir);
    throw new Error(`${message}\nscreenshot: ${file}\ncode-server log: ${workbench.server.logFile}\nR1 Local log (last lines):\n${log}`, { cause: error });
  }
}

/** Hosts other than this machine that the page contacted (the answer must be empty: nothing leaves the machine). */
export function nonLocalHosts(requests: string[]): string[] {
  const hosts = new Set<string>();
  for (const url of requests) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      hosts.add(url);
      continue;
    }
    if (['data:', 'blob:', 'about:', 'vscode-file:', 'vscode-webview:', 'vscode-resource:'].includes(parsed.protocol)) continue;
    if (['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname)) continue;
    hosts.add(parsed.host);
  }
  return [...hosts];
}

/** R1 Local's status bar item; it exists once the extension has activated. */
export function r1StatusItem(page: Page): Locator {
  return page.locator('.statusbar-item', { hasText: /\bR1\b/ }).first();
}

/**
 * Waits until the extension has activated (its status bar item shows). Activation runs on
 * `onStartupFinished`, which on a busy machine can come after the first keystrokes: VS Code asks
 * only providers registered when the text changes, so typing earlier would ask nobody.
 */
export async function waitForExtensionActive(page: Page, timeoutMs = 90_000): Promise<void> {
  try {
    await r1StatusItem(page).waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    throw new Error(`R1 Local did not activate within ${timeoutMs / 1000} s (no status bar item)`);
  }
}

/** Runs a command from the command palette by its title. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await input.press('Enter');
}

/** The webview frame whose document contains `selector` (webviews live in an overlay, not in their view). */
export async function findWebviewFrame(page: Page, selector: string, timeoutMs = 30_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      if (frame.name() !== 'active-frame' && !frame.url().includes('fake.html')) continue;
      if ((await frame.locator(selector).count().catch(() => 0)) > 0) return frame;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no webview frame contains ${selector} within ${timeoutMs} ms`);
}

/** Opens a workspace file by name through Quick Open and puts the cursor in its editor. */
export async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
  await input.press('Enter');
  await page.locator(`.tab[data-resource-name="${name}"]`).waitFor();
  await page.locator('.monaco-editor .view-lines').first().click();
}

/** Editor text as the user sees it (the editor renders spaces as U+00A0). */
export async function visibleEditorText(page: Page): Promise<string> {
  const text = await page.locator('.monaco-editor .view-lines').first().innerText();
  return text.replace(/\u00a0/g, ' ');
}

/**
 * Waits for inline-completion ghost text after the user typed once, and returns it (spaces
 * normalised). No retyping: a first request made while the model loads must itself be answered.
 */
export async function waitForGhostText(page: Page, timeoutMs = 60_000): Promise<string> {
  const ghost = page.locator('.ghost-text-decoration, .ghost-text').first();
  try {
    await ghost.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    throw new Error(`no ghost text within ${timeoutMs / 1000} s of typing`);
  }
  return ((await ghost.textContent()) ?? '').replace(/\u00a0/g, ' ');
}
