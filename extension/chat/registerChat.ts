// Wires the chat feature into the extension: the side-panel view, `r1Local.openChat` and
// `r1Local.explainSelection`. Called once from the composition root.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelAvailability, ReasoningBudget } from '../../engine/common/chat/protocol';
import type { GenerationBackend } from '../core/generationBackend';
import type { Logger } from '../core/logger';
import type { Settings } from '../settings';
import { ChatController, type ChatEnvironment } from '../core/chat/chatController';
import { ChatViewProvider } from './chatViewProvider';
import { ConversationStore } from '../core/chat/conversationStore';
import { copyToClipboard, insertAtCursor, openLinkAfterConfirmation, runSetupCommand } from './editorActions';
import { explainInActiveEditor } from './explainCommand';
import { DEFAULT_GENERATION } from '../core/chat/promptBuilder';
import { isReasoningBudget } from '../core/chat/reasoningBudget';
import { parseEndpoint } from '../core/remote/endpoint';

export interface ChatDeps {
  /** The backend chat turns and explanations generate with (local or remote, per r1Local.backend). */
  backend: GenerationBackend;
  settings: Settings;
  log: Logger;
  /** Whether a model is installed; default: a model folder is configured. */
  modelAvailability?: () => ModelAvailability;
  /** Fires when the installed model changes (download finished, folder chosen). */
  onDidChangeModel?: vscode.Event<unknown>;
  /** A model download in this window: while it runs, the empty state shows it instead of offering another. */
  downloads?: { readonly isRunning: boolean; onDidChange(listener: () => void): vscode.Disposable };
}

const BUDGET_KEY = 'r1Local.chat.budget';

export function registerChat(context: vscode.ExtensionContext, deps: ChatDeps): ChatController {
  const { settings, log } = deps;
  const modelAvailability =
    deps.modelAvailability ??
    ((): ModelAvailability => {
      // A remote server needs no model folder here; the view says where answers come from.
      if (settings.get('backend') !== 'local') return { state: 'ready', server: remoteServerLabel(settings) };
      const modelPath = settings.get('modelPath');
      if (modelPath) return { state: 'ready', label: path.basename(modelPath) };
      return deps.downloads?.isRunning ? { state: 'downloading' } : { state: 'missing' };
    });

  const env: ChatEnvironment = {
    log,
    generationSettings: () => ({
      temperature: settings.get('chat.temperature'),
      topP: DEFAULT_GENERATION.topP,
      mediumReasoningTokens: settings.get('chat.reasoningBudget'),
    }),
    defaultBudget: (): ReasoningBudget => {
      const saved = context.workspaceState.get<unknown>(BUDGET_KEY);
      return isReasoningBudget(saved) ? saved : 'medium';
    },
    saveBudget: (budget) => void context.workspaceState.update(BUDGET_KEY, budget),
    modelAvailability,
    copyCode: copyToClipboard,
    insertCode: (code) => insertAtCursor(code, log),
    openLink: (url) => openLinkAfterConfirmation(url, log),
    runCommand: (command) => runSetupCommand(command, log),
    now: () => Date.now(),
    newId: () => randomUUID(),
  };

  const controller = new ChatController(deps.backend, new ConversationStore(context.workspaceState), env);
  const provider = new ChatViewProvider(context.extensionUri, controller);
  const revealChat = () => vscode.commands.executeCommand(`${ChatViewProvider.viewType}.focus`);

  context.subscriptions.push(
    vscode.window.registerWebviewViewProvider(ChatViewProvider.viewType, provider),
    provider,
    { dispose: () => controller.dispose() },
    vscode.commands.registerCommand('r1Local.openChat', revealChat),
    vscode.commands.registerCommand('r1Local.explainSelection', () => explainInActiveEditor(controller, log, revealChat)),
    settings.onDidChange((keys) => {
      if (keys.has('modelPath') || keys.has('backend') || keys.has('remote.endpoint')) controller.modelChanged();
    }),
  );
  if (deps.onDidChangeModel) context.subscriptions.push(deps.onDidChangeModel(() => controller.modelChanged()));
  if (deps.downloads) context.subscriptions.push(deps.downloads.onDidChange(() => controller.modelChanged()));
  return controller;
}

/** "openai-compatible server at gpu-box:8000", for the chat's welcome line. */
function remoteServerLabel(settings: Settings): string {
  const parsed = parseEndpoint(settings.get('remote.endpoint'));
  const kind = settings.get('remote.api') === 'ollama' ? 'Ollama' : 'OpenAI-compatible';
  return `${kind} server at ${parsed.ok ? parsed.facts.host : settings.get('remote.endpoint')}`;
}
