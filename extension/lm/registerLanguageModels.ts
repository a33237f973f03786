// Registers R1 Local as a vscode.lm chat model vendor. The provider is registered even without a
// model: its list is then empty and refills when a model folder or a server is set, without a reload.
import * as vscode from 'vscode';
import { DEFAULT_GENERATION } from '../core/chat/promptBuilder';
import type { GenerationBackend } from '../core/generationBackend';
import type { ExtensionServices } from '../services';
import { LM_VENDOR, LocalChatModelProvider } from './localChatModelProvider';

/** Settings that change what the list shows. */
const LIST_SETTINGS = ['modelPath', 'completions.modelPath', 'backend', 'remote.endpoint', 'remote.api', 'remote.chatModel'] as const;

export function registerLanguageModels(services: ExtensionServices, completionBackend: GenerationBackend): void {
  const { context, settings, log, backend } = services;
  const changed = new vscode.EventEmitter<void>();
  let listedServerModel: string | undefined;
  const provider = new LocalChatModelProvider({
    log,
    modelPaths: () => ({ chat: settings.get('modelPath'), completion: settings.get('completions.modelPath') }),
    remote: () => backend.remoteBackend(),
    backendFor: (role) => (role === 'chat' ? backend : completionBackend),
    generationSettings: () => ({
      temperature: settings.get('chat.temperature'),
      topP: DEFAULT_GENERATION.topP,
      mediumReasoningTokens: settings.get('chat.reasoningBudget'),
    }),
    onDidChangeModels: changed.event,
  });
  context.subscriptions.push(
    changed,
    vscode.lm.registerLanguageModelChatProvider(LM_VENDOR, provider),
    settings.onDidChange((keys) => {
      if (LIST_SETTINGS.some((k) => keys.has(k))) changed.fire();
    }),
    // Trusting the workspace makes its model settings count.
    vscode.workspace.onDidGrantWorkspaceTrust(() => changed.fire()),
    // A server's model is named once it was asked (the configured one, else the server's first).
    backend.onDidChangeState((state) => {
      const model = state.kind === 'remote' ? state.server.model : undefined;
      if (model !== undefined && model !== listedServerModel) changed.fire();
      listedServerModel = model;
    }),
  );
}
