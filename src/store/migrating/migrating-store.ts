/**
 * The stage router: a ContentStore over the JSON store and the Redis store that sends each read
 * and write where the collection's migration stage says (src/migration/stages.ts).
 *
 * A write is acknowledged only after the authoritative store committed it. The same document
 * (same version, audit and history entries) is then written to the other store only where it is
 * absent or older; if that fails, the id goes to the durable repair queue and the write still
 * counts, because the authoritative store has it. Nothing is ever dropped or half-reported.
 */
import type { AuditEntry, AuditStats } from '../../domain/audit.js';
import { COLLECTIONS, type Collection, type Doc } from '../../domain/collections.js';
import { ReadOnlyError, StageChangedError, StoreUnavailableError } from '../../domain/errors.js';
import { markFallback } from '../fallback-mark.js';
import type { RepairQueue } from '../../migration/repair-queue.js';
import type { ShadowComparer } from '../../migration/shadow-compare.js';
import type { StageView } from '../../migration/stage-view.js';
import { BEHAVIOUR, writesJson, type Stage, type StoreName } from '../../migration/stages.js';
import { servedByRedis } from '../../migration/sticky.js';
import { replicaOf } from '../replica-of.js';
import type { JsonStore } from '../json/json-store.js';
import type {
  AuditQuery, CommitFence, ContentStore, Head, HistoryEntry, ListQuery, ManifestEntry, Page, RawDoc, RawPage, ReplicaItem, ReplicaOptions, ReplicaOutcome, WriteRequest, WriteResult,
} from '../port.js';
import type { RedisStore } from '../redis/redis-store.js';

export interface MigratingStoreOptions {
  json: JsonStore;
  redis: RedisStore;
  view: StageView;
  repairs: RepairQueue;
  comparer: ShadowComparer;
  /** Told when Redis could not be opened at start; the store still serves what it can. */
  onOpenError?: (error: unknown) => void;
  /** Told when copies could not be written to the other store and went to the repair queue. */
  onRepairQueued?: (c: Collection, ids: string[], to: StoreName, error: unknown) => void;
  /** How long a collection at `redis` keeps its JSON documents in memory unused; tests shorten it. */
  jsonIdleMs?: number;
}

const JSON_IDLE_MS = 10_000;

/** Plans of one write under successive stages before giving up with 503 (stages rarely change twice in a second). */
const STAGE_ATTEMPTS = 3;

export class MigratingStore implements ContentStore {
  readonly kind = 'migrating';
  private readonly stores: Record<StoreName, ContentStore>;
  /** Commits under way in this process, so a stage switch in this process can wait for them. */
  inFlightWrites = 0;

  constructor(private readonly options: MigratingStoreOptions) {
    this.stores = { json: options.json, redis: options.redis };
  }

  get schemaProblem(): string | null {
    return this.options.redis.schemaProblem ?? this.options.json.schemaProblem;
  }

  async open(): Promise<void> {
    await this.options.json.open();
    try {
      await this.options.redis.open();
    } catch (error) {
      this.options.onOpenError?.(error);
    }
    this.options.view.onRefresh(() => this.releaseJsonAtRedis());
    await this.options.view.refresh();
    this.options.view.start();
  }

  /**
   * A collection at `redis` needs nothing from its JSON file, which stays on disk until the
   * runbook's cleanup: an instance that held it in memory before the switch lets go of it once it
   * has gone unused for a while, instead of keeping it until a restart. What reads the file at
   * `redis` (a verify, a repair before a rollback) keeps it while it works, rather than reading
   * all of it again after every refresh; a copy saved just after the switch goes a little later.
   */
  private releaseJsonAtRedis(): void {
    for (const c of COLLECTIONS) {
      if (this.stageOf(c) === 'redis') this.options.json.release(c, this.options.jsonIdleMs ?? JSON_IDLE_MS);
    }
  }

  async close(): Promise<void> {
    this.options.view.stop();
    await this.options.redis.close();
    await this.options.json.close();
  }

  stageOf(c: Collection): Stage {
    return this.options.view.forRead(c).stage;
  }

  private authoritative(c: Collection): ContentStore {
    return this.stores[BEHAVIOUR[this.stageOf(c)].authoritative];
  }

