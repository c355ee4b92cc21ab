/**
 * The durable repair queue. A write acknowledged by the authoritative store that failed to reach
 * the other store is queued here by id, never dropped. The queue is a Redis set; when Redis is the
 * store that failed (dual-write and shadow, Redis down), ids go to a journal file in the JSON data
 * directory instead (appended and fsynced), and move into Redis when `repair` next runs.
 */
import { appendFile, open, readFile, rename, rm } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Counter } from 'prom-client';
import type { Collection } from '../domain/collections.js';
import { isCollection } from '../domain/collections.js';
import type { MigrationStateStore } from './state-store.js';

interface JournalEntry {
  c: Collection;
  id: string;
  at: string;
  reason: string;
}

function parseJournal(text: string): JournalEntry[] {
  return text
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      try {
        const entry = JSON.parse(line) as JournalEntry;
        return isCollection(entry.c) ? [entry] : [];
      } catch {
        // A line cut short by a crash mid-append: the rest of the journal still counts.
        return [];
      }
    });
}

export class RepairQueue {
  private journalLock: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly state: MigrationStateStore,
    /** Where ids go while Redis is unreachable; null where the JSON directory is read-only. */
    private readonly journalPath: string | null,
    private readonly queued?: Counter<'collection' | 'where'>,
  ) {}

  async add(c: Collection, id: string, reason: string): Promise<void> {
    try {
      await this.state.queueRepairs(c, [id]);
      this.queued?.inc({ collection: c, where: 'redis' });
    } catch (redisError) {
      if (!this.journalPath) throw redisError;
      await this.appendJournal({ c, id, at: new Date().toISOString(), reason });
      this.queued?.inc({ collection: c, where: 'journal' });
    }
  }

  private appendJournal(entry: JournalEntry): Promise<void> {
    const path = this.journalPath as string;
    const next = this.journalLock.then(async () => {
      await mkdir(dirname(path), { recursive: true });
      await appendFile(path, `${JSON.stringify(entry)}\n`, 'utf8');
      const handle = await open(path, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
    this.journalLock = next.catch(() => undefined);
    return next;
  }

  private async journal(): Promise<JournalEntry[]> {
    if (!this.journalPath) return [];
    try {
      return parseJournal(await readFile(this.journalPath, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  /**
   * Moves journaled ids into the Redis set; returns how many moved. The journal is first renamed
   * aside (atomic), so an id appended meanwhile by another process lands in a fresh journal
   * instead of being deleted unread; if Redis refuses the ids, they are appended back.
   */
  async flushJournal(): Promise<number> {
    if (!this.journalPath) return 0;
    const path = this.journalPath;
    const run = this.journalLock.then(async () => {
      const aside = `${path}.${process.pid}.${Date.now()}.flushing`;
      try {
        await rename(path, aside);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
        throw error;
      }
      const entries = parseJournal(await readFile(aside, 'utf8'));
      try {
        for (const c of ['projects', 'resources'] as const) {
          await this.state.queueRepairs(c, entries.filter((entry) => entry.c === c).map((entry) => entry.id));
        }
      } catch (error) {
        await appendFile(path, entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''), 'utf8');
        await rm(aside, { force: true });
        throw error;
      }
      await rm(aside, { force: true });
      return entries.length;
    });
    this.journalLock = run.catch(() => undefined);
    return run;
  }

  /** Ids waiting in the journal, per collection, from one read of it. */
  async journalCounts(): Promise<Record<Collection, number>> {
    const counts: Record<Collection, number> = { projects: 0, resources: 0 };
    for (const entry of await this.journal()) counts[entry.c] += 1;
    return counts;
  }

  /** Ids waiting: in Redis (when it answers) plus in the journal. */
  async size(c: Collection): Promise<{ redis: number | null; journal: number }> {
    const journal = (await this.journal()).filter((entry) => entry.c === c).length;
    try {
      return { redis: (await this.state.sizes(c)).repairQueue, journal };
    } catch {
      return { redis: null, journal };
    }
  }
}
