/**
 * Invariant 7: an operation costs at most two Redis round trips. Counted at the driver (each
 * batch sent is one round trip) and, over REST, confirmed by the bridge's HTTP request count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentService } from '../../src/service/content-service.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { RestDriver } from '../../src/store/redis/rest-driver.js';
import { TcpDriver } from '../../src/store/redis/tcp-driver.js';
import { deleteKeys, testPrefix } from '../contract/redis-fixture.js';
import { apiActor, projectInput, steppingClock } from '../fixtures/inputs.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.js';
import { startUpstashBridge, type UpstashBridgeHandle } from '../support/upstash-bridge.js';

let server: RedisServerHandle;
let bridge: UpstashBridgeHandle;

beforeAll(async () => {
  server = await startRedisServer();
  bridge = await startUpstashBridge({ redisUrl: server.url });
});
afterAll(async () => {
  await bridge.stop();
  await server.stop();
});

async function measure(store: RedisStore, work: () => Promise<unknown>): Promise<number> {
  const before = store.roundTrips;
  await work();
  return store.roundTrips - before;
}

describe.each([
  ['TCP', () => new TcpDriver({ url: server.url })],
  ['REST', () => new RestDriver({ url: bridge.url, token: bridge.token, readOnlyToken: bridge.readOnlyToken })],
] as const)('Redis round trips over %s', (_name, makeDriver) => {
  it('costs at most 2 round trips per get, create, update, delete and list page', async () => {
    const prefix = testPrefix();
    const store = new RedisStore({ driver: makeDriver(), keyPrefix: prefix, listCacheTtlSeconds: 30 });
    const service = new ContentService({ store, now: steppingClock() });
    await store.open();
    // A script's first call on a server costs one more round trip (NOSCRIPT, then EVAL); warm them up.
    await service.list('projects', { limit: 20 }, { canSeeUnpublished: false });
    for (let index = 0; index < 30; index += 1) {
      await service.create('projects', projectInput({ id: `p${index}`, metadata: { status: 'published' } }), apiActor);
    }
    const counts = {
      get: await measure(store, () => service.get('projects', 'p3', { canSeeUnpublished: false })),
      create: await measure(store, () => service.create('projects', projectInput({ id: 'fresh' }), apiActor)),
      createIdFromTitle: await measure(store, () => service.create('projects', projectInput({ title: 'A title to derive the id from' }), apiActor)),
      update: await measure(store, () => service.update('projects', 'p3', { title: 'Changed' }, apiActor, { expectedVersion: 1 })),
      listFirstPageMiss: await measure(store, () => service.list('projects', { limit: 20 }, { canSeeUnpublished: false })),
      listNextPage: 0,
      delete: await measure(store, () => service.delete('projects', 'p4', apiActor, { expectedVersion: 1 })),
      history: await measure(store, () => service.history('projects', 'p3')),
    };
    const first = await service.list('projects', { limit: 20 }, { canSeeUnpublished: false });
    counts.listNextPage = await measure(store, () => service.list('projects', { limit: 20, cursor: first.nextCursor }, { canSeeUnpublished: false }));
    // The miss filled the cache inside its second round trip (readPage.lua): a hit is one round trip.
    const listFirstPageHit = await measure(store, () => service.list('projects', { limit: 20 }, { canSeeUnpublished: false }));

    expect(counts).toEqual({ get: 1, create: 2, createIdFromTitle: 2, update: 2, listFirstPageMiss: 2, listNextPage: 2, delete: 2, history: 1 });
    expect(listFirstPageHit).toBe(1);
    await store.close();
    await deleteKeys({ url: server.url }, prefix);
  });
});

describe('the bridge sees the same count', () => {
  it('sends one HTTP request per round trip over REST', async () => {
    const prefix = testPrefix();
    const store = new RedisStore({ driver: new RestDriver({ url: bridge.url, token: bridge.token }), keyPrefix: prefix });
    const service = new ContentService({ store, now: steppingClock() });
    await store.open();
    await service.create('projects', projectInput({ id: 'alpha' }), apiActor);
    bridge.resetCount();
    await service.update('projects', 'alpha', { title: 'Changed' }, apiActor, { expectedVersion: 1 });
    expect(bridge.requests).toBe(2);
    await store.close();
    await deleteKeys({ url: server.url }, prefix);
  });
});
