// A small LRU of recent suggestions keyed by the prompt prefix they were made for.
//
// Typing the characters of a shown suggestion must keep showing the rest of it without asking the
// model again: a lookup for prefix P also matches an entry made for a shorter prefix K when
// K + suggestion starts with P, and answers the part of the suggestion not yet typed.

export interface CacheKey {
  /** Which document (suggestions never cross files). */
  document: string;
  prefix: string;
  /** The text after the cursor the suggestion was cleaned against. */
  suffix: string;
}

interface Entry extends CacheKey {
  suggestion: string;
}

export class CompletionCache {
  /** Insertion order is recency order: the last entry is the most recently used. */
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity = 64) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`Cache capacity must be a positive integer, got ${capacity}.`);
  }

  get size(): number {
    return this.entries.size;
  }

  set(key: CacheKey, suggestion: string): void {
    if (suggestion === '') return;
    const id = this.id(key);
    this.entries.delete(id);
    this.entries.set(id, { ...key, suggestion });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  /** The rest of a cached suggestion the user has not typed yet, or undefined. */
  get(key: CacheKey): string | undefined {
    const exactId = this.id(key);
    const exact = this.entries.get(exactId);
    if (exact) return this.touch(exactId, exact, exact.suggestion);
    // Newest first: the latest suggestion is the one on screen.
    const ids = [...this.entries.keys()].reverse();
    for (const id of ids) {
      const entry = this.entries.get(id)!;
      if (entry.document !== key.document || entry.suffix !== key.suffix) continue;
      if (key.prefix.length <= entry.prefix.length || !key.prefix.startsWith(entry.prefix)) continue;
      const typed = key.prefix.slice(entry.prefix.length);
      if (entry.suggestion.length > typed.length && entry.suggestion.startsWith(typed)) {
        return this.touch(id, entry, entry.suggestion.slice(typed.length));
      }
    }
    return undefined;
  }

  clear(): void {
    this.entries.clear();
  }

  private touch(id: string, entry: Entry, answer: string): string {
    this.entries.delete(id);
    this.entries.set(id, entry);
    return answer;
  }

  private id(key: CacheKey): string {
    // Lengths make the joined key unambiguous whatever characters the parts contain.
    return `${key.document.length}:${key.document}${key.prefix.length}:${key.prefix}${key.suffix}`;
  }
}
