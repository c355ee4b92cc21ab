/**
 * The JSON-file store: the embedded default for `npm start`, and the legacy store the migration
 * moves away from. Every write runs under the directory lock, rereads what changed on disk,
 * writes its plan to a journal, and replaces each file atomically (commit-plan.ts): a process
 * killed halfway leaves a journal that the next write completes. On a read-only file system it
 * still serves reads and answers every write with READ_ONLY; it never pretends a write succeeded.
 */
import { randomBytes } from 'node:crypto';
import type { AuditEntry, AuditStats } from '../../domain/audit.js';
import { collectionInfo, type Collection, type Doc } from '../../domain/collections.js';
import { AlreadyExistsError, ContentKvError, NotFoundError, ReadOnlyError, SchemaTooNewError, StageChangedError, VersionConflictError } from '../../domain/errors.js';
import { SCHEMA_VERSION } from '../../domain/schema-version.js';
import { pageAudit, entryMs } from '../audit-paging.js';
import { toAuditStats } from '../audit-stats.js';
import { matchesQuery } from '../matching.js';
import { versionIfSameTarget } from '../op-record.js';
import { decodeCursor, encodeCursor, idOfMember, sortMember } from '../ordering.js';
import type {
  AuditQuery, CommitFence, ContentStore, Head, HistoryEntry, ListQuery, ManifestEntry, Page, RawDoc, RawPage, ReplicaItem, ReplicaOptions, ReplicaOutcome, WriteRequest, WriteResult,
} from '../port.js';
import { applyPlan, countersAfter, newAudits, type CommitPlan, type PlanContext, type PlanLimits } from './commit-plan.js';
import { isReadOnlyFsError, isWritableDirectory } from './files.js';
import { JsonFiles, type CollectionState } from './json-state.js';
import { CommitJournal } from './journal.js';
import type { LoadProblem } from './legacy.js';
import { itemsJsonOf, rawOf } from '../raw-json.js';
import { DirectoryLock } from './lock.js';

export interface JsonStoreOptions {
  /** The data directory holding projects.json and resources.json. */
  dir: string;
  /** Newest audit entries kept in audit.json. */
  auditLimit?: number;
  /** Previous versions kept per document. */
  historyLimit?: number;
  /** Recent operation ids remembered for idempotent retries. */
  opsLimit?: number;
}

/** What a stage switch may do to the JSON files while it holds their lock (JsonStore.recordSwitch). */
export interface LockedJson {
  /** putIfNewer, under the lock already held. */
  put(collection: Collection, items: readonly ReplicaItem[]): Promise<ReplicaOutcome[]>;
  /** Ids committed here whose copy to Redis is owed (CommitFence.owesCopy). */
  owedCopies(collection: Collection): Promise<string[]>;
  clearOwedCopies(collection: Collection): Promise<void>;
}

export class JsonStore implements ContentStore {
  readonly kind = 'json';
  private readonly files: JsonFiles;
  private readonly lock: DirectoryLock;
  private readonly journal: CommitJournal;
  private readonly planContext: PlanContext;
  private writable = true;
  /** Set by open() when the files were written by newer code: reads work, writes are refused. */
  schemaProblem: string | null = null;

  constructor(options: JsonStoreOptions) {
    this.files = new JsonFiles(options.dir);
    this.lock = new DirectoryLock(options.dir);
    this.journal = new CommitJournal(options.dir);
    const limits: PlanLimits = { auditLimit: options.auditLimit ?? 1_000, historyLimit: options.historyLimit ?? 20, opsLimit: options.opsLimit ?? 2_000 };
    this.planContext = { limits, editable: (collection) => this.editable(collection) };
  }

  /** False when the directory is on a read-only file system (Vercel, a read-only mount). */
  get isWritable(): boolean {
    return this.writable;
  }

