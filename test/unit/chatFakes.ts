// An in-memory workspaceState for the chat's ConversationStore: values go in and come out as copies,
// as they would through VS Code's JSON storage.
import type { KeyValueStore } from '../../extension/core/chat/conversationStore';

export class MemoryState implements KeyValueStore {
  readonly data = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return structuredClone(this.data.get(key)) as T | undefined;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.data.set(key, structuredClone(value));
  }
}
