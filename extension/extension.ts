// Composition root: builds the shared services, then each feature registers itself in one line.
// Activation stays cheap: the engine host starts only when a feature first asks for a generation.
import type * as vscode from 'vscode';
import { registerCompletions } from './completion/registerCompletions';
import { registerChat } from './chat';
import type { ChatController } from './core/chat/chatController';
import { registerCoreCommands } from './coreCommands';
import { registerLanguageModels } from './lm/registerLanguageModels';
import { registerModelCommands } from './models/registerModelCommands';
import { registerRemote } from './remote/registerRemote';
import { createServices, type ExtensionServices } from './services';

/** What activate() returns (extension.exports): the shared services and the chat, for integration tests. */
export type ExtensionApi = ExtensionServices & { readonly chat: ChatController };

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const services = createServices(context);
  registerCoreCommands(services);
  // Features: one registration line each.
  const completionBackend = registerCompletions(services);
  registerModelCommands(services);
  registerLanguageModels(services, completionBackend);
  const chat = registerChat(context, services);
  registerRemote(services, chat);
  services.log.info('R1 Local activated');
  return { ...services, chat };
}

export function deactivate(): void {
  // Everything, the engine host included, is disposed through context.subscriptions.
}
