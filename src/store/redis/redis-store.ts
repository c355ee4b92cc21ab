/**
 * The Redis store, over any driver (TCP, Cluster, REST). Every read is one round trip, a list
 * page two (ids from an index, then the documents) or one on a cache hit, and every write two
 * (the caller's `head`, then one Lua script that does the whole write atomically). With a near
 * cache (single-node TCP), repeated reads of documents and pages take none until they change.
 */
import type { AuditEntry, AuditStats } from '../../domain/audit.js';
import { collectionInfo, COLLECTIONS, type Collection, type Doc } from '../../domain/collections.js';
import { AlreadyExistsError, NotFoundError, SchemaTooNewError, StageChangedError, VersionConflictError } from '../../domain/errors.js';
import { SCHEMA_VERSION } from '../../domain/schema-version.js';
import { counterFields, toAuditStats } from '../audit-stats.js';
import { entryMs, pageAudit } from '../audit-paging.js';
import { matchesQuery } from '../matching.js';
import { keyReused } from '../op-record.js';
import { pageTag } from '../page-tag.js';
import { itemsJsonOf } from '../raw-json.js';
import { decodeCursor, encodeCursor, idOfMember } from '../ordering.js';
import type {
  AuditQuery, CommitFence, ContentStore, Head, HistoryEntry, ListQuery, ManifestEntry, Page, RawDoc, RawPage, ReplicaItem, ReplicaOptions, ReplicaOutcome, WriteRequest, WriteResult,
} from '../port.js';
import type { RedisCommand, RedisDriver } from './driver.js';
import type { KeyWatch } from './key-watch.js';
import { NearCache, type Ticket } from './near-cache.js';
import { redisKeys, tagToken, type RedisKeys } from './keys.js';
import { countCommand, mergeRanges, planList, rangeCommand } from './list-plan.js';
import { evalsha, execBatch, replyOf } from './script-runner.js';
import { SCRIPTS } from './scripts.js';
import { commitCommand, replicaBatchCommand, replicaCommand, type Limits } from './write-args.js';

export interface RedisStoreOptions {
  driver: RedisDriver;
  /** Key prefix with a hash tag; default `{contentkv}:`. */
  keyPrefix?: string;
  /** Audit entries kept (newest). */
  auditLimit?: number;
  /** Previous versions kept per document. */
  historyLimit?: number;
  /** Seconds an operation id is remembered, so a retry within it is not applied twice. */
  opTtlSeconds?: number;
  /** Seconds a cached first page of a list lives; 0 turns the list cache off. */
  listCacheTtlSeconds?: number;
  /**
   * Bytes of documents and list pages kept in process, invalidated by Redis client tracking
   * (near-cache.ts); 0 or absent: none. Only where the driver can watch keys (single-node TCP).
   */
  nearCacheBytes?: number;
}

/** What the near cache holds: a document (or its absence) under its key, a page under its query. */
type NearEntry = { doc: RawDoc | null } | { page: RawPage };

/** Documents per putManyIfNewer call: big enough to amortize the call, small enough to keep Redis responsive. */
const BATCH_PUT_SIZE = 100;

/** Filtered lists that over-select scan at most this many index entries per page. */
const MAX_POST_FILTER_SCAN = 2_000;

export class RedisStore implements ContentStore {
  readonly kind: string;
  readonly keys: RedisKeys;
  /** The connection; the migration keeps its state beside the content through it. */
  readonly driver: RedisDriver;
  private readonly limits: Limits;
  private readonly cacheTtl: number;
  /** Set by open() when the store was written by newer code: reads work, writes are refused. */
  schemaProblem: string | null = null;
  private nearCache: NearCache<NearEntry> | null;
  private watch: KeyWatch | null = null;

  constructor(options: RedisStoreOptions) {
    this.driver = options.driver;
    this.kind = options.driver.kind;
    this.keys = redisKeys(options.keyPrefix);
    this.limits = {
      auditLimit: options.auditLimit ?? 10_000,
      historyLimit: options.historyLimit ?? 20,
      opTtlSeconds: options.opTtlSeconds ?? 86_400,
    };
    this.cacheTtl = options.listCacheTtlSeconds ?? 30;
    const nearBytes = options.nearCacheBytes ?? 0;
    this.nearCache = nearBytes > 0 ? new NearCache<NearEntry>(nearBytes) : null;
  }

