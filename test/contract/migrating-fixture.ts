/** Migrating stores pinned at a stage, for the contract suite and the migration tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RepairQueue } from '../../src/migration/repair-queue.js';
import { ShadowComparer } from '../../src/migration/shadow-compare.js';
import { StageView } from '../../src/migration/stage-view.js';
import type { Stage } from '../../src/migration/stages.js';
import { MigrationStateStore } from '../../src/migration/state-store.js';
import { JsonStore } from '../../src/store/json/json-store.js';
import { MigratingStore } from '../../src/store/migrating/migrating-store.js';
import { RedisStore, type RedisStoreOptions } from '../../src/store/redis/redis-store.js';
import { TcpDriver } from '../../src/store/redis/tcp-driver.js';
import { deleteKeys, testPrefix } from './redis-fixture.js';

/** A migrating store pinned at a stage (as CONTENTKV_STAGE pins it), over a fresh directory and key prefix. */
export async function migratingStoreAt(url: string, stage: Stage, readPercent: number) {
  const dir = await mkdtemp(join(tmpdir(), 'ckv-migrating-'));
  const prefix = testPrefix();
  const driver = new TcpDriver({ url });
  const json = new JsonStore({ dir });
  const redis = new RedisStore({ driver, keyPrefix: prefix });
  const state = new MigrationStateStore(driver, redis.keys);
  const view = new StageView({ state, override: { projects: { stage, readPercent }, resources: { stage, readPercent } }, defaultStage: 'json' });
  const store = new MigratingStore({
    json,
    redis,
    view,
    repairs: new RepairQueue(state, join(dir, '.contentkv', 'repair-journal.jsonl')),
    comparer: new ShadowComparer({ stores: { json, redis }, state, sampleRate: 1 }),
  });
  return {
    store,
    /** The two stores behind it, for tests that write one of them alone (as a process that died halfway would). */
    json,
    redis,
    async cleanup() {
      await store.close();
      await deleteKeys({ url }, prefix);
      await rm(dir, { recursive: true, force: true });
    },
  };
}


/**
 * One server instance's stores over a shared Redis and data directory, following the stage kept
 * in Redis. Its view refreshes only when told (`view.refresh()`), so a test decides what each
 * instance has seen. Opened; the caller closes `store`.
 */
export async function migratingStoreFollowing(options: {
  url: string;
  dir: string;
  prefix: string;
  /** The repair journal's file name in `<dir>/.contentkv`, one per instance sharing the directory. */
  journal?: string;
  redis?: Partial<RedisStoreOptions>;
  jsonIdleMs?: number;
}) {
  const driver = new TcpDriver({ url: options.url });
  const json = new JsonStore({ dir: options.dir });
  const redis = new RedisStore({ ...options.redis, driver, keyPrefix: options.prefix });
  const state = new MigrationStateStore(driver, redis.keys);
  const view = new StageView({ state, override: {}, defaultStage: 'json', refreshMs: 3_600_000 });
  const queue = new RepairQueue(state, join(options.dir, '.contentkv', options.journal ?? 'repair-journal.jsonl'));
  const comparer = new ShadowComparer({ stores: { json, redis }, state, sampleRate: 0 });
  const store = new MigratingStore({ json, redis, view, repairs: queue, comparer, jsonIdleMs: options.jsonIdleMs });
  await store.open();
  return { store, json, redis, state, view, queue, comparer, driver };
}
