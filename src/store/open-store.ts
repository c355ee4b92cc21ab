/**
 * Builds the store the configuration asks for: the JSON files in the data directory, or Redis
 * over the transport the environment names. The migrating router is assembled from these two by
 * the migration module.
 */
import type { Config } from '../config/config.js';
import type { RedisConnection } from '../config/redis-env.js';
import { JsonStore } from './json/json-store.js';
import type { RedisDriver } from './redis/driver.js';
import { RedisStore } from './redis/redis-store.js';
import { RestDriver } from './redis/rest-driver.js';
import { TcpDriver } from './redis/tcp-driver.js';
import { ResilientDriver, type ResilienceOptions } from './redis/resilient-driver.js';

function transport(connection: RedisConnection, timeoutMs: number): RedisDriver {
  const connectTimeoutMs = Math.min(timeoutMs, 2_000);
  switch (connection.kind) {
    case 'tcp':
      return new TcpDriver({ url: connection.url, commandTimeoutMs: timeoutMs, connectTimeoutMs });
    case 'cluster':
      return new TcpDriver({ clusterNodes: connection.nodes, commandTimeoutMs: timeoutMs, connectTimeoutMs });
    case 'rest':
      return new RestDriver({ url: connection.url, token: connection.token, readOnlyToken: connection.readOnlyToken, requestTimeoutMs: timeoutMs });
  }
}

/** The driver for a connection, inside the timeout, retry and circuit-breaker policies. */
export function createDriver(connection: RedisConnection, resilience: ResilienceOptions): ResilientDriver {
  return new ResilientDriver(transport(connection, resilience.timeoutMs), resilience);
}

export function createJsonStore(config: Pick<Config, 'dataDir'>): JsonStore {
  return new JsonStore({ dir: config.dataDir });
}

export function createRedisStore(config: Pick<Config, 'redis' | 'keyPrefix' | 'resilience'>): RedisStore | null {
  if (!config.redis) return null;
  return new RedisStore({ driver: createDriver(config.redis, config.resilience), keyPrefix: config.keyPrefix });
}