  /** Recent reads, while the key watch is live; null when there is none (off, or a driver that cannot watch keys). */
  get near(): NearCache<NearEntry> | null {
    return this.nearCache;
  }

  /** Round trips sent so far, counted at the driver. */
  get roundTrips(): number {
    return this.driver.roundTrips;
  }

  /** `idempotent`: the batch may be sent again after a failure (scripts keyed by an operation id, conditional puts). */
  private async exec(commands: readonly RedisCommand[], readOnly = false, idempotent = readOnly) {
    return execBatch(this.driver, commands, { readOnly, idempotent });
  }

  async open(): Promise<void> {
    const [found] = await this.exec([evalsha(SCRIPTS.raiseSchema, [this.keys.schemaVersion], [SCHEMA_VERSION])], false, true);
    const version = Number(replyOf(found));
    // Reads stay possible; the write scripts refuse on their own (they check the same key).
    this.schemaProblem = version > SCHEMA_VERSION ? new SchemaTooNewError(version, SCHEMA_VERSION).message : null;
    await this.startWatch();
  }

  /**
   * Documents change under `data:`, every page of a collection with its cache generation. Waits
   * for tracking to be on (or to fail: the cache then stays off until it comes on), so the first
   * requests already use the cache.
   */
  private async startWatch(): Promise<void> {
    const near = this.near;
    if (near === null || this.watch !== null) return;
    const prefixes = [`${this.keys.prefix}data:`, ...COLLECTIONS.map((c) => this.keys.cacheGeneration(c))];
    this.watch = this.driver.watchKeys?.(prefixes, {
      changed: (keys) => (keys === null ? near.reset() : keys.forEach((key) => near.invalidate(key))),
      live: (isLive) => near.setLive(isLive),
      confirmed: (atMs) => near.confirmed(atMs),
    }) ?? null;
    // REST and Cluster cannot watch: no near cache there, rather than one that never serves.
    if (this.watch === null) this.nearCache = null;
    await this.watch?.firstOutcome;
  }

  async close(): Promise<void> {
    await this.driver.close();
  }

  async get(c: Collection, id: string): Promise<Doc | null> {
    const [raw] = await this.readDocs(c, [id]);
    return raw ? (JSON.parse(raw.json) as Doc) : null;
  }

  async getMany(c: Collection, ids: readonly string[]): Promise<(Doc | null)[]> {
    return (await this.readDocs(c, ids)).map((raw) => (raw ? (JSON.parse(raw.json) as Doc) : null));
  }

  /** Documents from the near cache where it has them, the rest in one round trip. */
  private async readDocs(c: Collection, ids: readonly string[]): Promise<(RawDoc | null)[]> {
    if (ids.length === 0) return [];
    const keys = ids.map((id) => this.keys.doc(c, id));
    const found: (RawDoc | null)[] = new Array(ids.length).fill(null);
    const missing: number[] = [];
    const near = this.near?.live ? this.near : null;
    keys.forEach((key, index) => {
      const entry = near?.get(key) as { doc: RawDoc | null } | undefined;
      if (entry) found[index] = entry.doc;
      else missing.push(index);
    });
    if (missing.length === 0) return found;
    const tickets = missing.map((index) => near?.begin(keys[index] as string) ?? null);
    const read: (RawDoc | null | undefined)[] = [];
    try {
      const replies = await this.exec(missing.map((index) => ['HMGET', keys[index] as string, 'doc', 'status', 'version', 'checksum']), true);
      missing.forEach((index, n) => {
        const doc = rawDocOf(replyOf(replies[n]));
        found[index] = doc;
        read[n] = doc;
      });
      return found;
    } finally {
      missing.forEach((index, n) => {
        const doc = read[n];
        near?.finish(tickets[n] ?? null, keys[index] as string, doc === undefined ? undefined : { doc }, doc?.json.length ?? 0);
      });
    }
  }

  /** After a write returns, applied or not: this process reads it at once, not when the watch reports it. */
  private forgetWritten(c: Collection, ids: readonly string[]): void {
    const near = this.near;
    if (near === null) return;
    for (const id of ids) near.invalidate(this.keys.doc(c, id));
    near.invalidate(this.keys.cacheGeneration(c));
  }