  /**
   * Checks the directory and the schema version. The collections are read when first asked for
   * (a read, a write, `problems`), not here: a server at the `redis` stage never reads them.
   */
  async open(): Promise<void> {
    this.writable = await isWritableDirectory(this.files.dir);
    const meta = await this.files.meta();
    this.schemaProblem = meta.schemaVersion > SCHEMA_VERSION ? new SchemaTooNewError(meta.schemaVersion, SCHEMA_VERSION).message : null;
    if (!this.writable || this.schemaProblem) return;
    if (meta.schemaVersion < SCHEMA_VERSION) {
      await this.mutate(async () => {
        const fresh = await this.files.meta();
        if (fresh.schemaVersion < SCHEMA_VERSION) await this.files.saveMeta({ ...fresh, schemaVersion: SCHEMA_VERSION });
      });
    } else if ((await this.journal.read()) !== null) {
      // A commit cut off by a crash: completed now rather than at the next write. Where it cannot
      // be (its collection file damaged since), the store still opens for reads and every write
      // says why it waits.
      await this.mutate(async () => undefined).catch(() => undefined);
    }
  }

  async close(): Promise<void> {}

  /**
   * Lets go of a collection's in-memory copy (its documents and indexes: about 6 KB a document)
   * if nothing used it for `idleMs`. The migrating store calls it while the collection is at
   * `redis`, where only an operator's job reads the file; whatever asks for the collection later
   * (a verify, a rollback) reads the file again.
   */
  release(collection: Collection, idleMs: number): void {
    this.files.forgetCollection(collection, idleMs);
  }

  /** Whether the collection's documents are held in memory (read, and not released since). */
  holdsInMemory(collection: Collection): boolean {
    return this.files.holdsCollection(collection);
  }

  /**
   * Entries of a collection file that could not be read (bad ids, duplicates): logged at start
   * where the stage reads the file; they make the collection refuse edits. Reads the file if it
   * was not read yet, and throws if it is not valid JSON.
   */
  async problems(collection: Collection) {
    return (await this.files.collection(collection)).problems;
  }

  async get(collection: Collection, id: string): Promise<Doc | null> {
    return (await this.files.collection(collection)).byId.get(id) ?? null;
  }

  async getMany(collection: Collection, ids: readonly string[]): Promise<(Doc | null)[]> {
    const { byId } = await this.files.collection(collection);
    return ids.map((id) => byId.get(id) ?? null);
  }

  async list(collection: Collection, query: ListQuery): Promise<Page<Doc>> {
    return pageOf(await this.files.collection(collection), query);
  }

  async getRaw(collection: Collection, id: string): Promise<RawDoc | null> {
    const doc = await this.get(collection, id);
    return doc ? rawOf(doc) : null;
  }

  async listRaw(collection: Collection, query: ListQuery): Promise<RawPage> {
    // The page and its revision from the same read of the file.
    const state = await this.files.collection(collection);
    const page = pageOf(state, query);
    return { itemsJson: itemsJsonOf(page.items), total: page.total, nextCursor: page.nextCursor, revision: state.revision };
  }

  async head(collection: Collection, id: string): Promise<Head> {
    const doc = await this.get(collection, id);
    const meta = await this.files.meta();
    return { doc, version: doc?.metadata.version ?? meta.tombstones[collection]?.[id] ?? 0 };
  }

