/** The migration status, per collection: what `migrate status`, the admin API, MCP and the dashboard show. */
import { COLLECTIONS, type Collection } from '../domain/collections.js';
import type { JsonStore } from '../store/json/json-store.js';
import type { RedisStore } from '../store/redis/redis-store.js';
import type { RepairQueue } from './repair-queue.js';
import type { ShadowComparer } from './shadow-compare.js';
import type { StageView } from './stage-view.js';
import { BEHAVIOUR, STAGES, type Stage } from './stages.js';
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

async function orNull<T>(work: Promise<T>): Promise<T | null> {
  try {
    return await work;
  } catch {
    return null;
  }
}

export async function describeStatus(sources: StatusSources): Promise<MigrationStatus> {
  const snapshot = await sources.view.refresh();
  const reachable = snapshot.error === null;
  const collection = async (c: Collection): Promise<CollectionStatus> => {
    const view = snapshot.collections[c];
    const [backfill, lastVerify, sizes, dead, compare, recent, repairQueue] = await Promise.all([
      orNull(sources.state.getHash(`backfill:${c}`)),
      orNull(sources.state.getJson<VerifyReport>(`verify:${c}`)),
      orNull(sources.state.sizes(c)),
      orNull(sources.state.deadLetters(c, 10)),
      orNull(sources.state.getHash(`compare:${c}`)),
      orNull(sources.state.mismatches(c, 10)),
      sources.queue.size(c),
    ]);
    const compared = Number(compare?.compared ?? 0);
    const mismatched = Number(compare?.mismatched ?? 0);
    return {
      stage: view.stage,
      readPercent: view.stage === 'live' ? view.readPercent : BEHAVIOUR[view.stage].reads === 'redis' ? 100 : 0,
      stageSource: view.source,
      authoritative: BEHAVIOUR[view.stage].authoritative,
      backfill: backfill && Object.keys(backfill).length > 0 ? backfill : null,
      lastVerify,
      repairQueue,
      deadLetters: { count: sizes?.deadLetters ?? 0, recent: dead ?? [] },
      shadow: { compared, mismatched, mismatchRate: compared > 0 ? mismatched / compared : null, recent: recent ?? [] },
    };
  };
  const [projects, resources] = await Promise.all(COLLECTIONS.map(collection));
  return {
    store: 'migrating',
    stages: STAGES,
    paused: snapshot.paused,
    fenced: snapshot.fenceUntil > Date.now(),
    jsonWritable: sources.json.isWritable,
    redisReachable: reachable,
    stateError: snapshot.error,
    latency: { json: sources.comparer.latency.json.percentiles(), redis: sources.comparer.latency.redis.percentiles() },
    collections: { projects: projects as CollectionStatus, resources: resources as CollectionStatus },
  };
}
