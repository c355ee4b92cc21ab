/**
 * The JSON store's files and their in-memory copy. Each file is reloaded only when its stamp
 * (inode, size, mtime) changes, so a CLI run and the server, each writing under the directory
 * lock, see each other's writes without rereading on every request.
 *
 * Layout of the data directory:
 *   projects.json, resources.json   arrays of documents, in the original site's format
 *   audit.json                      the newest audit entries, bounded
 *   .contentkv/meta.json            schema version, tombstones, recent operation ids, counters
 *   .contentkv/history/<c>/<id>.json  previous versions of one document, bounded
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { AuditEntry } from '../../domain/audit.js';
import type { Collection, Doc } from '../../domain/collections.js';
import type { HistoryEntry } from '../port.js';
import type { OpRecord } from '../op-record.js';
import { compareNewestFirst, idOfMember, sortMember } from '../ordering.js';
import { fileStamp, readJsonFile, writeFileAtomic } from './files.js';
import { normalizeLegacyDocs, type LoadProblem } from './legacy.js';

export interface MetaFile {
  schemaVersion: number;
  tombstones: Record<Collection, Record<string, number>>;
  /**
   * `op:<opId>` → the version it produced and the document it was applied to, oldest first;
   * bounded. A number alone is a record from before keys were scoped (see op-record.ts).
   */
  ops: Record<string, number | OpRecord>;
  counters: Record<string, string | number>;
  /** The migration state's epoch at the last change of stage (see CommitFence); absent before the first. */
  switchEpoch?: number;
  /** Ids committed here whose copy to Redis may not have landed yet; made and emptied at a switch. */
  owedCopies?: Partial<Record<Collection, string[]>>;
}

export interface CollectionState {
  byId: Map<string, Doc>;
  /** Sort members, newest first. */
  order: string[];
  problems: LoadProblem[];
  /** Changes whenever the file was replaced or edited (its stamp, hashed): enough for an ETag. */
  revision: string;
}

function emptyMeta(): MetaFile {
  return { schemaVersion: 0, tombstones: { projects: {}, resources: {} }, ops: {}, counters: {} };
}

interface Cached<T> {
  stamp: string | null;
  value: T;
}

export class JsonFiles {
  private readonly cache = new Map<string, Cached<unknown>>();
  /**
   * Reads under way, by file: callers that find the same stamp share one read. A collection is
   * read on first use (JsonStore.open reads none), which after a rollback from `redis` is under
   * load; without this, every request in that moment parsed its own copy of the file.
   */
  private readonly reading = new Map<string, { stamp: string | null; value: Promise<unknown> }>();
  /** When each collection file was last asked for or saved (performance.now()), for forgetCollection. */
  private readonly usedAt = new Map<string, number>();

  constructor(readonly dir: string) {}

  private path(name: string): string {
    return join(this.dir, name);
  }

  /** The file's parsed value, cached until its stamp changes; `parse` also gets the stamp it read under. */
  private async load<T>(name: string, parse: (raw: unknown, stamp: string | null) => T, fallback: unknown): Promise<T> {
    const path = this.path(name);
    const stamp = await fileStamp(path);
    const cached = this.cache.get(name);
    if (cached && cached.stamp === stamp) return cached.value as T;
    const underway = this.reading.get(name);
    if (underway && underway.stamp === stamp) return underway.value as Promise<T>;
    const value = (async () => {
      const parsed = parse(stamp === null ? fallback : await readJsonFile<unknown>(path, fallback), stamp);
      this.cache.set(name, { stamp, value: parsed });
      return parsed;
    })();
    this.reading.set(name, { stamp, value });
    try {
      return await value;
    } finally {
      if (this.reading.get(name)?.value === value) this.reading.delete(name);
    }
  }

  /** Writes the file atomically and caches `value`, built from the new stamp. */
  private async save(name: string, contents: unknown, value: (stamp: string | null) => unknown): Promise<void> {
    const path = this.path(name);
    await writeFileAtomic(path, `${JSON.stringify(contents, null, 2)}\n`);
    const stamp = await fileStamp(path);
    this.cache.set(name, { stamp, value: value(stamp) });
  }

  /**
   * Drops the in-memory copy of a collection file unused for `idleMs`; the next use reads the file
   * again. A copy in use (a verify paging through it) stays, and one put back by a save that was
   * under way goes at a later call.
   */
  forgetCollection(collection: Collection, idleMs: number): void {
    const name = `${collection}.json`;
    if (performance.now() - (this.usedAt.get(name) ?? -Infinity) >= idleMs) this.cache.delete(name);
  }

  /** Whether a collection file's copy is held in memory. */
  holdsCollection(collection: Collection): boolean {
    return this.cache.has(`${collection}.json`);
  }

  collection(collection: Collection): Promise<CollectionState> {
    this.usedAt.set(`${collection}.json`, performance.now());
    return this.load(`${collection}.json`, (raw, stamp) => ({ ...indexCollection(collection, raw), revision: revisionOf(stamp) }), []);
  }

  async saveCollection(collection: Collection, byId: Map<string, Doc>): Promise<void> {
    const state = indexDocs([...byId.values()], []);
    const docs = state.order.map((member) => state.byId.get(idOfMember(member)) as Doc);
    this.usedAt.set(`${collection}.json`, performance.now());
    await this.save(`${collection}.json`, docs, (stamp) => ({ ...state, revision: revisionOf(stamp) }));
  }

  meta(): Promise<MetaFile> {
    return this.load('.contentkv/meta.json', (raw) => ({ ...emptyMeta(), ...(raw as Partial<MetaFile>) }), emptyMeta());
  }

  async saveMeta(meta: MetaFile): Promise<void> {
    await mkdir(this.path('.contentkv'), { recursive: true });
    await this.save('.contentkv/meta.json', meta, () => meta);
  }

  audit(): Promise<AuditEntry[]> {
    return this.load('audit.json', (raw) => (Array.isArray(raw) ? (raw as AuditEntry[]) : []), []);
  }

  async saveAudit(entries: AuditEntry[]): Promise<void> {
    await this.save('audit.json', entries, () => entries);
  }

  history(collection: Collection, id: string): Promise<HistoryEntry[]> {
    return this.load(`.contentkv/history/${collection}/${id}.json`, (raw) => (Array.isArray(raw) ? (raw as HistoryEntry[]) : []), []);
  }

  async saveHistory(collection: Collection, id: string, entries: HistoryEntry[]): Promise<void> {
    await mkdir(this.path(`.contentkv/history/${collection}`), { recursive: true });
    await this.save(`.contentkv/history/${collection}/${id}.json`, entries, () => entries);
  }
}

function revisionOf(stamp: string | null): string {
  return createHash('sha1').update(stamp ?? 'none').digest('base64url').slice(0, 12);
}

function indexDocs(docs: Doc[], problems: LoadProblem[]): Omit<CollectionState, 'revision'> {
  const byId = new Map<string, Doc>();
  const members: string[] = [];
  for (const doc of docs) {
    byId.set(doc.id, doc);
    members.push(sortMember(doc));
  }
  members.sort(compareNewestFirst);
  return { byId, order: members, problems };
}

function indexCollection(collection: Collection, raw: unknown): Omit<CollectionState, 'revision'> {
  const { docs, problems } = normalizeLegacyDocs(collection, raw);
  return indexDocs(docs, problems);
}
