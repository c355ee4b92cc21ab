/** The migration status, per collection: what `migrate status`, the admin API, MCP and the dashboard show. */
import { COLLECTIONS, type Collection } from '../domain/collections.js';
import type { JsonStore } from '../store/json/json-store.js';
import type { RedisStore } from '../store/redis/redis-store.js';
import type { RepairQueue } from './repair-queue.js';
import type { ShadowComparer } from './shadow-compare.js';
import type { StageView } from './stage-view.js';
import { BEHAVIOUR, readPercentOf, STAGES, type Stage } from './stages.js';
import type { MigrationStateStore } from './state-store.js';
import type { VerifyReport } from './verify.js';

export interface CollectionStatus {
  stage: Stage;
  readPercent: number;
  stageSource: string;
  authoritative: string;
  backfill: Record<string, string | number> | null;
  lastVerify: VerifyReport | null;
  repairQueue: { redis: number | null; journal: number };
  deadLetters: { count: number; recent: { id: string; reason: string; at: string }[] };
  shadow: { compared: number; mismatched: number; mismatchRate: number | null; recent: unknown[] };
}

export interface MigrationStatus {
  store: 'migrating';
  stages: readonly string[];
  paused: boolean;
  fenced: boolean;
  jsonWritable: boolean;
  redisReachable: boolean;
  stateError: string | null;
  latency: Record<'json' | 'redis', { count: number; p50: number | null; p99: number | null }>;
  collections: Record<Collection, CollectionStatus>;
}

/** The parts of a migration: both stores, the shared state and this instance's view of it. */
export interface StatusSources {
  json: JsonStore;
  redis: RedisStore;
  state: MigrationStateStore;
  view: StageView;
  queue: RepairQueue;
  comparer: ShadowComparer;
}

export async function describeStatus(sources: StatusSources): Promise<MigrationStatus> {
  const [snapshot, reads, journal] = await Promise.all([sources.view.refresh(), sources.state.statusReads(COLLECTIONS).catch(() => null), sources.queue.journalCounts()]);
  const reachable = snapshot.error === null;
  const collection = (c: Collection): CollectionStatus => {
    const view = snapshot.collections[c];
    const read = reads?.[c];
    const compared = Number(read?.compare.compared ?? 0);
    const mismatched = Number(read?.compare.mismatched ?? 0);
    return {
      stage: view.stage,
      readPercent: readPercentOf(view.stage, view.readPercent),
      stageSource: view.source,
      authoritative: BEHAVIOUR[view.stage].authoritative,
      backfill: read && Object.keys(read.backfill).length > 0 ? read.backfill : null,
      lastVerify: (read?.lastVerify ?? null) as VerifyReport | null,
      repairQueue: { redis: read ? read.repairQueue : null, journal: journal[c] },
      deadLetters: read?.deadLetters ?? { count: 0, recent: [] },
      shadow: { compared, mismatched, mismatchRate: compared > 0 ? mismatched / compared : null, recent: read?.mismatches ?? [] },
    };
  };
  return {
    store: 'migrating',
    stages: STAGES,
    paused: snapshot.paused,
    fenced: snapshot.fenceUntil > Date.now(),
    jsonWritable: sources.json.isWritable,
    redisReachable: reachable,
    stateError: snapshot.error,
    latency: { json: sources.comparer.latency.json.percentiles(), redis: sources.comparer.latency.redis.percentiles() },
    collections: { projects: collection('projects'), resources: collection('resources') },
  };
}