  async head(c: Collection, id: string): Promise<Head> {
    const [doc, tombstone] = await this.exec([['HGET', this.keys.doc(c, id), 'doc'], ['HGET', this.keys.tombstones(c), id]], true);
    const current = parseDoc(replyOf(doc));
    return { doc: current, version: current?.metadata.version ?? Number(replyOf(tombstone) ?? 0) };
  }

  async getRaw(c: Collection, id: string): Promise<RawDoc | null> {
    const [raw] = await this.readDocs(c, [id]);
    return raw ?? null;
  }

  async list(c: Collection, query: ListQuery): Promise<Page<Doc>> {
    const raw = await this.listRaw(c, query);
    return { items: JSON.parse(raw.itemsJson) as Doc[], total: raw.total, nextCursor: raw.nextCursor };
  }

  /**
   * A page as JSON text. First round trip: the cache generation, the cached page (first pages
   * only) and the index ranges and counts; second: the documents, read and cached by readPage.
   */
  async listRaw(c: Collection, query: ListQuery): Promise<RawPage> {
    const field = `${query.status}|${query.featured ?? ''}|${query.tag === undefined ? '' : tagToken(query.tag)}|${query.limit}`;
    const near = this.near?.live ? this.near : null;
    if (near === null) return this.listFromRedis(c, query, field);
    const generation = this.keys.cacheGeneration(c);
    const key = `${generation}|${field}|${query.cursor ?? ''}`;
    const cached = near.get(key) as { page: RawPage } | undefined;
    if (cached) return cached.page;
    // Any write to the collection moves its generation, which drops every page of it.
    const ticket: Ticket | null = near.begin(generation);
    let page: RawPage | undefined;
    try {
      const read = await this.listFromRedis(c, query, field);
      // Counted and tagged once here rather than on every answer from the cache (a 40 KB page: about 5 and 30 µs).
      page = { ...read, itemsBytes: Buffer.byteLength(read.itemsJson), tag: pageTag(read) };
      return page;
    } finally {
      near.finish(ticket, key, page && { page }, page?.itemsJson.length ?? 0);
    }
  }

  private async listFromRedis(c: Collection, query: ListQuery, field: string): Promise<RawPage> {
    const plan = planList(this.keys, c, query);
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    const cacheable = this.cacheTtl > 0 && after === null && !plan.postFilter;
    const fetch = plan.postFilter ? Math.max(query.limit * 2, 50) : query.limit + 1;
    const commands: RedisCommand[] = [
      ['GET', this.keys.cacheGeneration(c)],
      ...(cacheable ? [['HGET', this.keys.cache(c), field] as RedisCommand] : []),
      ...plan.ranges.map((range) => rangeCommand(range, after, fetch)),
      ...(plan.postFilter ? [] : plan.ranges.map(countCommand)),
    ];
    const replies = (await this.exec(commands, true)).map(replyOf);
    const revision = `g${String(replies[0] ?? '0')}`;
    const offset = cacheable ? 2 : 1;
    if (cacheable && typeof replies[1] === 'string') return { ...decodeCachedPage(replies[1]), revision };
    const members = mergeRanges(plan.ranges, replies.slice(offset, offset + plan.ranges.length));

    if (plan.postFilter) {
      const page = await this.filteredPage(c, query, plan, members, fetch);
      return { itemsJson: itemsJsonOf(page.items), total: null, nextCursor: page.nextCursor, revision };
    }

    const total = replies.slice(offset + plan.ranges.length).reduce<number>((sum, n) => sum + Number(n), 0);
    const pageMembers = members.slice(0, query.limit);
    const nextCursor = members.length > query.limit ? encodeCursor(pageMembers[pageMembers.length - 1] as string) : null;
    const ids = pageMembers.map(idOfMember);
    if (!cacheable) {
      const docs = await this.exec(ids.map((id) => ['HGET', this.keys.doc(c, id), 'doc']), true);
      const texts = docs.map(replyOf).filter((doc): doc is string => typeof doc === 'string');
      return { itemsJson: `[${texts.join(',')}]`, total, nextCursor, revision };
    }
    // The second round trip reads the documents and fills the cache in one script.
    const [items] = await this.exec([
      evalsha(SCRIPTS.readPage, [this.keys.cache(c), this.keys.cacheGeneration(c), ...ids.map((id) => this.keys.doc(c, id))], [
        String(replies[0] ?? '0'), field, this.cacheTtl, total, nextCursor ?? '',
      ]),
    ], false, true);
    return { itemsJson: String(replyOf(items)), total, nextCursor, revision };
  }

