// VS Code's chat messages as the engine's chat messages. The adapter (extension/lm/) reduces each
// vscode part to `{ text }` or `{ ignored: what }`, so this file needs no VS Code API. The models
// were trained on user/assistant text only: tool calls, tool results, images and data parts have no
// place in R1's chat template, so they are dropped and reported rather than rendered as text the
// model would misread.
import type { ChatMessage } from '../../../engine/types';

export type LmRole = 'user' | 'assistant' | 'system';

/** One part of an incoming message, as the adapter classified it. */
export type LmPart = { text: string } | { ignored: string };

export interface LmMessage {
  role: LmRole;
  parts: readonly LmPart[];
}

export interface ConvertedMessages {
  messages: ChatMessage[];
  /** One line per dropped part or message, for the log. */
  ignored: string[];
}

/**
 * Joins each message's text parts; a system message becomes user text in front of the next user
 * message (DeepSeek advises against system prompts for R1: its template would hoist it before the
 * whole conversation, far from the question it qualifies).
 */
export function toEngineMessages(input: readonly LmMessage[]): ConvertedMessages {
  const messages: ChatMessage[] = [];
  const ignored: string[] = [];
  let pendingSystem = '';
  input.forEach((message, index) => {
    let text = '';
    for (const part of message.parts) {
      if ('text' in part) text += part.text;
      else ignored.push(`message ${index} (${message.role}): ${part.ignored} part ignored`);
    }
    if (text.length === 0) {
      ignored.push(`message ${index} (${message.role}): no text, left out`);
      return;
    }
    if (message.role === 'system') {
      pendingSystem += `${text}\n\n`;
      return;
    }
    const content = message.role === 'user' ? pendingSystem + text : text;
    if (message.role === 'user') pendingSystem = '';
    messages.push({ role: message.role, content });
  });
  if (pendingSystem) messages.push({ role: 'user', content: pendingSystem.trimEnd() });
  return { messages, ignored };
}
