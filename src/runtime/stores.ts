/**
 * Opens the stores the configuration asks for:
 *   - JSON files only (no Redis configured): the embedded store of `npm start`;
 *   - Redis only (no JSON files in the data directory): a site that starts on Redis;
 *   - both: the migrating store, which routes by the stage kept in Redis (default `json` until an
 *     operator advances it), with the migration engine that moves the content.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { ConfigError } from '../config/redis-env.js';
import { MigrationEngine } from '../migration/engine.js';
import { RepairQueue } from '../migration/repair-queue.js';
import { ShadowComparer } from '../migration/shadow-compare.js';
import { StageView } from '../migration/stage-view.js';
import { MigrationStateStore } from '../migration/state-store.js';
import type { Metrics } from '../observability/metrics.js';
import { JsonStore } from '../store/json/json-store.js';
import { MigratingStore } from '../store/migrating/migrating-store.js';
import { createDriver } from '../store/open-store.js';
import type { ContentStore } from '../store/port.js';
import { RedisStore } from '../store/redis/redis-store.js';
import type { ResilientDriver } from '../store/redis/resilient-driver.js';

export interface Migration {
  engine: MigrationEngine;
  view: StageView;
}

export interface StoreSetup {
  mode: 'json' | 'redis' | 'migrating';
  /** What the service reads and writes through. */
  store: ContentStore;
  json: JsonStore | null;
  redis: RedisStore | null;
  /** The Redis connection with its circuit breaker, for health and metrics. */
  driver: ResilientDriver | null;
  migration: Migration | null;
  close(): Promise<void>;
}

export function hasJsonContent(dataDir: string): boolean {
  return existsSync(join(dataDir, 'projects.json')) || existsSync(join(dataDir, 'resources.json'));
}

export interface OpenStoresOptions {
  /** Settle time for fenced stage switches; tests shorten it. */
  settleMs?: number;
  /**
   * Told when Redis cannot be opened while the JSON files can still serve. By default a warning
   * in the log: the server goes on with the files until Redis answers.
   */
  onRedisOpenError?: (error: unknown) => void;
}

/**
 * Runs `open`; if it fails, closes what was made before rethrowing. A Redis client left
 * reconnecting (to a wrong password, say) would keep the process alive after the failure.
 */
async function openOrClose(open: () => Promise<void>, close: () => Promise<void>): Promise<void> {
  try {
    await open();
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

export async function openStores(config: Config, logger: Logger, metrics: Metrics, options: OpenStoresOptions = {}): Promise<StoreSetup> {
  const hasContent = hasJsonContent(config.dataDir);
  const useJson = !config.redis || hasContent;
  const json = useJson ? new JsonStore({ dir: config.dataDir }) : null;
  const driver = config.redis ? await createDriver(config.redis, config.resilience) : null;
  const redis = driver ? new RedisStore({ driver, keyPrefix: config.keyPrefix, nearCacheBytes: config.nearCacheBytes }) : null;

  if (json && !redis) {
    // A mistyped CONTENTKV_DATA_DIR, or a start from another directory (an MCP client starts
    // servers in its own, often /), would otherwise serve an empty site and create the directory
    // for it: /data, say. An existing directory without the files is taken as a new, empty site.
    if (!existsSync(config.dataDir)) {
      throw new ConfigError(
        `the data directory ${config.dataDir} does not exist; set CONTENTKV_DATA_DIR to the directory holding projects.json and resources.json (or create it to start an empty site)`,
      );
    }
    if (!hasContent) {
      logger.warn({ dataDir: config.dataDir }, 'no projects.json or resources.json in the data directory: serving an empty site; set CONTENTKV_DATA_DIR to the directory that holds them');
    }
    await json.open();
    return { mode: 'json', store: json, json, redis: null, driver: null, migration: null, close: () => json.close() };
  }
  if (redis && !json) {
    await openOrClose(() => redis.open(), () => redis.close());
    return { mode: 'redis', store: redis, json: null, redis, driver, migration: null, close: () => redis.close() };
  }

  const jsonStore = json as JsonStore;
  const redisStore = redis as RedisStore;
  const state = new MigrationStateStore(driver as NonNullable<typeof driver>, redisStore.keys);
  const view = new StageView({
    state,
    override: config.stageOverride,
    defaultStage: 'json',
    refreshMs: config.stageRefreshMs,
    onListenerError: (error) => logger.warn({ err: error }, 'a listener of the migration stage failed'),
  });
  // The JSON store must be opened first to know whether the journal can live in its directory.
  await openOrClose(() => jsonStore.open(), () => redisStore.close());
  const queue = new RepairQueue(state, jsonStore.isWritable ? join(config.dataDir, '.contentkv', 'repair-journal.jsonl') : null, metrics.repairsQueued);
  const comparer = new ShadowComparer({
    stores: { json: jsonStore, redis: redisStore },
    state,
    sampleRate: config.shadowSampleRate,
    metrics: { compared: metrics.shadowCompared, readDuration: metrics.storeReadDuration },
    onError: (error) => logger.warn({ err: error }, 'a shadow comparison failed'),
  });
  const router = new MigratingStore({
    json: jsonStore,
    redis: redisStore,
    view,
    repairs: queue,
    comparer,
    onOpenError: options.onRedisOpenError ?? ((error) => logger.warn({ err: error }, 'Redis could not be opened; serving what the JSON files hold until it answers')),
    onRepairQueued: (c, ids, to, error) => logger.warn({ err: error, collection: c, ids, to }, `a write reached only one store; the copy to ${to} waits in the repair queue`),
  });
  await openOrClose(() => router.open(), () => router.close());
  const engine = new MigrationEngine({ json: jsonStore, redis: redisStore, state, view, queue, comparer, router, settleMs: options.settleMs ?? config.stageRefreshMs * 2 + 1_000 });
  return { mode: 'migrating', store: router, json: jsonStore, redis: redisStore, driver, migration: { engine, view }, close: () => router.close() };
}
