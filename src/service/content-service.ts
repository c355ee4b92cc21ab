/**
 * The content rules shared by REST and MCP: validation, partial updates, publish state, audit,
 * history and undo. It knows only the ContentStore port, and takes the clock and id source as
 * dependencies so tests are deterministic.
 */
import type { Actor } from '../domain/audit.js';
import { withChecksum } from '../domain/canonical.js';
import { collectionInfo, type Collection, type Doc } from '../domain/collections.js';
import {
  IdempotencyKeyReusedError, NotFoundError, UnauthorizedError, ValidationError, VersionConflictError,
} from '../domain/errors.js';
import type { Status } from '../domain/fields.js';
import { idSchema, newOpId, opIdSchema, slugify } from '../domain/ids.js';
import { mergePatch } from '../domain/patch.js';
import type { AuditQuery, ContentStore, Head, HistoryEntry, ListQuery, Page, RawDoc, RawPage, WriteRequest } from '../store/port.js';
import { assertDocumentSize, parseInput } from './validation.js';
import { auditEntryFor, changesBetween, historyEntryFor, type WriteMeta } from './write-plan.js';

export interface Viewer {
  /** Token holders see drafts and archived documents; anonymous callers see published ones only. */
  canSeeUnpublished: boolean;
}

export interface WriteOptions {
  /** Fail with VERSION_CONFLICT unless the document is at this version. */
  expectedVersion?: number | undefined;
  /** Idempotency key: the same key twice applies the write once. */
  opId?: string | undefined;
}

export interface WriteOutcome {
  doc: Doc | null;
  version: number;
  /** True when this was a retry of a write already applied. */
  duplicate: boolean;
}

/** The outcome of a write that leaves a document: create, update, restore. */
export interface SavedOutcome extends WriteOutcome {
  doc: Doc;
}

export interface ContentServiceDeps {
  store: ContentStore;
  now?: () => Date;
  newId?: () => string;
  /** Attempts for a write without expectedVersion that races another writer. */
  maxWriteAttempts?: number;
}

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/** Hears every write this service sends, once it has returned or failed: the collection and id it touched. */
export type WriteListener = (c: Collection, id: string) => void;

export class ContentService {
  readonly store: ContentStore;
  private readonly now: () => Date;
  private readonly newId: () => string;
  private readonly maxAttempts: number;
  private readonly writeListeners = new Set<WriteListener>();

  constructor(deps: ContentServiceDeps) {
    this.store = deps.store;
    this.now = deps.now ?? (() => new Date());
    this.newId = deps.newId ?? newOpId;
    this.maxAttempts = deps.maxWriteAttempts ?? 5;
  }

  async get(c: Collection, id: string, viewer: Viewer): Promise<Doc> {
    const doc = await this.store.get(c, parseInput(idSchema, id, 'the id'));
    if (!doc || (!viewer.canSeeUnpublished && doc.metadata.status !== 'published')) throw new NotFoundError(collectionInfo[c].singular, id);
    return doc;
  }

  async list(c: Collection, query: Partial<ListQuery>, viewer: Viewer): Promise<Page<Doc>> {
    return this.store.list(c, this.listQuery(query, viewer));
  }

  /** A page as JSON text, for edges that pass it on without looking inside. */
  async listRaw(c: Collection, query: Partial<ListQuery>, viewer: Viewer): Promise<RawPage> {
    return this.store.listRaw(c, this.listQuery(query, viewer));
  }

  /** A document as JSON text, for edges that pass it on without looking inside. */
  async getRaw(c: Collection, id: string, viewer: Viewer): Promise<RawDoc> {
    const raw = await this.store.getRaw(c, parseInput(idSchema, id, 'the id'));
    if (!raw || (!viewer.canSeeUnpublished && raw.status !== 'published')) throw new NotFoundError(collectionInfo[c].singular, id);
    return raw;
  }

