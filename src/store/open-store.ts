/**
 * Builds the Redis driver the configuration names, inside the resilience policies. Each
 * transport's client library is loaded only when it is used: node-redis alone takes about as
 * long to load as the rest of the server, and a JSON-only or REST-only site never needs it.
 */
import type { RedisConnection } from '../config/redis-env.js';
import type { RedisDriver } from './redis/driver.js';
import { ResilientDriver, type ResilienceOptions } from './redis/resilient-driver.js';

async function transport(connection: RedisConnection, timeoutMs: number): Promise<RedisDriver> {
  const connectTimeoutMs = Math.min(timeoutMs, 2_000);
  switch (connection.kind) {
    case 'tcp': {
      const { TcpDriver } = await import('./redis/tcp-driver.js');
      return TcpDriver.open({ url: connection.url, commandTimeoutMs: timeoutMs, connectTimeoutMs });
    }
    case 'cluster': {
      const { TcpDriver } = await import('./redis/tcp-driver.js');
      return TcpDriver.open({ clusterNodes: connection.nodes, commandTimeoutMs: timeoutMs, connectTimeoutMs });
    }
    case 'rest': {
      const { RestDriver } = await import('./redis/rest-driver.js');
      return new RestDriver({ url: connection.url, token: connection.token, readOnlyToken: connection.readOnlyToken, requestTimeoutMs: timeoutMs });
    }
  }
}

/** The driver for a connection, inside the timeout, retry and circuit-breaker policies. */
export async function createDriver(connection: RedisConnection, resilience: ResilienceOptions): Promise<ResilientDriver> {
  return new ResilientDriver(await transport(connection, resilience.timeoutMs), resilience);
}
