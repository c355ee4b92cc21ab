/**
 * Redis stores for the contract suite: each test gets its own key prefix (with a hash tag) on a
 * redis-server the suite started, and deletes exactly its keys afterwards.
 */
import { randomBytes } from 'node:crypto';
import { createClient, createCluster } from '@redis/client';
import type { RedisDriver } from '../../src/store/redis/driver.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import type { StoreFixture } from './store-contract.js';

export function testPrefix(): string {
  return `{ckvtest-${randomBytes(5).toString('hex')}}:`;
}

/** Deletes every key under `prefix`, through a plain node-redis connection. */
export async function deleteKeys(target: { url: string } | { clusterNodes: string[] }, prefix: string): Promise<void> {
  const pattern = `${prefix.replace(/[{}[\]*?\\]/g, (c) => `\\${c}`)}*`;
  if ('url' in target) {
    const client = createClient({ url: target.url, RESP: 2 });
    await client.connect();
    try {
      for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: 500 })) if (keys.length > 0) await client.del(keys);
    } finally {
      await client.close();
    }
    return;
  }
  const cluster = createCluster({ rootNodes: target.clusterNodes.map((node) => ({ url: `redis://${node}` })), RESP: 2 });
  await cluster.connect();
  try {
    for (const master of cluster.masters) {
      const client = await cluster.nodeClient(master);
      for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: 500 })) for (const key of keys) await cluster.del(key);
    }
  } finally {
    await cluster.close();
  }
}

export function redisFixture(
  driver: () => RedisDriver | Promise<RedisDriver>,
  target: () => { url: string } | { clusterNodes: string[] },
  options: { nearCacheBytes?: number } = {},
): () => Promise<StoreFixture> {
  return async () => {
    const prefix = testPrefix();
    const store = new RedisStore({ driver: await driver(), keyPrefix: prefix, ...options });
    return {
      store,
      async cleanup() {
        await store.close();
        await deleteKeys(target(), prefix);
      },
    };
  };
}
