// Commands of the extension's spine: the status bar menu, the log, restarting the engine and
// toggling completions; plus telling the user, once per distinct problem, when the engine fails.
import * as vscode from 'vscode';
import type { BackendState } from './core/generationBackend';
import type { ExtensionServices } from './services';
import { refuseIfUntrusted } from './trust';

interface MenuItem extends vscode.QuickPickItem {
  command: string;
}

function menuItems(s: ExtensionServices): MenuItem[] {
  const completions = s.settings.get('completions.enabled');
  const state = s.engine.state.kind;
  const items: MenuItem[] = [
    { label: '$(comment-discussion) Open Chat', command: 'r1Local.openChat' },
    { label: completions ? '$(circle-slash) Disable Inline Completions' : '$(check) Enable Inline Completions', command: 'r1Local.toggleCompletions' },
    { label: '$(folder-opened) Select Model Folder…', command: 'r1Local.selectModelFolder' },
    { label: '$(cloud-download) Download Model…', command: 'r1Local.downloadModel' },
    { label: '$(output) Show Log', command: 'r1Local.showLog' },
  ];
  if (state === 'unavailable' || state === 'error') items.splice(4, 0, { label: '$(debug-restart) Restart Engine', command: 'r1Local.retryEngine' });
  if (s.settings.get('backend') !== 'local') items.splice(2, 0, { label: '$(key) Set Server API Key…', command: 'r1Local.setServerApiKey' });
  return items;
}

async function retryEngine(s: ExtensionServices): Promise<void> {
  if (refuseIfUntrusted('Restarting the engine')) return;
  try {
    const info = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'R1 Local: starting the engine' },
      () => s.engine.retry(),
    );
    s.log.info(`engine restarted by the user; model ready on ${info.executionProvider}`);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    s.log.error(`restart failed: ${message}`);
    void vscode.window.showErrorMessage(`R1 Local: ${message}`, 'Show Log').then((c) => c && s.log.show());
  }
}

/** Shows each distinct engine failure once, with the action that can fix it. */
function reportFailures(s: ExtensionServices): vscode.Disposable {
  const shown = new Set<string>();
  return s.engine.onDidChangeState((state: BackendState) => {
    if (state.kind !== 'unavailable' && state.kind !== 'error') return;
    if (shown.has(state.reason)) return;
    shown.add(state.reason);
    const text = state.kind === 'unavailable' ? `R1 Local stopped restarting its engine: ${state.reason}` : `R1 Local: ${state.reason}`;
    const actions = state.kind === 'unavailable' ? ['Retry', 'Show Log'] : ['Show Log'];
    void vscode.window.showErrorMessage(text, ...actions).then((choice) => {
      if (choice === 'Retry') void retryEngine(s);
      else if (choice === 'Show Log') s.log.show();
    });
  });
}

export function registerCoreCommands(s: ExtensionServices): void {
  s.context.subscriptions.push(
    vscode.commands.registerCommand('r1Local.showLog', () => s.log.show()),
    vscode.commands.registerCommand('r1Local.retryEngine', () => retryEngine(s)),
    vscode.commands.registerCommand('r1Local.toggleCompletions', async () => {
      await s.settings.update('completions.enabled', !s.settings.get('completions.enabled'));
    }),
    vscode.commands.registerCommand('r1Local.showMenu', async () => {
      const pick = await vscode.window.showQuickPick(menuItems(s), { title: 'R1 Local', placeHolder: 'Choose an action' });
      if (pick) await vscode.commands.executeCommand(pick.command);
    }),
    reportFailures(s),
  );
}
