import { TcpDriver } from '../../src/store/redis/tcp-driver.js';
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
  create: redisFixture(() => new TcpDriver({ clusterNodes: nodes() }), () => ({ clusterNodes: nodes() })),
});
