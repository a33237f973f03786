// The prompt text of a chat request, rendered with the model's own template. When the last message
// is the assistant's, it is continued rather than closed (vLLM's `continue_final_message`): a
// client that stopped the reasoning itself sends `<think>\n…\n</think>\n\n` there and asks for the
// answer. The continuation is the template's generation prompt followed by the message's text, so
// a message that opens with `<think>` does not open it a second time after R1's `…<think>\n`, and
// a message without reasoning is written after the assistant marker alone.
import type { ChatTemplate, TemplateMessage } from '../text/chatTemplate';
import { badField } from './apiError';

const THINK_OPEN = '<think>';

export function renderChatPrompt(template: ChatTemplate, messages: readonly TemplateMessage[], continueFinal: boolean): string {
  if (!continueFinal) return template.render(messages);
  const head = messages.slice(0, -1);
  const final = messages[messages.length - 1]!;
  if (!head.some((m) => m.role === 'user')) throw badField('messages', 'a user message before the assistant message to continue');
  const withPrompt = template.render(head, { addGenerationPrompt: true });
  const without = template.render(head, { addGenerationPrompt: false });
  // A template whose generation prompt is not a plain suffix: append the text and hope for the best.
  if (!withPrompt.startsWith(without)) return withPrompt + final.content;
  const generationPrompt = withPrompt.slice(without.length);
  const open = generationPrompt.lastIndexOf(THINK_OPEN);
  if (open < 0) return withPrompt + final.content;
  const content = final.content.trimStart();
  if (content.startsWith(THINK_OPEN)) {
    // The generation prompt already opened the trace (R1: `<think>\n`): what follows the message's own opening goes after it.
    const afterOpen = generationPrompt.slice(open + THINK_OPEN.length);
    const rest = content.slice(THINK_OPEN.length);
    return withPrompt + (rest.startsWith(afterOpen) ? rest.slice(afterOpen.length) : rest);
  }
  return without + generationPrompt.slice(0, open) + final.content;
}
