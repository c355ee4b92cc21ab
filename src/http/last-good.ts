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
 *
 * Once over budget it drops entries down to seven eighths of it, not just below it. Reading a Map
 * from its start walks over the slots of the entries deleted there until the table is rebuilt, so
 * dropping one entry per new answer cost about 2 µs per read once the budget was full (a shuffled
 * read of 8,000 documents of 2 KB, as the benchmark does: 6% of a GET's CPU); a batch at a time
 * makes it a walk per thousand answers or so.
 */
export interface LastGoodEntry<T> {
  value: T;
  at: number;
  bytes: number;
  group: string | undefined;
}

export const DEFAULT_LAST_GOOD_BYTES = 16 * 1024 * 1024;

const LOW_WATER = 7 / 8;

export class LastGood<T> {
  private readonly entries = new Map<string, LastGoodEntry<T>>();
  /** Keys by group (say, every list page of a collection), so a write can drop them together. */
  private readonly groups = new Map<string, Set<string>>();
  private total = 0;

  constructor(private readonly maxBytes = DEFAULT_LAST_GOOD_BYTES) {}

  /** `bytes`: the answer's size (its JSON text's length is close enough); `group`: see forgetGroup. */
  remember(key: string, value: T, bytes: number, group?: string): void {
    const known = this.entries.get(key);
    if (known !== undefined && known.value === value) {
      known.at = Date.now();
      return;
    }
    this.forget(key);
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { value, at: Date.now(), bytes, group });
    if (group !== undefined) {
      const members = this.groups.get(group) ?? new Set<string>();
      members.add(key);
      this.groups.set(group, members);
    }
    this.total += bytes;
    if (this.total <= this.maxBytes) return;
    const target = this.maxBytes * LOW_WATER;
    for (const [oldest] of this.entries) {
      if (this.total <= target) break;
      this.forget(oldest);
    }
  }

  recall(key: string): LastGoodEntry<T> | undefined {
    return this.entries.get(key);
  }

  /** Drops every answer remembered under `group`. */
  forgetGroup(group: string): void {
    for (const key of [...(this.groups.get(group) ?? [])]) this.forget(key);
  }

  /** Bytes held now; never above the budget. */
  get size(): number {
    return this.total;
  }

  forget(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.total -= entry.bytes;
    if (entry.group === undefined) return;
    const members = this.groups.get(entry.group);
    members?.delete(key);
    if (members?.size === 0) this.groups.delete(entry.group);
  }
}
