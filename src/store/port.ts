/**
 * The ContentStore port: everything the service, the migration engine and export need from a
 * store. JSON files, Redis and the migrating router each implement it in their own folder.
 *
 * Writes are computed by the caller and committed here: `head` reads the current document and
 * version, the caller builds the next document with its audit and history entries, and
 * `commit` applies it as one compare-and-set on `baseVersion`. That is two round trips for any
 * write, and the diff in the audit entry is exact because the CAS proves nothing changed between.
 */
import type { AuditEntry, AuditStats, EntityType, FieldChange } from '../domain/audit.js';
import type { Collection, Doc } from '../domain/collections.js';
import type { Status } from '../domain/fields.js';

export interface ListQuery {
  /** Which statuses to list; `any` lists all. */
  status: Status | 'any';
  featured?: boolean | undefined;
  tag?: string | undefined;
  /** 1 to 100. */
  limit: number;
  cursor?: string | null | undefined;
}

export interface Page<T> {
  items: T[];
  /** Matching documents in all pages; null where counting would mean scanning (combined filters). */
  total: number | null;
  nextCursor: string | null;
}

/**
 * A document as stored, as JSON text, with what an edge needs to answer without parsing it.
 * Reads that only pass a document on (REST GETs) splice the text into the response as it is.
 */
export interface RawDoc {
  json: string;
  status: string;
  version: number;
  checksum: string;
}

/** A list page with its items as one JSON array text, and a token that changes whenever the collection does. */
export interface RawPage {
  itemsJson: string;
  /**
   * The UTF-8 length of itemsJson, where the store kept it with the page (the near cache): the
   * response's Content-Length then costs no scan of the page text on every request.
   */
  itemsBytes?: number;
  total: number | null;
  nextCursor: string | null;
  /** Changes with every write to the collection: enough for a weak ETag of any page of it. */
  revision: string;
  /** pageTag(this page), where the store keeps it with the page (the near cache). */
  tag?: string;
}

/** The current document, and the version the next write must be based on (a deleted id keeps counting). */
export interface Head {
  doc: Doc | null;
  version: number;
}

export interface HistoryEntry {
  version: number;
  document: Doc;
  replacedAt: string;
  replacedBy: {
    version: number;
    action: 'update' | 'delete';
    source: string;
    clientId?: string | undefined;
    changes: FieldChange[];
  };
}

export interface WriteRequest {
  kind: 'create' | 'update' | 'delete';
  id: string;
  /** The version the change was computed from; the commit fails with VERSION_CONFLICT if it moved. */
  baseVersion: number;
  /** The next document (create, update), or null (delete). */
  doc: Doc | null;
  /** The document replaced (update, delete), or null (create). */
  previous: Doc | null;
  audit: AuditEntry;
  history: HistoryEntry | null;
  /** Idempotency key: a commit with an id already applied returns the first result and changes nothing. */
  opId: string;
}

/**
 * Asked of the authoritative store's commit by the stage router, so that a write planned under
 * one migration stage cannot commit after the stage changed: by then another instance may be
 * committing to the other store. `epoch` is the migration state's epoch the write was planned
 * under. Every change of stage records its own epoch in both stores as a switch: in Redis in the
 * same step as the stage (switchStage.lua), in the JSON files' meta under the directory lock
 * every JSON commit holds. A commit planned under an earlier epoch than the last switch its store
 * holds is refused with StageChangedError, and nothing is written. Neither check needs the
 * other store: a JSON commit never waits on Redis under its lock.
 */
export interface CommitFence {
  epoch: number;
  /**
   * The stage copies this write to the other store: the store records the id as owed with the
   * commit (Redis in the script, the JSON files in meta.json), for a switch of the authoritative
   * store to make the copy if it has not landed.
   */
  owesCopy: boolean;
}

export interface WriteResult {
  /** `duplicate`: this opId was applied before; nothing changed now. */
  outcome: 'applied' | 'duplicate';
  version: number;
}

/**
 * A document as another store has it, for migration: a live document or a deletion at a version.
 * A copy of a committed write carries its operation (`op`: the idempotency key and the version
 * the write produced), and the receiving store records the key as its commit would have, even
 * where it skips the copy as not newer: a retry sent after the migration made that store
 * authoritative is still answered as a retry. Backfill and repair copies carry none.
 */
export type ReplicaItem =
  | { id: string; doc: Doc; audit?: AuditEntry | undefined; history?: HistoryEntry | null | undefined; op?: ReplicaOp | undefined }
  | { id: string; deletedVersion: number; audit?: AuditEntry | undefined; history?: HistoryEntry | null | undefined; op?: ReplicaOp | undefined };

export interface ReplicaOp {
  /** The write's idempotency key (WriteRequest.opId). */
  id: string;
  /** The version the write produced (a retry's copy may carry a newer document). */
  version: number;
}

export interface ReplicaOptions {
  /** Also replace a document at the same version (repair of a divergent copy); never an older one. */
  replaceEqual?: boolean;
}

/** `applied`, or `skipped` because this store already holds the same or a newer version. */
export type ReplicaOutcome = 'applied' | 'skipped';

export interface ManifestEntry {
  id: string;
  version: number;
  checksum: string;
}

export interface AuditQuery {
  entityType?: EntityType | undefined;
  entityId?: string | undefined;
  source?: AuditEntry['source'] | undefined;
  action?: AuditEntry['action'] | undefined;
  /** ISO timestamps, inclusive. */
  since?: string | undefined;
  until?: string | undefined;
  limit: number;
  cursor?: string | null | undefined;
}

export interface ContentStore {
  /** `json`, `redis-tcp`, `redis-cluster`, `redis-rest` or `migrating`. */
  readonly kind: string;
  /** Checks the schema version and prepares the store; call once before use. */
  open(): Promise<void>;
  /** Why writes are refused because newer code wrote this store (found at open), or null. */
  readonly schemaProblem: string | null;
  close(): Promise<void>;

  get(collection: Collection, id: string): Promise<Doc | null>;
  getMany(collection: Collection, ids: readonly string[]): Promise<(Doc | null)[]>;
  list(collection: Collection, query: ListQuery): Promise<Page<Doc>>;
  getRaw(collection: Collection, id: string): Promise<RawDoc | null>;
  listRaw(collection: Collection, query: ListQuery): Promise<RawPage>;
  head(collection: Collection, id: string): Promise<Head>;
  commit(collection: Collection, request: WriteRequest, fence?: CommitFence): Promise<WriteResult>;

  history(collection: Collection, id: string, limit: number): Promise<HistoryEntry[]>;
  audit(query: AuditQuery): Promise<Page<AuditEntry>>;
  auditStats(): Promise<AuditStats>;
  /** Records an event that is not a document write (a migration transition, a forced move). */
  appendAudit(entry: AuditEntry): Promise<void>;

  /** Every document's id, version and checksum, a page at a time, in a stable order. */
  manifest(collection: Collection, cursor: string | null, count: number): Promise<{ entries: ManifestEntry[]; cursor: string | null }>;
  /** Writes each item only where this store has it absent or older, atomically per item. */
  putIfNewer(collection: Collection, items: readonly ReplicaItem[], options?: ReplicaOptions): Promise<ReplicaOutcome[]>;

  /** Round-trip time of a trivial call, in ms; throws when the store is unreachable. */
  ping(): Promise<number>;
}
