/**
 * `contentkv serve` on Redis alone (no JSON files to fall back to), as the resilience tests run
 * it: a fresh key prefix, the test write token, and whatever settings the test adds.
 */
import { testPrefix } from '../contract/redis-fixture.js';
import { WRITE_TOKEN } from '../http/app-fixture.js';
import { startServe, type ServeHandle } from '../support/serve-process.js';

export function serveOnRedisOnly(redisUrl: string, env: Record<string, string> = {}): Promise<ServeHandle> {
  return startServe({
    REDIS_URL: redisUrl,
    CONTENTKV_DATA_DIR: '/nonexistent-contentkv-data',
    CONTENTKV_KEY_PREFIX: testPrefix(),
    CONTENTKV_TOKEN: WRITE_TOKEN,
    ...env,
  });
}