  async commit(collection: Collection, request: WriteRequest, fence?: CommitFence): Promise<WriteResult> {
    return this.mutate(async () => {
      const meta = await this.files.meta();
      // Under the lock, which a change of stage also holds while it is written (recordSwitch): a
      // write that passes here is saved before any switch, and one planned before it is refused.
      if (fence && (meta.switchEpoch ?? 0) > fence.epoch) throw new StageChangedError();
      const applied = meta.ops[opKey(request.opId)];
      if (applied !== undefined) return { outcome: 'duplicate', version: versionIfSameTarget(applied, collection, request.id) };
      const current = (await this.editable(collection)).byId.get(request.id) ?? null;
      const headVersion = current?.metadata.version ?? meta.tombstones[collection]?.[request.id] ?? 0;
      const what = collectionInfo[collection].singular;
      if (request.kind === 'create' && current) throw new AlreadyExistsError(what, request.id);
      if (request.kind !== 'create' && !current) throw new NotFoundError(what, request.id);
      if (headVersion !== request.baseVersion) throw new VersionConflictError(request.id, request.baseVersion, headVersion);

      const version = request.doc?.metadata.version ?? request.baseVersion + 1;
      await this.commitPlan({
        planId: newPlanId(),
        collection,
        docs: [request.doc ? { id: request.id, doc: request.doc } : { id: request.id, deletedVersion: version }],
        history: request.history ? [{ id: request.id, entry: request.history }] : [],
        audits: [request.audit],
        ops: { [opKey(request.opId)]: { version, collection, id: request.id } },
        // Saved with the commit: a switch to Redis makes this copy itself if it has not landed.
        owed: fence?.owesCopy ? [request.id] : [],
        counters: countersAfter(meta, [request.audit]),
      });
      return { outcome: 'applied', version };
    });
  }

  async history(collection: Collection, id: string, limit: number): Promise<HistoryEntry[]> {
    return (await this.files.history(collection, id)).slice(0, limit);
  }

  async audit(query: AuditQuery): Promise<Page<AuditEntry>> {
    const entries = await this.files.audit();
    return pageAudit(async (position, sinceMs, count) => {
      const out: AuditEntry[] = [];
      let skipped = 0;
      for (let index = entries.length - 1; index >= 0 && out.length < count; index -= 1) {
        const entry = entries[index] as AuditEntry;
        const ms = entryMs(entry);
        if (ms > position.beforeMs) continue;
        if (ms < sinceMs) break;
        if (ms === position.beforeMs && skipped < position.skip) {
          skipped += 1;
          continue;
        }
        out.push(entry);
      }
      return out;
    }, query);
  }

  async auditStats(): Promise<AuditStats> {
    return toAuditStats((await this.files.meta()).counters);
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.mutate(async () => {
      const audits = await newAudits(this.files, [entry]);
      if (audits.length === 0) return;
      const counters = countersAfter(await this.files.meta(), audits);
      await this.commitPlan({ planId: newPlanId(), collection: 'projects', docs: [], history: [], audits, ops: {}, owed: [], counters });
    });
  }

  async manifest(collection: Collection, cursor: string | null, count: number) {
    const { byId, order } = await this.files.collection(collection);
    const after = cursor === null ? null : decodeCursor(cursor);
    const start = after === null ? 0 : firstOlderThan(order, after);
    const slice = start < 0 ? [] : order.slice(start, start + count);
    const entries: ManifestEntry[] = slice.map((member) => {
      const doc = byId.get(idOfMember(member)) as Doc;
      return { id: doc.id, version: doc.metadata.version, checksum: doc.metadata.checksum };
    });
    const last = slice[slice.length - 1];
    return { entries, cursor: last !== undefined && start + count < order.length ? encodeCursor(last) : null };
  }

  async putIfNewer(collection: Collection, items: readonly ReplicaItem[], options: ReplicaOptions = {}): Promise<ReplicaOutcome[]> {
    if (items.length === 0) return [];
    return this.mutate(() => this.applyReplicas(collection, items, options));
  }