  /**
   * Over-selecting indexes: read candidates a chunk at a time and keep the matches. Only the
   * first `fetch` merged members are in true order (each range was cut at `fetch`), so each
   * round consumes at most that many, and the scan stops at a bound with a cursor to go on.
   */
  private async filteredPage(c: Collection, query: ListQuery, plan: ReturnType<typeof planList>, first: string[], fetch: number): Promise<Page<Doc>> {
    const items: Doc[] = [];
    let candidates = first;
    let after: string | null = null;
    let scanned = 0;
    for (;;) {
      const chunk = candidates.slice(0, fetch);
      const docs = await this.getMany(c, chunk.map(idOfMember));
      for (const [index, doc] of docs.entries()) {
        after = chunk[index] as string;
        if (doc && matchesQuery(doc, query)) items.push(doc);
        if (items.length === query.limit) return { items, total: null, nextCursor: encodeCursor(after) };
      }
      scanned += chunk.length;
      if (candidates.length < fetch) return { items, total: null, nextCursor: null };
      if (scanned >= MAX_POST_FILTER_SCAN) return { items, total: null, nextCursor: after === null ? null : encodeCursor(after) };
      const replies = (await this.exec(plan.ranges.map((range) => rangeCommand(range, after, fetch)), true)).map(replyOf);
      candidates = mergeRanges(plan.ranges, replies);
    }
  }

  async commit(c: Collection, request: WriteRequest, fence?: CommitFence): Promise<WriteResult> {
    let result;
    try {
      [result] = await this.exec([commitCommand(this.keys, c, request, this.limits, fence)], false, true);
    } finally {
      this.forgetWritten(c, [request.id]);
    }
    const [outcome, version, target] = replyOf(result) as [string, number, string?];
    const what = collectionInfo[c].singular;
    switch (outcome) {
      case 'OK':
        return { outcome: 'applied', version };
      case 'DUPLICATE':
        return { outcome: 'duplicate', version };
      case 'REUSED':
        throw keyReused(String(target));
      case 'EXISTS':
        throw new AlreadyExistsError(what, request.id);
      case 'MISSING':
        throw new NotFoundError(what, request.id);
      case 'CONFLICT':
        throw new VersionConflictError(request.id, request.baseVersion, version);
      case 'SCHEMA':
        throw new SchemaTooNewError(version, SCHEMA_VERSION);
      case 'STAGE':
        throw new StageChangedError();
      default:
        throw new Error(`commitDocument returned an unknown outcome ${String(outcome)}`);
    }
  }

  async history(c: Collection, id: string, limit: number): Promise<HistoryEntry[]> {
    const [reply] = await this.exec([['LRANGE', this.keys.history(c, id), 0, limit - 1]], true);
    return ((replyOf(reply) as string[] | null) ?? []).map((entry) => JSON.parse(entry) as HistoryEntry);
  }

  async audit(query: AuditQuery): Promise<Page<AuditEntry>> {
    return pageAudit(async (position, sinceMs, count) => {
      const [reply] = await this.exec(
        [['ZRANGE', this.keys.auditEntries, position.beforeMs, sinceMs, 'BYSCORE', 'REV', 'LIMIT', position.skip, count]],
        true,
      );
      return ((replyOf(reply) as string[] | null) ?? []).map((entry) => JSON.parse(entry) as AuditEntry);
    }, query);
  }

  async auditStats(): Promise<AuditStats> {
    const [reply] = await this.exec([['HGETALL', this.keys.auditStats]], true);
    const flat = (replyOf(reply) as string[] | null) ?? [];
    const counters: Record<string, string> = {};
    for (let index = 0; index + 1 < flat.length; index += 2) counters[flat[index] as string] = flat[index + 1] as string;
    return toAuditStats(counters);
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    const replies = await this.exec([
      ['ZADD', this.keys.auditEntries, entryMs(entry), JSON.stringify(entry)],
      ['ZREMRANGEBYRANK', this.keys.auditEntries, 0, -(this.limits.auditLimit + 1)],
      ...counterFields(entry).map((field): RedisCommand => ['HINCRBY', this.keys.auditStats, field, 1]),
      ['HSET', this.keys.auditStats, 'lastActivity', entry.timestamp],
    ]);
    replies.forEach(replyOf);
  }

