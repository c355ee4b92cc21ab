/**
 * Fills a Redis key prefix with synthetic documents through the store's own bulk write
 * (`putIfNewer`, the path a backfill uses), a batch per round trip, generating each batch just
 * before it is sent so 100,000 documents never sit in memory at once. Documents are the
 * deterministic ones from src/sample/synthetic.ts, so every store and baseline in a run holds
 * the same bytes.
 */
import type { Collection } from '../../src/domain/collections.js';
import { syntheticDocs } from '../../src/sample/synthetic.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { TcpDriver } from '../../src/store/redis/tcp-driver.js';

const BATCH = 500;

export interface Seeded {
  collection: Collection;
  count: number;
  /** Ids of the published documents, in index order (newest first). */
  publishedIds: string[];
  seconds: number;
}

export function openStore(redisUrl: string, keyPrefix: string): RedisStore {
  return new RedisStore({ driver: new TcpDriver({ url: redisUrl, commandTimeoutMs: 60_000 }), keyPrefix });
}

export async function seed(redisUrl: string, keyPrefix: string, collection: Collection, count: number): Promise<Seeded> {
  const store = openStore(redisUrl, keyPrefix);
  const started = performance.now();
  const publishedIds: string[] = [];
  try {
    await store.open();
    for (let start = 0; start < count; start += BATCH) {
      const docs = syntheticDocs(collection, Math.min(BATCH, count - start), { start });
      for (const doc of docs) if (doc.metadata.status === 'published') publishedIds.push(doc.id);
      await store.putIfNewer(collection, docs.map((doc) => ({ id: doc.id, doc })));
    }
  } finally {
    await store.close();
  }
  return { collection, count, publishedIds, seconds: (performance.now() - started) / 1000 };
}
