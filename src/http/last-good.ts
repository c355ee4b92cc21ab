/**
 * The last good answer to each recent read, kept in memory (references, no copies), so that
 * while Redis is down and no other store holds current content, a read can still be answered
 * with what was served before, marked stale with its age.
 *
 * Bounded by bytes, not by entries: a list page of 100 documents weighs a hundred times a single
 * document, and a count bound would let a crawler paging through cursors pin hundreds of
 * megabytes. The entries stored longest ago go first; remembering the very same answer again (a
 * near-cache hit hands back the same object) only refreshes its time, which keeps the hot path
 * free of map churn.
 */
export interface LastGoodEntry<T> {
  value: T;
  at: number;
  bytes: number;
}

export const DEFAULT_LAST_GOOD_BYTES = 16 * 1024 * 1024;

export class LastGood<T> {
  private readonly entries = new Map<string, LastGoodEntry<T>>();
  private total = 0;

  constructor(private readonly maxBytes = DEFAULT_LAST_GOOD_BYTES) {}

  /** `bytes`: the answer's size (its JSON text's length is close enough). */
  remember(key: string, value: T, bytes: number): void {
    const known = this.entries.get(key);
    if (known !== undefined && known.value === value) {
      known.at = Date.now();
      return;
    }
    this.forget(key);
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { value, at: Date.now(), bytes });
    this.total += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.total <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.total -= entry.bytes;
    }
  }

  recall(key: string): LastGoodEntry<T> | undefined {
    return this.entries.get(key);
  }

  /** Bytes held now; never above the budget. */
  get size(): number {
    return this.total;
  }

  private forget(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.total -= entry.bytes;
  }
}
