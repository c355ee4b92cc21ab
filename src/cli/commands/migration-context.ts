/**
 * What the migration commands share: opening both stores from the environment (as the server
 * does), and printing a result either for people or, with --json, for machines.
 */
import { loadConfig } from '../../config/config.js';
import { ConfigError } from '../../config/redis-env.js';
import { createLogger } from '../../observability/logger.js';
import { Metrics } from '../../observability/metrics.js';
import { openStores, type StoreSetup } from '../../runtime/stores.js';
import { withCauses } from '../error-text.js';
import type { Reporter } from '../progress-reporter.js';

/**
 * The stores, opened as the server opens them. When Redis cannot be opened the command still
 * runs (`migrate status` reports what it can, a rollback may need only the files), but says why
 * first, in one line rather than the server's log entry with its stack.
 */
export async function withStores<T>(work: (stores: StoreSetup) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env);
  const stores = await openStores(config, createLogger(config.logLevel, 'stderr'), new Metrics({ defaultMetrics: false }), {
    onRedisOpenError: (error) => process.stderr.write(`contentkv: Redis could not be opened: ${withCauses(error)}\n`),
  });
  try {
    return await work(stores);
  } finally {
    await stores.close();
  }
}

export function requireMigration(stores: StoreSetup) {
  if (!stores.migration) {
    throw new ConfigError(
      stores.mode === 'json'
        ? 'no Redis is configured; set REDIS_URL, REDIS_CLUSTER_NODES, KV_REST_API_URL/KV_REST_API_TOKEN or UPSTASH_REDIS_REST_URL/UPSTASH_REDIS_REST_TOKEN to migrate to it'
        : `there are no JSON files (projects.json, resources.json) in CONTENTKV_DATA_DIR to migrate from`,
    );
  }
  return stores.migration;
}

export async function progressReporter(mode: { json: boolean }): Promise<Reporter> {
  return (await import('../progress-reporter.js')).progressReporter(mode);
}

export function print(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}