  /** putIfNewer's work, for a caller that holds the directory lock already. */
  private async applyReplicas(collection: Collection, items: readonly ReplicaItem[], options: ReplicaOptions): Promise<ReplicaOutcome[]> {
    const meta = await this.files.meta();
    const { byId } = await this.editable(collection);
    const tombstones = meta.tombstones[collection] ?? {};
    const plan: CommitPlan = { planId: newPlanId(), collection, docs: [], history: [], audits: [], ops: {}, owed: [], counters: {} };
    /** What the plan leaves each id at so far: an id copied twice in one batch is compared with the first copy. */
    const planned = new Map<string, number>();
    const outcomes: ReplicaOutcome[] = [];
    for (const item of items) {
      // Recorded even where the copy is skipped as not newer: the operation was applied all the
      // same. A record there already is this operation's (or, for a reused key, the first one's).
      const key = item.op ? opKey(item.op.id) : undefined;
      if (item.op && key !== undefined && meta.ops[key] === undefined) plan.ops[key] ??= { version: item.op.version, collection, id: item.id };
      const current = planned.get(item.id) ?? byId.get(item.id)?.metadata.version ?? tombstones[item.id] ?? 0;
      const incoming = 'doc' in item ? item.doc.metadata.version : item.deletedVersion;
      const newer = options.replaceEqual ? incoming >= current : incoming > current;
      if (!newer) {
        outcomes.push('skipped');
        continue;
      }
      planned.set(item.id, incoming);
      plan.docs.push('doc' in item ? { id: item.id, doc: item.doc } : { id: item.id, deletedVersion: item.deletedVersion });
      if (item.history) plan.history.push({ id: item.id, entry: item.history });
      if (item.audit) plan.audits.push(item.audit);
      outcomes.push('applied');
    }
    plan.audits = await newAudits(this.files, plan.audits);
    plan.counters = countersAfter(meta, plan.audits);
    if (outcomes.includes('applied') || Object.keys(plan.ops).length > 0) await this.commitPlan(plan);
    return outcomes;
  }

  async ping(): Promise<number> {
    const started = performance.now();
    await this.files.meta();
    return performance.now() - started;
  }

  /**
   * Writes a change of stage (`write`, which returns the switch's epoch: `epoch` as asked, or
   * past it) holding the directory lock that every commit holds, and records the epoch in
   * meta.json: no commit runs while the stage changes, and one planned before the change is
   * refused after it (CommitFence). `write` gets what it may do to the files under that lock:
   * the copies the switch must make.
   */
  async recordSwitch(epoch: number, write: (locked: LockedJson) => Promise<number>): Promise<void> {
    const putLocked = this.locked();
    // Files that cannot be written take no commits, so there is nothing to hold off or record.
    if (!this.writable) {
      await write(putLocked);
      return;
    }
    let recorded = false;
    const record = async (switched: number) => {
      const meta = structuredClone(await this.files.meta());
      if ((meta.switchEpoch ?? 0) >= switched) return;
      meta.switchEpoch = switched;
      await this.files.saveMeta(meta);
    };
    try {
      await this.lock.run(async () => {
        // A commit cut off by a crash first: the copies it owes must be on record for the switch.
        await this.recover();
        // Recorded before the switch is written, so a switch cut off halfway (a lost reply, a
        // killed process) leaves the files refusing what was planned before it, not taking it.
        // If it never reached Redis, the router raises Redis's epoch to this (raiseEpoch.lua).
        await record(epoch);
        recorded = true;
        await record(await write(putLocked));
      });
    } catch (error) {
      // Found read-only before anything was recorded: no commit can reach these files, so the
      // switch needs no lock. Any later failure is the switch's own, and is reported as such.
      if (!isReadOnlyFsError(error) || recorded) throw error;
      this.writable = false;
      await write(putLocked);
    }
  }

  /** What may be done to the files by a caller that holds their lock. */
  private locked(): LockedJson {
    return {
      put: (collection, items) => this.applyReplicas(collection, items, {}),
      owedCopies: (collection) => this.owedCopies(collection),
      clearOwedCopies: async (collection) => {
        const meta = structuredClone(await this.files.meta());
        if (!meta.owedCopies?.[collection]?.length) return;
        delete meta.owedCopies[collection];
        await this.files.saveMeta(meta);
      },
    };
  }

  /** Ids committed here whose copy to Redis is owed (see LockedJson); read without the lock. */
  async owedCopies(collection: Collection): Promise<string[]> {
    return [...((await this.files.meta()).owedCopies?.[collection] ?? [])];
  }

  /** Runs `work` holding the directory lock every commit holds (the migration engine's copies owed). */
  async withLock<T>(work: (locked: LockedJson) => Promise<T>): Promise<T> {
    return this.mutate(() => work(this.locked()));
  }

