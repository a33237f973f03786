// Launcher B for the mocha integration suite: runs it inside code-server's extension host, the way
// @vscode/test-web does in a browser. A built workbench only honours the extensionDevelopmentPath /
// extensionTestsPath payload when its configuration enables the smoke-test driver, and code-server's
// CLI has no flag for that, so an init script adds the option where the workbench reads it. The
// suite's verdict arrives through window.codeAutomationExit(code).
import { type ConsoleMessage } from 'playwright-core';
import { freePort, type CodeServerOptions } from '../../scripts/e2e/codeServer.ts';
import { openWorkbench } from './codeServer.ts';

export interface IntegrationRun {
  /** 0 when every mocha test passed. */
  exitCode: number;
  /** The extension host's console (mocha's reporter included), re-formatted. */
  output: string[];
  /** Screenshot of the workbench when the run ended. */
  screenshot: string;
  logFile: string;
}

export interface IntegrationRunOptions extends CodeServerOptions {
  /** Absolute path of the extension under development (the folder with its package.json). */
  extensionPath: string;
  /** Absolute path of the bundled test runner module exporting `run()`. */
  testsPath: string;
  /** Absolute folder opened as the workspace. */
  folder: string;
  timeoutMs?: number;
}

const enableSmokeTestDriver = `(() => {
  const original = Element.prototype.getAttribute;
  Element.prototype.getAttribute = function (name) {
    const value = original.call(this, name);
    if (name !== 'data-settings' || this.id !== 'vscode-workbench-web-configuration' || !value) return value;
    const config = JSON.parse(value);
    config.developmentOptions = { ...(config.developmentOptions || {}), enableSmokeTestDriver: true };
    return JSON.stringify(config);
  };
})();`;

/**
 * The extension host's log lines arrive as printf-style messages ("%c INFO", css, "%d passing (%s)", 4, "9ms"):
 * each string argument formats the arguments after it.
 */
async function formatConsole(message: ConsoleMessage): Promise<string> {
  const values = await Promise.all(message.args().map((arg) => arg.jsonValue().catch(() => '[unserialisable]')));
  if (values.length === 0) return message.text();
  const parts: string[] = [];
  while (values.length > 0) {
    const head = values.shift();
    if (typeof head !== 'string') {
      parts.push(JSON.stringify(head));
      continue;
    }
    parts.push(
      head.replace(/%[csdifoO%]/g, (spec) => {
        if (spec === '%%') return '%';
        const value = values.shift();
        if (spec === '%c') return '';
        return typeof value === 'string' ? value : JSON.stringify(value);
      }),
    );
  }
  // Mocha colours its marks even when asked not to; the log is plain text.
  return parts.join(' ').replace(/\u001b\[[0-9;]*m/g, '').trim();
}

export async function runIntegrationSuite(options: IntegrationRunOptions): Promise<IntegrationRun> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  let settle: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (settle = resolve));
  const output: string[] = [];
  const port = options.port ?? (await freePort());
  const remote = (path: string) => `vscode-remote://127.0.0.1:${port}${path}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', remote(options.extensionPath)],
    ['extensionTestsPath', remote(options.testsPath)],
  ]);
  const workbench = await openWorkbench({
    ...options,
    port,
    query: { payload },
    initScript: enableSmokeTestDriver,
    prepare: async (page) => {
      await page.exposeFunction('codeAutomationExit', (code: number) => settle(code));
      page.on('console', (message) => {
        formatConsole(message).then((line) => output.push(line), () => output.push(message.text()));
      });
    },
  });
  try {
    const timer = new Promise<number>((resolve) => setTimeout(() => resolve(-1), timeoutMs).unref());
    const exitCode = await Promise.race([exited, timer]);
    if (exitCode === -1) output.push(`integration suite did not finish within ${timeoutMs / 1000} s`);
    const screenshot = await workbench.screenshot(`integration-${options.name}`);
    return { exitCode, output, screenshot, logFile: workbench.server.logFile };
  } finally {
    await workbench.close();
  }
}
