// The last conversations of this workspace, kept in `workspaceState`. What comes back from storage
// is checked: an entry written by another version, or damaged, is dropped rather than shown.
import type { ChatTurn, Conversation, ConversationSummary } from '../../../engine/common/chat/protocol';

/** The part of vscode.Memento used here. */
export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

export const MAX_CONVERSATIONS = 50;
const STORAGE_KEY = 'r1Local.chat.conversations.v1';

export class ConversationStore {
  constructor(private readonly memento: KeyValueStore, private readonly max = MAX_CONVERSATIONS) {}

  /** Most recent first. */
  list(): Conversation[] {
    const stored = this.memento.get<unknown>(STORAGE_KEY);
    return Array.isArray(stored) ? stored.filter(isConversation) : [];
  }

  get(id: string): Conversation | undefined {
    return this.list().find((c) => c.id === id);
  }

  summaries(): ConversationSummary[] {
    return this.list().map((c) => ({ id: c.id, title: c.title, updatedAt: c.updatedAt, turnCount: c.turns.length }));
  }

  /** Saves a conversation as the most recent; empty ones are not kept. The oldest beyond the limit are dropped. */
  async save(conversation: Conversation): Promise<void> {
    if (conversation.turns.length === 0) return;
    const others = this.list().filter((c) => c.id !== conversation.id);
    await this.memento.update(STORAGE_KEY, [conversation, ...others].slice(0, this.max));
  }
}

function isConversation(value: unknown): value is Conversation {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Partial<Conversation>;
  return (
    typeof c.id === 'string' &&
    typeof c.title === 'string' &&
    typeof c.createdAt === 'number' &&
    typeof c.updatedAt === 'number' &&
    Array.isArray(c.turns) &&
    c.turns.every(isTurn)
  );
}

function isTurn(value: unknown): value is ChatTurn {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Partial<ChatTurn>;
  return (
    typeof t.id === 'string' &&
    (t.kind === 'chat' || t.kind === 'explain') &&
    typeof t.user === 'string' &&
    typeof t.reasoning === 'string' &&
    typeof t.answer === 'string' &&
    typeof t.reasoningTokens === 'number' &&
    typeof t.startedAt === 'number' &&
    (t.status === 'streaming' || t.status === 'done' || t.status === 'stopped' || t.status === 'error')
  );
}
