// Wires the remote backend into the editor: "R1 Local: Set Server API Key…", the failure notices and
// their buttons (set the key, choose one of the server's models, open the endpoint setting, retry
// the chat turn, ask again about plain http). The backend itself is made in services.ts.
import * as vscode from 'vscode';
import type { ChatController } from '../core/chat/chatController';
import { setServerApiKey } from '../core/remote/apiKey';
import { parseEndpoint } from '../core/remote/endpoint';
import type { RemoteBackend } from '../core/remote/remoteBackend';
import type { ExtensionServices } from '../services';
import { FailureReporter } from './failureReporter';

export const SET_API_KEY_COMMAND = 'r1Local.setServerApiKey';

export function registerRemote(services: ExtensionServices, chat: ChatController): void {
  const { context, settings, log, backend } = services;
  const setKey = (): Promise<unknown> =>
    setServerApiKey({
      endpoint: settings.get('remote.endpoint'),
      secrets: context.secrets,
      ask: (prompt, hasKey) =>
        vscode.window.showInputBox({
          title: 'R1 Local: Server API Key',
          prompt,
          password: true,
          ignoreFocusOut: true,
          placeHolder: hasKey ? 'A key is stored; type a new one, or leave empty to remove it' : 'Paste the API key',
        }),
      notify: (message) => void vscode.window.showInformationMessage(message),
      log,
    });

  const reporter = new FailureReporter(
    {
      setApiKey: () => vscode.commands.executeCommand(SET_API_KEY_COMMAND),
      pickModel: (remote, offered) => pickModel(remote, offered, services),
      openSettings: () => vscode.commands.executeCommand('workbench.action.openSettings', 'r1Local.remote.endpoint'),
      retry: () => {
        const started = chat.retryLast();
        if (started === 'busy') void vscode.window.showInformationMessage('R1 Local: a reply is still being generated.');
      },
      askAgain: async () => {
        const parsed = parseEndpoint(settings.get('remote.endpoint'));
        if (parsed.ok) await services.insecureConsent.forget(parsed.facts.origin);
        backend.reconfigure();
        chat.retryLast();
      },
      showLog: () => log.show(),
    },
    log,
  );

  context.subscriptions.push(
    vscode.commands.registerCommand(SET_API_KEY_COMMAND, setKey),
    // The listener goes with the remote backend: its dispose clears its listeners.
    backend.onDidCreateRemote((remote) => void remote.onDidFail((event) => reporter.report(remote, event))),
  );
}

/** A QuickPick of the server's models; the choice becomes r1Local.remote.chatModel. */
async function pickModel(remote: RemoteBackend, offered: string[] | undefined, services: ExtensionServices): Promise<void> {
  const models = offered?.length
    ? offered
    : await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'R1 Local: asking the server for its models' }, () => remote.listModels());
  if (models.length === 0) {
    void vscode.window.showWarningMessage('R1 Local: the server lists no models. Load one on the server first.');
    return;
  }
  const current = services.settings.get('remote.chatModel');
  const pick = await vscode.window.showQuickPick(
    models.map((id) => ({ label: id, description: id === current ? 'current setting' : undefined })),
    { title: 'R1 Local: model for chat and explanations', placeHolder: 'Models the server offers (/v1/models)' },
  );
  if (pick) await services.settings.update('remote.chatModel', pick.label);
}
