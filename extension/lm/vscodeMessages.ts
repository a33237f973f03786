// VS Code's message and part classes reduced to the editor-free core's shapes (core/lm/lmMessages.ts).
// Only text parts carry meaning for these models; anything else is named for the log.
import * as vscode from 'vscode';
import type { LmMessage, LmPart, LmRole } from '../core/lm/lmMessages';

/** LanguageModelChatMessageRole.System is proposed (3); callers may still send it. */
const SYSTEM_ROLE = 3;

function roleOf(role: vscode.LanguageModelChatMessageRole): LmRole {
  if (role === vscode.LanguageModelChatMessageRole.Assistant) return 'assistant';
  return (role as number) === SYSTEM_ROLE ? 'system' : 'user';
}

function partOf(part: unknown): LmPart {
  if (part instanceof vscode.LanguageModelTextPart) return { text: part.value };
  const name = (part as { constructor?: { name?: string } } | null)?.constructor?.name;
  return { ignored: name && name !== 'Object' ? name : typeof part };
}

export function fromVscodeMessage(message: vscode.LanguageModelChatRequestMessage): LmMessage {
  return { role: roleOf(message.role), parts: message.content.map(partOf) };
}