  /** The epoch of the last switch these files recorded (recordSwitch); 0 before the first. */
  async switchEpoch(): Promise<number> {
    return (await this.files.meta()).switchEpoch ?? 0;
  }

  /** Runs a write under the directory lock, translating a read-only file system into READ_ONLY. */
  private async mutate<T>(work: () => Promise<T>): Promise<T> {
    if (!this.writable) throw readOnly();
    const { schemaVersion } = await this.files.meta();
    if (schemaVersion > SCHEMA_VERSION) throw new SchemaTooNewError(schemaVersion, SCHEMA_VERSION);
    try {
      return await this.lock.run(async () => {
        await this.recover();
        return work();
      });
    } catch (error) {
      if (isReadOnlyFsError(error)) {
        this.writable = false;
        throw readOnly();
      }
      throw error;
    }
  }

  /**
   * A collection's documents, to be changed and saved. A file with entries this store could not
   * read (no valid id, a duplicate, not an array at all) is refused: saving it would drop them.
   */
  private async editable(collection: Collection): Promise<CollectionState> {
    const state = await this.files.collection(collection);
    if (state.problems.length > 0) {
      const first = state.problems[0] as LoadProblem;
      throw new ReadOnlyError(
        `${collection}.json has ${state.problems.length} entr${state.problems.length === 1 ? 'y' : 'ies'} this server cannot read ` +
          `(${first.index >= 0 ? `entry ${first.index}: ` : ''}${first.reason}); fix the file before editing ${collection}, so that nothing in it is lost`,
      );
    }
    return state;
  }

  /** Journals a commit's plan, applies it, and clears the journal; under the lock. */
  private async commitPlan(plan: CommitPlan): Promise<void> {
    await this.journal.write(plan);
    await applyPlan(this.files, plan, this.planContext);
    await this.journal.clear(plan.planId);
  }

  /** Completes a commit that a process which died mid-way left in the journal; under the lock. */
  private async recover(): Promise<void> {
    const plan = await this.journal.read();
    if (plan === null) return;
    try {
      await applyPlan(this.files, plan, this.planContext);
    } catch (error) {
      if (!(error instanceof ContentKvError)) throw error;
      throw new ReadOnlyError(`a write to ${plan.collection} that a crash cut off cannot be completed, and writes wait until it can: ${error.message}`);
    }
    await this.journal.clear(plan.planId);
  }
}

function newPlanId(): string {
  return randomBytes(8).toString('hex');
}

function readOnly(): ReadOnlyError {
  return new ReadOnlyError('the JSON files are on a read-only file system and cannot take writes; configure Redis (REDIS_URL or KV_REST_API_URL) to edit content here');
}


/** A page of a collection's documents, newest first, from the state one read of the file gave. */
function pageOf({ byId, order }: CollectionState, query: ListQuery): Page<Doc> {
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const items: Doc[] = [];
  let total = 0;
  let nextCursor: string | null = null;
  for (const member of order) {
    const doc = byId.get(idOfMember(member)) as Doc;
    if (!matchesQuery(doc, query)) continue;
    total += 1;
    if (after !== null && member >= after) continue;
    if (items.length < query.limit) items.push(doc);
    else if (nextCursor === null) nextCursor = encodeCursor(sortMember(items[items.length - 1] as Doc));
  }
  return { items, total, nextCursor };
}

/** Index of the first member older than `after` in members sorted newest first (binary search); -1 if none. */
function firstOlderThan(order: readonly string[], after: string): number {
  let low = 0;
  let high = order.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((order[middle] as string) < after) high = middle;
    else low = middle + 1;
  }
  return low < order.length ? low : -1;
}

/**
 * The key of an operation id in `ops`. Prefixed, because an object lists integer-like keys
 * (an Idempotency-Key of digits only) first, whatever their age: trimOldest would drop the
 * newest operation instead of the oldest.
 */
function opKey(opId: string): string {
  return `op:${opId}`;
}
