// Renders a conversation with the model folder's own chat template (Jinja, via @huggingface/jinja),
// so the prompt matches what the model was trained on. Reasoning from earlier assistant turns is
// removed before rendering: R1's template drops everything up to `</think>` itself, but a template
// that does not must still never feed an old trace back (it wastes context and steers the model).

import { Template } from '@huggingface/jinja';

export type ChatRole = 'system' | 'user' | 'assistant';

export interface TemplateMessage {
  role: ChatRole;
  content: string;
}

export interface RenderChatOptions {
  /** Append the assistant's generation prompt (R1: `<｜Assistant｜><think>\n`). Default true. */
  addGenerationPrompt?: boolean;
}

export class ChatTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChatTemplateError';
  }
}

const THINK_END = '</think>';
const THINK_START = '<think>';

/**
 * The answer part of an assistant message: the text after the first `</think>` (the splitter's
 * rule: only the first one closes the trace); a message that opens `<think>` and never closes it is
 * all reasoning. A message without tags is returned unchanged.
 */
export function stripReasoning(content: string): string {
  const end = content.indexOf(THINK_END);
  if (end >= 0) return content.slice(end + THINK_END.length);
  if (content.trimStart().startsWith(THINK_START)) return '';
  return content;
}

const ROLES: ReadonlySet<string> = new Set<ChatRole>(['system', 'user', 'assistant']);

export class ChatTemplate {
  private readonly template: Template;

  /**
   * @param source the Jinja source (`chat_template.jinja`, or tokenizer_config.json `chat_template`)
   * @param bosToken / eosToken the tokenizer's bos/eos contents, exposed to the template as `bos_token` / `eos_token`
   */
  constructor(
    source: string | undefined,
    private readonly bosToken = '',
    private readonly eosToken = '',
  ) {
    if (typeof source !== 'string' || source.length === 0) {
      throw new ChatTemplateError('the model has no chat template (neither chat_template.jinja nor a chat_template in tokenizer_config.json)');
    }
    try {
      this.template = new Template(source);
    } catch (error) {
      throw new ChatTemplateError(`the model's chat template could not be parsed: ${(error as Error).message}`);
    }
  }

  /** The template of a loaded tokenizer (TextTokenizer has these three fields). */
  static forTokenizer(tokenizer: { chatTemplate: string | undefined; bosToken: string | undefined; eosToken: string | undefined }): ChatTemplate {
    return new ChatTemplate(tokenizer.chatTemplate, tokenizer.bosToken ?? '', tokenizer.eosToken ?? '');
  }

  render(messages: readonly TemplateMessage[], options: RenderChatOptions = {}): string {
    if (!Array.isArray(messages) || messages.length === 0) {
      throw new ChatTemplateError('a chat needs at least one message');
    }
    const prepared = messages.map((message, index) => {
      if (!message || !ROLES.has(message.role) || typeof message.content !== 'string') {
        throw new ChatTemplateError(`message ${index} must have role system, user or assistant and string content`);
      }
      const content = message.role === 'assistant' ? stripReasoning(message.content) : message.content;
      return { role: message.role, content };
    });
    try {
      return this.template.render({
        messages: prepared,
        add_generation_prompt: options.addGenerationPrompt ?? true,
        bos_token: this.bosToken,
        eos_token: this.eosToken,
      });
    } catch (error) {
      throw new ChatTemplateError(`the model's chat template failed to render: ${(error as Error).message}`);
    }
  }
}