  /** The store serving a read: the stage's, or in `live` a sticky hash of the key against readPercent. */
  private readSource(c: Collection, key: string): StoreName {
    const view = this.options.view.forRead(c);
    const reads = BEHAVIOUR[view.stage].reads;
    if (reads !== 'split') return reads;
    return servedByRedis(key, view.readPercent) ? 'redis' : 'json';
  }

  private async timed<T>(store: StoreName, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await work();
    this.options.comparer.observe(store, performance.now() - started);
    return result;
  }

  /**
   * Reads from `from`; when that is Redis and it is unavailable, from the JSON files instead, in
   * the stages that keep them current (live, rampdown). The response is marked as a fallback, and
   * `servedBy` says which store answered (a fallback read is not compared: both sides are JSON).
   */
  private async read<T>(c: Collection, from: StoreName, work: (store: ContentStore) => Promise<T>): Promise<{ value: T; servedBy: StoreName }> {
    try {
      return { value: await this.timed(from, () => work(this.stores[from])), servedBy: from };
    } catch (error) {
      const stage = this.stageOf(c);
      if (!(error instanceof StoreUnavailableError) || from !== 'redis' || !(stage === 'live' || stage === 'rampdown')) throw error;
      const result = await this.timed('json', () => work(this.stores.json));
      return { value: markFallback(result, 'json: Redis is unavailable, so this was read from the JSON files, which this stage keeps current'), servedBy: 'json' };
    }
  }

  /** Where a list query is read from: the cursor means the same in both stores, so only the query picks the store, not the page. */
  private listSource(c: Collection, query: ListQuery): StoreName {
    return this.readSource(c, `list|${query.status}|${query.featured}|${query.tag}|${query.limit}`);
  }

  async get(c: Collection, id: string): Promise<Doc | null> {
    const from = this.readSource(c, id);
    const { value: doc, servedBy } = await this.read(c, from, (store) => store.get(c, id));
    if (servedBy === from && BEHAVIOUR[this.stageOf(c)].compares) this.options.comparer.maybeCompare(c, id, doc?.metadata.checksum ?? null, from);
    return doc;
  }

  async getMany(c: Collection, ids: readonly string[]): Promise<(Doc | null)[]> {
    const from = ids.map((id) => this.readSource(c, id));
    const result: (Doc | null)[] = new Array(ids.length).fill(null);
    for (const store of ['json', 'redis'] as const) {
      const positions = from.flatMap((source, index) => (source === store ? [index] : []));
      if (positions.length === 0) continue;
      const { value: docs } = await this.read(c, store, (source) => source.getMany(c, positions.map((index) => ids[index] as string)));
      positions.forEach((position, index) => {
        result[position] = docs[index] ?? null;
      });
    }
    return result;
  }

  async list(c: Collection, query: ListQuery): Promise<Page<Doc>> {
    return (await this.read(c, this.listSource(c, query), (store) => store.list(c, query))).value;
  }

  async getRaw(c: Collection, id: string): Promise<RawDoc | null> {
    const from = this.readSource(c, id);
    const { value: raw, servedBy } = await this.read(c, from, (store) => store.getRaw(c, id));
    if (servedBy === from && BEHAVIOUR[this.stageOf(c)].compares) this.options.comparer.maybeCompare(c, id, raw?.checksum ?? null, from);
    return raw;
  }

  async listRaw(c: Collection, query: ListQuery): Promise<RawPage> {
    return (await this.read(c, this.listSource(c, query), (store) => store.listRaw(c, query))).value;
  }

  async head(c: Collection, id: string): Promise<Head> {
    return this.authoritative(c).head(c, id);
  }

