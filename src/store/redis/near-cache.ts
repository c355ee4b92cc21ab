/**
 * A bounded in-process copy of recent Redis reads, kept correct by Redis itself: a
 * KeyWatch (client tracking in broadcast mode) reports every change to the watched keys, by any
 * client, and the entry goes. While the watch is not live (connecting, connection lost) the
 * cache holds nothing and fills nothing, since changes could be missed.
 *
 * The race every such cache has: a read's reply and the notice of a write that follows it travel
 * on different connections, so the notice may arrive first. A read therefore takes a ticket
 * before it is sent, a notice for its key spoils every ticket taken for that key, and a spoiled
 * ticket does not fill. The store also drops the keys of its own writes the moment they return,
 * so a caller reads its own write without waiting for the notice.
 *
 * Notices can be late when the watch's connection stalls without breaking. The watch confirms
 * from time to time that it has heard everything up to a moment; the cache serves only while
 * that moment is less than `trustMs` old, so a write by another instance is seen here within
 * `trustMs` at worst (within a millisecond or so when nothing stalls).
 *
 * Entries are grouped under the key whose change makes them wrong: a document under its own
 * key, every list page of a collection under that collection's cache generation key.
 *
 * Over budget, a sweep from the oldest entry drops entries down to seven eighths of the budget,
 * moving those read since it last passed to the end instead (the "second chance" approximation
 * of least recently used). A hit only marks its entry, so the read path changes no Map. Dropping
 * one entry per fill instead, from the start of the Map, walked over the slots of every entry
 * deleted there since the Map was last rebuilt: 3.5 µs per read of a working set larger than the
 * budget, against 1.3 µs now (the same fill pattern, measured in a loop).
 */

export interface Ticket {
  readonly group: string;
  readonly epoch: number;
  readonly pending: Pending;
}

interface Pending {
  spoiled: boolean;
  readers: number;
}

interface Entry<V> {
  value: V;
  bytes: number;
  group: string;
  /** Read since the last sweep passed it: it gets a second chance instead of going. */
  used: boolean;
}

/**
 * What an entry costs besides the characters of its key and value: the Map and Set entries that
 * hold it, the entry and value objects, a document's checksum and status. Measured with
 * `--expose-gc` (test/store/near-cache.test.ts): about 525 bytes of heap per absent document
 * under a 45-character key.
 */
const ENTRY_OVERHEAD_BYTES = 480;

const LOW_WATER = 7 / 8;

export class NearCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly groups = new Map<string, Set<string>>();
  private readonly pending = new Map<string, Pending>();
  private bytes = 0;
  /** Moves on every reset: a ticket from an earlier epoch never fills. */
  private epoch = 0;
  private isLive = false;
  private confirmedAt = -Infinity;
  hits = 0;
  misses = 0;

  constructor(
    readonly maxBytes: number,
    readonly trustMs = 1_000,
  ) {}

  /** Serving: the watch is on and has confirmed recently that it misses nothing. */
  get live(): boolean {
    return this.isLive && performance.now() - this.confirmedAt < this.trustMs;
  }

  /** Every change before `atMs` (performance.now()) has been reported. */
  confirmed(atMs: number): void {
    this.confirmedAt = Math.max(this.confirmedAt, atMs);
  }

  get size(): number {
    return this.entries.size;
  }

  get usedBytes(): number {
    return this.bytes;
  }

  /** How many times everything was dropped (the watch stopped or started, a flush). */
  get resets(): number {
    return this.epoch;
  }

  /** The watch became live (true) or stopped (false): either way, what was known is dropped. */
  setLive(live: boolean): void {
    this.reset();
    this.isLive = live;
    this.confirmedAt = -Infinity;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.misses += 1;
      return undefined;
    }
    this.hits += 1;
    entry.used = true;
    return entry.value;
  }

  /** Before a read is sent. Null when the cache is not live: the read then fills nothing. */
  begin(group: string): Ticket | null {
    if (!this.live) return null;
    let pending = this.pending.get(group);
    if (pending === undefined) {
      pending = { spoiled: false, readers: 0 };
      this.pending.set(group, pending);
    }
    pending.readers += 1;
    return { group, epoch: this.epoch, pending };
  }

  /**
   * After the read, whether it succeeded or not: stores the value only if the ticket is still
   * good. `valueChars` is the length of the value's text; characters are counted as bytes, as V8
   * stores Latin-1 text (text beyond Latin-1 takes two and is counted short by up to half).
   */
  finish(ticket: Ticket | null, key: string, value: V | undefined, valueChars: number): void {
    if (ticket === null) return;
    const { pending } = ticket;
    pending.readers -= 1;
    if (pending.readers === 0 && this.pending.get(ticket.group) === pending) this.pending.delete(ticket.group);
    if (value === undefined || pending.spoiled || ticket.epoch !== this.epoch || !this.live) return;
    const bytes = ENTRY_OVERHEAD_BYTES + key.length + valueChars;
    if (bytes > this.maxBytes / 4) return;
    this.remove(key);
    // Room is made before the entry goes in, so a sweep never takes the entry it makes room for.
    if (this.bytes + bytes > this.maxBytes) this.sweep(this.maxBytes * LOW_WATER - bytes);
    this.entries.set(key, { value, bytes, group: ticket.group, used: false });
    let members = this.groups.get(ticket.group);
    if (members === undefined) {
      members = new Set();
      this.groups.set(ticket.group, members);
    }
    members.add(key);
    this.bytes += bytes;
  }

  private sweep(target: number): void {
    // Each entry is passed at most twice: once to clear its mark (it moves to the end), once to
    // go. The bound keeps the loop finite whatever the marks say.
    let budget = 2 * this.entries.size;
    for (const [key, entry] of this.entries) {
      if (this.bytes <= target || budget === 0) break;
      budget -= 1;
      if (entry.used) {
        entry.used = false;
        this.entries.delete(key);
        this.entries.set(key, entry);
      } else {
        this.remove(key);
      }
    }
  }

  /** The key changed: its entries go, and reads of it in flight will not fill. */
  invalidate(group: string): void {
    const pending = this.pending.get(group);
    if (pending !== undefined) {
      pending.spoiled = true;
      this.pending.delete(group);
    }
    const members = this.groups.get(group);
    if (members === undefined) return;
    for (const key of [...members]) this.remove(key);
  }

  reset(): void {
    this.epoch += 1;
    this.entries.clear();
    this.groups.clear();
    this.pending.clear();
    this.bytes = 0;
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
    const members = this.groups.get(entry.group);
    members?.delete(key);
    if (members?.size === 0) this.groups.delete(entry.group);
  }
}
