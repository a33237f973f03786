// Counts tokens with a model folder's own tokenizer, without its ONNX session: VS Code asks for
// counts while it builds a prompt, often before anything was sent, and loading a 1–2 GB model to
// answer would be absurd. Tokenizers are kept per folder (at most two: the chat and the
// completion model), since loading one parses a 150k-entry vocabulary.
import type { ChatMessage } from '../types';
import { ChatTemplate } from '../text/chatTemplate';
import { TextTokenizer } from '../text/tokenizer';
import type { TokenCountInput } from './protocol';

const KEPT_FOLDERS = 2;

/**
 * Messages are counted against a fixed first user message, because a template renders nothing for
 * an empty conversation and adds its bos and preamble once: what a message adds is the difference.
 */
const ANCHOR: ChatMessage = { role: 'user', content: '.' };

interface FolderTokenizer {
  tokenizer: TextTokenizer;
  template: ChatTemplate | undefined;
}

export class TokenCounter {
  private readonly folders = new Map<string, FolderTokenizer>();

  count(modelPath: string, input: TokenCountInput): number {
    const { tokenizer, template } = this.forFolder(modelPath);
    // A bare string counts as the tokenizer encodes it: no bos or other special tokens added.
    if (input.type === 'text') return tokenizer.encode(input.text).length;
    if (!template) return tokenizer.encode(input.message.content).length;
    const render = (messages: ChatMessage[]) => tokenizer.encode(template.render(messages, { addGenerationPrompt: false })).length;
    return Math.max(0, render([ANCHOR, input.message]) - render([ANCHOR]));
  }

  private forFolder(modelPath: string): FolderTokenizer {
    const known = this.folders.get(modelPath);
    if (known) {
      // Re-inserted: the map's order doubles as recency.
      this.folders.delete(modelPath);
      this.folders.set(modelPath, known);
      return known;
    }
    const tokenizer = TextTokenizer.fromFolder(modelPath);
    const loaded = { tokenizer, template: tokenizer.chatTemplate ? ChatTemplate.forTokenizer(tokenizer) : undefined };
    this.folders.set(modelPath, loaded);
    while (this.folders.size > KEPT_FOLDERS) this.folders.delete(this.folders.keys().next().value!);
    return loaded;
  }
}