  /**
   * A write is planned under the stage this instance knows and committed with a fence on it
   * (CommitFence): if the stage changed in between, nothing was written, and the write is
   * planned again under the new stage. Without this, a write held up past a stage switch (by
   * the JSON lock, a slow disk, a pause) could commit to the old authoritative store after
   * another instance committed to the new one.
   */
  async commit(c: Collection, request: WriteRequest): Promise<WriteResult> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.commitUnderStage(c, request);
      } catch (error) {
        if (!(error instanceof StageChangedError) || attempt >= STAGE_ATTEMPTS) throw error;
        // A read begun before the refusal may have been answered before the switch.
        const snapshot = await this.options.view.refreshAfterChange();
        // The JSON files recorded a switch that Redis, read just now, is behind: its state was
        // flushed, restored or replaced, or the switch was cut off before it got there. Left so,
        // every write planned against it would be refused for good; the stage Redis holds is
        // the one in force, so its epoch is brought up to the files' switch.
        if (snapshot.error === null) {
          const recorded = await this.options.json.switchEpoch();
          if (snapshot.epoch < recorded) await this.options.view.raiseEpoch(recorded);
        }
      }
    }
  }

  private async commitUnderStage(c: Collection, request: WriteRequest): Promise<WriteResult> {
    await this.options.view.forWrite(c);
    // The stage and the epoch from one snapshot: a refresh may have landed since forWrite.
    const snapshot = this.options.view.current();
    const { stage, source } = snapshot.collections[c];
    const behaviour = BEHAVIOUR[stage];
    // Pinned by CONTENTKV_STAGE, the emergency override, the stage in Redis is not followed.
    const fence: CommitFence | undefined = source === 'override' ? undefined : { epoch: snapshot.epoch, owesCopy: behaviour.secondary !== null };
    if (writesJson(stage) && !this.options.json.isWritable) {
      throw new ReadOnlyError(
        `at stage "${stage}" every ${c} write must reach the JSON files, which are read-only here; ` +
          'writes are taken again once the collection is at stage "redis"',
      );
    }
    this.inFlightWrites += 1;
    try {
      const result = await this.stores[behaviour.authoritative].commit(c, request, fence);
      // The copy carries the idempotency key, which the other store records too: a retry that
      // reaches it after the migration made it authoritative is answered as a retry.
      const op = { id: request.opId, version: result.version };
      if (behaviour.secondary && result.outcome === 'applied') {
        const item: ReplicaItem = request.doc
          ? { id: request.id, doc: request.doc, audit: request.audit, history: request.history, op }
          : { id: request.id, deletedVersion: result.version, audit: request.audit, history: request.history, op };
        await this.replicate(c, behaviour.secondary, [item]);
      } else if (behaviour.secondary && result.outcome === 'duplicate') {
        // A retry of a write applied before. The process that applied it may have died before
        // copying it, and nothing else would: copy what the authoritative store holds now. The
        // copy is conditional, so where the other store is as new already it changes nothing
        // but the record of the key.
        const head = await this.stores[behaviour.authoritative].head(c, request.id);
        const item = replicaOf(request.id, head, op);
        if (item) await this.replicate(c, behaviour.secondary, [item]);
      }
      return result;
    } finally {
      this.inFlightWrites -= 1;
    }
  }

  /** Writes copies to the other store; whatever cannot be written is queued for repair. */
  private async replicate(c: Collection, to: StoreName, items: ReplicaItem[], options?: ReplicaOptions): Promise<void> {
    try {
      await this.stores[to].putIfNewer(c, items, options);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      for (const item of items) await this.options.repairs.add(c, item.id, `write to ${to} failed: ${reason}`);
      this.options.onRepairQueued?.(c, items.map((item) => item.id), to, error);
    }
  }

  history(c: Collection, id: string, limit: number): Promise<HistoryEntry[]> {
    return this.authoritative(c).history(c, id, limit);
  }

  /** The audit log follows the projects collection's authoritative store (both logs hold every entry once replicated). */
  audit(query: AuditQuery): Promise<Page<AuditEntry>> {
    return this.authoritative('projects').audit(query);
  }

  auditStats(): Promise<AuditStats> {
    return this.authoritative('projects').auditStats();
  }

  appendAudit(entry: AuditEntry): Promise<void> {
    return this.authoritative('projects').appendAudit(entry);
  }

  manifest(c: Collection, cursor: string | null, count: number): Promise<{ entries: ManifestEntry[]; cursor: string | null }> {
    return this.authoritative(c).manifest(c, cursor, count);
  }

  async putIfNewer(c: Collection, items: readonly ReplicaItem[], options?: ReplicaOptions): Promise<ReplicaOutcome[]> {
    const behaviour = BEHAVIOUR[(await this.options.view.forWrite(c)).stage];
    const outcomes = await this.stores[behaviour.authoritative].putIfNewer(c, items, options);
    const applied = items.filter((_, index) => outcomes[index] === 'applied');
    if (behaviour.secondary && applied.length > 0) await this.replicate(c, behaviour.secondary, applied, options);
    return outcomes;
  }

  async ping(): Promise<number> {
    const from = BEHAVIOUR[this.stageOf('projects')].authoritative;
    return this.stores[from].ping();
  }
}