  async manifest(c: Collection, cursor: string | null, count: number): Promise<{ entries: ManifestEntry[]; cursor: string | null }> {
    const after = cursor ? decodeCursor(cursor) : null;
    const [reply] = await this.exec([rangeCommand({ key: this.keys.indexAll(c), prefix: '' }, after, count)], true);
    const members = (replyOf(reply) as string[] | null) ?? [];
    if (members.length === 0) return { entries: [], cursor: null };
    const ids = members.map(idOfMember);
    const replies = await this.exec(ids.map((id) => ['HMGET', this.keys.doc(c, id), 'version', 'checksum']), true);
    const entries: ManifestEntry[] = [];
    replies.forEach((result, index) => {
      const [version, checksum] = (replyOf(result) as (string | null)[] | null) ?? [];
      if (version && checksum) entries.push({ id: ids[index] as string, version: Number(version), checksum });
    });
    return { entries, cursor: members.length === count ? encodeCursor(members[members.length - 1] as string) : null };
  }

  async putIfNewer(c: Collection, items: readonly ReplicaItem[], options: ReplicaOptions = {}): Promise<ReplicaOutcome[]> {
    if (items.length === 0) return [];
    try {
      return await this.putReplicas(c, items, options);
    } finally {
      this.forgetWritten(c, items.map((item) => item.id));
    }
  }

  private async putReplicas(c: Collection, items: readonly ReplicaItem[], options: ReplicaOptions): Promise<ReplicaOutcome[]> {
    const replaceEqual = options.replaceEqual === true;
    // Plain copies (a backfill) go a hundred to a script call; copies of a write (with audit,
    // history or an operation id to record) one each.
    const plain = items.every((item) => !item.audit && !item.history && !item.op);
    if (plain && items.length > 1) {
      const chunks: ReplicaItem[][] = [];
      for (let start = 0; start < items.length; start += BATCH_PUT_SIZE) chunks.push(items.slice(start, start + BATCH_PUT_SIZE));
      const replies = await this.exec(chunks.map((chunk) => replicaBatchCommand(this.keys, c, chunk, replaceEqual)), false, true);
      return replies.flatMap((result) => {
        const [outcome, values] = replyOf(result) as [string, number[] | number];
        if (outcome === 'SCHEMA') throw new SchemaTooNewError(values as number, SCHEMA_VERSION);
        return (values as number[]).map((value): ReplicaOutcome => (value === 1 ? 'applied' : 'skipped'));
      });
    }
    const commands = items.map((item) => replicaCommand(this.keys, c, item, replaceEqual, this.limits));
    const replies = await this.exec(commands, false, true);
    return replies.map((result) => {
      const [outcome, version] = replyOf(result) as [string, number];
      if (outcome === 'SCHEMA') throw new SchemaTooNewError(version, SCHEMA_VERSION);
      return outcome === 'APPLIED' ? 'applied' : 'skipped';
    });
  }

  async ping(): Promise<number> {
    const started = performance.now();
    const [reply] = await this.exec([['PING']], true);
    replyOf(reply);
    return performance.now() - started;
  }
}

/** A cached page is "<total>\n<next cursor>\n<items JSON>" (see readPage.lua). */
function decodeCachedPage(text: string): Omit<RawPage, 'revision'> {
  const first = text.indexOf('\n');
  const second = text.indexOf('\n', first + 1);
  const cursor = text.slice(first + 1, second);
  return { total: Number(text.slice(0, first)), nextCursor: cursor === '' ? null : cursor, itemsJson: text.slice(second + 1) };
}

function parseDoc(reply: unknown): Doc | null {
  return typeof reply === 'string' ? (JSON.parse(reply) as Doc) : null;
}

/** HMGET doc status version checksum. */
function rawDocOf(reply: unknown): RawDoc | null {
  const [json, status, version, checksum] = (reply as (string | null)[] | null) ?? [];
  return typeof json === 'string' ? { json, status: status ?? '', version: Number(version), checksum: checksum ?? '' } : null;
}
