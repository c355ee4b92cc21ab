import { createDriver } from '../../src/store/open-store.js';
import { DEFAULT_RESILIENCE } from '../../src/store/redis/resilient-driver.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.js';
import { redisFixture } from './redis-fixture.js';
import { describeStoreContract } from './store-contract.js';

let server: RedisServerHandle;

describeStoreContract('Redis over TCP (node-redis, inside the timeout, retry and circuit-breaker policies)', {
  async setup() {
    server = await startRedisServer();
  },
  teardown: () => server.stop(),
  create: redisFixture(() => createDriver({ kind: 'tcp', url: server.url }, DEFAULT_RESILIENCE), () => ({ url: server.url })),
});

// The same with the near cache on: every read after a write in the suite must see that write.
describeStoreContract('Redis over TCP with the near cache (client tracking)', {
  async setup() {
    server = await startRedisServer();
  },
  teardown: () => server.stop(),
  create: redisFixture(() => createDriver({ kind: 'tcp', url: server.url }, DEFAULT_RESILIENCE), () => ({ url: server.url }), { nearCacheBytes: 8 * 1024 * 1024 }),
});
