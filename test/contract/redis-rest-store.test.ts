import { createDriver } from '../../src/store/open-store.js';
import { DEFAULT_RESILIENCE } from '../../src/store/redis/resilient-driver.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.js';
import { startUpstashBridge, type UpstashBridgeHandle } from '../support/upstash-bridge.js';
import { redisFixture } from './redis-fixture.js';
import { describeStoreContract } from './store-contract.js';

let server: RedisServerHandle;
let bridge: UpstashBridgeHandle;

describeStoreContract('Redis over REST (@upstash/redis through the bridge, with a read-only token for reads)', {
  async setup() {
    server = await startRedisServer();
    bridge = await startUpstashBridge({ redisUrl: server.url });
  },
  async teardown() {
    await bridge.stop();
    await server.stop();
  },
  create: redisFixture(
    () => createDriver({ kind: 'rest', url: bridge.url, token: bridge.token, readOnlyToken: bridge.readOnlyToken, source: 'test' }, DEFAULT_RESILIENCE),
    () => ({ url: server.url }),
  ),
});
