/**
 * The last good answer to each recent read, kept in memory (references, no copies), so that
 * while Redis is down and no other store holds current content, a read can still be answered
 * with what was served before, marked stale with its age. Bounded: the least recently used
 * entries go first.
 */
export interface LastGoodEntry<T> {
  value: T;
  at: number;
}

export class LastGood<T> {
  private readonly entries = new Map<string, LastGoodEntry<T>>();

  constructor(private readonly capacity = 2_000) {}

  remember(key: string, value: T): void {
    this.entries.delete(key);
    this.entries.set(key, { value, at: Date.now() });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  recall(key: string): LastGoodEntry<T> | undefined {
    return this.entries.get(key);
  }
}