  private listQuery(query: Partial<ListQuery>, viewer: Viewer): ListQuery {
    const status: Status | 'any' = query.status ?? (viewer.canSeeUnpublished ? 'any' : 'published');
    if (!viewer.canSeeUnpublished && status !== 'published') {
      throw new UnauthorizedError(`listing ${status} content needs a token; anonymous callers see published content only`);
    }
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw new ValidationError(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`, [{ path: 'limit', message: 'out of range' }]);
    }
    return { status, featured: query.featured, tag: query.tag, limit, cursor: query.cursor ?? null };
  }

  async create(c: Collection, input: unknown, actor: Actor, options: WriteOptions = {}): Promise<SavedOutcome> {
    const info = collectionInfo[c];
    const body = parseInput(info.createSchema, input, `the ${info.singular}`);
    const opId = this.opIdOf(options);
    const named = body.id !== undefined;
    const { id, head } = body.id === undefined ? await this.freeSlug(c, slugify(body.title)) : { id: body.id, head: await this.store.head(c, body.id) };
    const now = this.now();
    const version = head.version + 1;
    const doc = this.finish(c, {
      ...body,
      id,
      metadata: {
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
        featured: body.metadata?.featured ?? false,
        status: body.metadata?.status ?? 'draft',
        version,
        checksum: '',
      },
    });
    const meta = this.meta(actor, now, opId);
    try {
      return await this.save(c, {
        kind: 'create', id, baseVersion: head.version, doc, previous: null, opId,
        audit: auditEntryFor(c, 'create', id, changesBetween(null, doc), version, doc.metadata.checksum, meta),
        history: null,
      });
    } catch (error) {
      // A retry of a create that named no id finds the slug taken by its first attempt and
      // derives the next free one, which the key was not used for: answer for the one it took.
      const usedFor = error instanceof IdempotencyKeyReusedError ? error.usedFor : null;
      if (!named && usedFor?.collection === c && isDerivedSlug(slugify(body.title), usedFor.id)) return this.create(c, { ...body, id: usedFor.id }, actor, options);
      throw error;
    }
  }

  async update(c: Collection, id: string, patchInput: unknown, actor: Actor, options: WriteOptions = {}): Promise<SavedOutcome> {
    const info = collectionInfo[c];
    const patch = parseInput(info.patchSchema, patchInput, `the ${info.singular} update`);
    return this.rewrite(c, id, actor, options, (current) => mergePatch(current as unknown as Record<string, unknown>, patch) as unknown as Doc);
  }

  async setStatus(c: Collection, id: string, status: Status, actor: Actor, options: WriteOptions = {}): Promise<SavedOutcome> {
    return this.update(c, id, { metadata: { status } }, actor, options);
  }

  async delete(c: Collection, id: string, actor: Actor, options: WriteOptions = {}): Promise<WriteOutcome> {
    parseInput(idSchema, id, 'the id');
    const opId = this.opIdOf(options);
    for (let attempt = 1; ; attempt += 1) {
      const head = await this.store.head(c, id);
      if (!head.doc && options.opId === undefined) throw new NotFoundError(collectionInfo[c].singular, id);
      const baseVersion = this.baseVersion(id, head.version, options);
      const previous = head.doc as Doc;
      const now = this.now();
      const meta = this.meta(actor, now, opId);
      const version = baseVersion + 1;
      try {
        return await this.commit(c, {
          kind: 'delete', id, baseVersion, doc: null, previous, opId,
          audit: auditEntryFor(c, 'delete', id, [], version, previous?.metadata.checksum, meta),
          history: previous ? historyEntryFor(previous, 'delete', version, [], meta) : null,
        });
      } catch (error) {
        if (!this.shouldRetry(error, options, attempt)) throw error;
      }
    }
  }

  /** The versions edits replaced, newest first; NOT_FOUND for an id that never existed (a deleted one has a history). */
  async history(c: Collection, id: string, limit = 20): Promise<HistoryEntry[]> {
    const valid = parseInput(idSchema, id, 'the id');
    const entries = await this.store.history(c, valid, Math.min(Math.max(1, limit), 100));
    // Empty for a document never edited too; only then is the head worth a read.
    if (entries.length === 0 && (await this.store.head(c, valid)).version === 0) throw new NotFoundError(collectionInfo[c].singular, valid);
    return entries;
  }

  /** Puts back the content a document had at `version`: the undo of an edit, or of a delete. */
  async restore(c: Collection, id: string, version: number, actor: Actor, options: WriteOptions = {}): Promise<SavedOutcome> {
    const entries = await this.history(c, id, 100);
    const entry = entries.find((candidate) => candidate.version === version);
    if (!entry) {
      const known = entries.map((candidate) => candidate.version);
      throw new NotFoundError(`version ${version} of ${collectionInfo[c].singular}`, id, `versions in its history: ${known.join(', ') || 'none'}`, { versions: known });
    }
    const head = await this.store.head(c, id);
    if (head.doc) {
      const { metadata: _old, ...content } = entry.document;
      return this.rewrite(c, id, actor, options, (current) => ({ ...content, metadata: { ...entry.document.metadata, createdAt: current.metadata.createdAt } }) as Doc, version);
    }
    const opId = this.opIdOf(options);
    const now = this.now();
    const doc = this.finish(c, { ...entry.document, metadata: { ...entry.document.metadata, updatedAt: now.toISOString(), version: head.version + 1 } });
    const meta = { ...this.meta(actor, now, opId), restoredFrom: version };
    return this.save(c, {
      kind: 'create', id, baseVersion: head.version, doc, previous: null, opId,
      audit: auditEntryFor(c, 'create', id, changesBetween(null, doc), doc.metadata.version, doc.metadata.checksum, meta),
      history: null,
    });
  }

  audit(query: AuditQuery) {
    return this.store.audit(query);
  }

  auditStats() {
    return this.store.auditStats();
  }

  /** Read-modify-write with compare-and-set, retried on a race only when the caller named no version. */
  private async rewrite(c: Collection, id: string, actor: Actor, options: WriteOptions, change: (current: Doc) => Doc, restoredFrom?: number): Promise<SavedOutcome> {
    parseInput(idSchema, id, 'the id');
    const opId = this.opIdOf(options);
    for (let attempt = 1; ; attempt += 1) {
      const head = await this.store.head(c, id);
      if (!head.doc && options.opId === undefined) throw new NotFoundError(collectionInfo[c].singular, id);
      const baseVersion = this.baseVersion(id, head.version, options);
      const current = head.doc;
      const now = this.now();
      let next: Doc | null = null;
      if (current) {
        const changed = change(current);
        next = this.finish(c, {
          ...changed,
          id,
          metadata: { ...changed.metadata, createdAt: current.metadata.createdAt, updatedAt: now.toISOString(), version: baseVersion + 1 },
        });
      }
      const changes = changesBetween(current, next);
      if (current && next && baseVersion === head.version && changes.length === 0 && restoredFrom === undefined) {
        return { doc: current, version: current.metadata.version, duplicate: false };
      }
      const meta = { ...this.meta(actor, now, opId), restoredFrom };
      try {
        return await this.save(c, {
          kind: 'update', id, baseVersion, doc: next, previous: current, opId,
          audit: auditEntryFor(c, 'update', id, changes, baseVersion + 1, next?.metadata.checksum, meta),
          history: current ? historyEntryFor(current, 'update', baseVersion + 1, changes, meta) : null,
        });
      } catch (error) {
        if (!this.shouldRetry(error, options, attempt)) throw error;
      }
    }
  }

  /** The version to compare against: the caller's, failing fast when it is already stale. */
  private baseVersion(id: string, headVersion: number, options: WriteOptions): number {
    if (options.expectedVersion === undefined) return headVersion;
    // With an idempotency key the script must see the write, to recognise a retry of one applied.
    if (options.opId === undefined && options.expectedVersion !== headVersion) {
      throw new VersionConflictError(id, options.expectedVersion, headVersion);
    }
    return options.expectedVersion;
  }

  private shouldRetry(error: unknown, options: WriteOptions, attempt: number): boolean {
    return error instanceof VersionConflictError && options.expectedVersion === undefined && attempt < this.maxAttempts;
  }

  /** Calls `listener` after every write, applied or not (a failed write may have been applied). */
  onWrite(listener: WriteListener): () => void {
    this.writeListeners.add(listener);
    return () => this.writeListeners.delete(listener);
  }

  private async commit(c: Collection, request: WriteRequest): Promise<WriteOutcome> {
    let result;
    try {
      result = await this.store.commit(c, request);
    } finally {
      for (const listener of this.writeListeners) listener(c, request.id);
    }
    if (result.outcome === 'duplicate') {
      return { doc: await this.store.get(c, request.id), version: result.version, duplicate: true };
    }
    return { doc: request.doc, version: result.version, duplicate: false };
  }

  /**
   * A commit that leaves a document. A retry of a write applied before, whose document has been
   * deleted since, has none to show: NOT_FOUND, as a read of it would answer.
   */
  private async save(c: Collection, request: WriteRequest): Promise<SavedOutcome> {
    const outcome = await this.commit(c, request);
    if (!outcome.doc) throw new NotFoundError(collectionInfo[c].singular, request.id);
    return { ...outcome, doc: outcome.doc };
  }

  /** Validates a complete document against the collection schema and stamps its checksum. */
  private finish(c: Collection, candidate: unknown): Doc {
    const info = collectionInfo[c];
    const draft = { ...(candidate as Doc), metadata: { ...(candidate as Doc).metadata, checksum: '0'.repeat(64) } };
    const valid = parseInput(info.schema, draft, `the resulting ${info.singular}`);
    assertDocumentSize(valid);
    return withChecksum(valid);
  }

  private meta(actor: Actor, now: Date, opId: string): WriteMeta {
    return { actor, now, auditId: this.newId(), opId };
  }

  private opIdOf(options: WriteOptions): string {
    return options.opId === undefined ? this.newId() : parseInput(opIdSchema, options.opId, 'the idempotency key');
  }

  /** The first free id derived from the title, with its head (so the create needs no second read). */
  private async freeSlug(c: Collection, base: string): Promise<{ id: string; head: Head }> {
    for (let suffix = 1; suffix < 50; suffix += 1) {
      const candidate = suffix === 1 ? base : `${base.slice(0, 120)}-${suffix}`;
      const head = await this.store.head(c, candidate);
      if (!head.doc) return { id: candidate, head };
    }
    const id = `${base.slice(0, 100)}-${this.newId().slice(0, 8)}`;
    return { id, head: await this.store.head(c, id) };
  }
}

/** Whether freeSlug could have derived `id` from `base`: the base, a numbered one, or one with 8 random characters. */
function isDerivedSlug(base: string, id: string): boolean {
  if (id === base) return true;
  const numbered = `${base.slice(0, 120)}-`;
  if (id.startsWith(numbered) && /^\d+$/.test(id.slice(numbered.length))) return true;
  const random = `${base.slice(0, 100)}-`;
  return id.startsWith(random) && id.length === random.length + 8;
}
