/**
 * Redis round trips per operation, counted (not timed) at the driver, in this process, through
 * the same ContentService and RedisStore the server uses, on the main data. Each batch the driver
 * sends is one round trip; over a network each costs milliseconds, which is why the design caps
 * an operation at two.
 */
import type { Actor } from '../../src/domain/audit.js';
import { ContentService } from '../../src/service/content-service.js';
import type { Bench } from '../lib/bench.js';
import { openStore } from '../lib/seed.js';
import { atMost, type Row } from '../lib/table.js';

const anonymous = { canSeeUnpublished: false };
const actor: Actor = { source: 'api', clientId: 'contentkv-bench' };

export async function roundTrips(bench: Bench): Promise<Row> {
  const data = await bench.mainData();
  const store = openStore(bench.redis.url, data.prefix);
  await store.open();
  try {
    const service = new ContentService({ store });
    const count = async (work: () => Promise<unknown>) => {
      const before = store.roundTrips;
      await work();
      return store.roundTrips - before;
    };
    const id = data.projects.publishedIds[0] as string;
    // A script's first call on a server costs one more round trip (NOSCRIPT, then EVAL): warm them.
    const warm = await service.get('projects', id, anonymous);
    await service.update('projects', id, { title: `${warm.title} (round-trip warm-up)` }, actor, { expectedVersion: warm.metadata.version });
    await service.list('projects', { limit: 20 }, anonymous);

    const current = await service.get('projects', id, anonymous);
    const get = await count(() => service.get('projects', id, anonymous));
    const update = await count(() => service.update('projects', id, { title: `${current.title}.` }, actor, { expectedVersion: current.metadata.version }));
    // The update invalidated the list cache, so this first page is a miss.
    let first: Awaited<ReturnType<ContentService['list']>> | null = null;
    const firstMiss = await count(async () => {
      first = await service.list('projects', { limit: 20 }, anonymous);
    });
    const cursor = (first as { nextCursor: string | null } | null)?.nextCursor ?? null;
    const nextPage = await count(() => service.list('projects', { limit: 20, cursor }, anonymous));
    // A cache fill may be sent after the answer; give it time before counting a hit.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const firstHit = await count(() => service.list('projects', { limit: 20 }, anonymous));

    const counts = { get, update, 'list first page (cache miss)': firstMiss, 'list next page (cursor)': nextPage, 'list first page (cache hit)': firstHit };
    return {
      scenario: 'round-trips',
      title: 'Redis round trips per operation',
      ours: { value: Math.max(...Object.values(counts)), valueUnit: 'max', raw: counts },
      checks: Object.entries(counts).map(([operation, trips]) => atMost(operation, trips, 2, '')),
      notes: ['counted at the driver (RedisStore.roundTrips), one batch = one round trip'],
    };
  } finally {
    await store.close();
  }
}
