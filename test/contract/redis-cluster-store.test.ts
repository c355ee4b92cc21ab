import { createDriver } from '../../src/store/open-store.js';
import { DEFAULT_RESILIENCE } from '../../src/store/redis/resilient-driver.js';
import { startRedisCluster, type RedisClusterHandle } from '../support/redis-server.js';
import { redisFixture } from './redis-fixture.js';
import { describeStoreContract } from './store-contract.js';

let cluster: RedisClusterHandle;
const nodes = () => cluster.nodes.map((node) => `${node.host}:${node.port}`);

describeStoreContract('Redis Cluster (3 masters)', {
  async setup() {
    cluster = await startRedisCluster({ masters: 3 });
  },
  teardown: () => cluster.stop(),
  create: redisFixture(() => createDriver({ kind: 'cluster', nodes: nodes() }, DEFAULT_RESILIENCE), () => ({ clusterNodes: nodes() })),
});
