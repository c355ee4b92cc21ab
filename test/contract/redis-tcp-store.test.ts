import { TcpDriver } from '../../src/store/redis/tcp-driver.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.js';
import { redisFixture } from './redis-fixture.js';
import { describeStoreContract } from './store-contract.js';

let server: RedisServerHandle;

describeStoreContract('Redis over TCP (node-redis)', {
  async setup() {
    server = await startRedisServer();
  },
  teardown: () => server.stop(),
  create: redisFixture(() => new TcpDriver({ url: server.url }), () => ({ url: server.url })),
});
