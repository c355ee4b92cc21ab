/**
 * The near cache against a real redis-server: repeated reads cost no round trip, a write from
 * another instance (another connection) reaches this one's reads through client tracking, this
 * instance reads its own writes at once, and when the tracking connection is lost the cache
 * forgets everything and serves nothing until tracking is on again.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { slugify } from '../../src/domain/ids.js';
import { Metrics } from '../../src/observability/metrics.js';
import { ContentService } from '../../src/service/content-service.js';
import { pageTag } from '../../src/store/page-tag.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { createDriver } from '../../src/store/open-store.js';
import { DEFAULT_RESILIENCE } from '../../src/store/redis/resilient-driver.js';
import { TcpDriver } from '../../src/store/redis/tcp-driver.js';
import { deleteKeys, testPrefix } from '../contract/redis-fixture.js';
import { apiActor, projectInput, resourceInput } from '../fixtures/inputs.js';
import { startUpstashBridge } from '../support/upstash-bridge.js';
import { until } from '../support/until.js';
import { redisCommand, startRedisServer, type RedisServerHandle, type RespValue } from '../support/redis-server.js';

let server: RedisServerHandle;
const open: RedisStore[] = [];
let prefix: string;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
  await deleteKeys({ url: server.url }, prefix);
});

/** Two instances on one Redis: `near` with a near cache, `other` without. */
async function instances() {
  prefix = testPrefix();
  const near = new RedisStore({ driver: new TcpDriver({ url: server.url }), keyPrefix: prefix, nearCacheBytes: 4 * 1024 * 1024 });
  const other = new RedisStore({ driver: new TcpDriver({ url: server.url }), keyPrefix: prefix });
  open.push(near, other);
  await near.open();
  await other.open();
  await until(() => near.near?.live === true, 'client tracking to be on');
  return {
    near,
    other,
    nearService: new ContentService({ store: near }),
    otherService: new ContentService({ store: other }),
  };
}

async function roundTrips(store: RedisStore, work: () => Promise<unknown>): Promise<number> {
  const before = store.roundTrips;
  await work();
  return store.roundTrips - before;
}

/**
 * Waits until every change notice sent so far has reached `near`: notices arrive in order, so
 * once a marker document created now shows up where `near` had cached its absence, the earlier
 * ones have been handled too.
 */
async function noticesDelivered(near: RedisStore, other: ContentService): Promise<void> {
  const title = `Marker ${Math.random().toString(36).slice(2)}`;
  const id = slugify(title);
  await near.getRaw('resources', id);
  expect(await roundTrips(near, () => near.getRaw('resources', id))).toBe(0);
  await other.create('resources', resourceInput({ title }), apiActor);
  await until(async () => (await near.getRaw('resources', id)) !== null, 'the marker to reach the near cache');
}

/** The id of the tracking connection, the one with the `t` flag. */
async function trackingClientIds(): Promise<string[]> {
  const list = String((await redisCommand({ host: server.host, port: server.port }, ['CLIENT', 'LIST'])) as RespValue);
  return list
    .split('\n')
    .filter((line) => / flags=\S*t/.test(line))
    .map((line) => /id=(\d+)/.exec(line)?.[1] as string)
    .filter(Boolean);
}

describe('near cache over Redis client tracking', () => {
  it('serves repeated reads of a document and of list pages without a round trip', async () => {
    const { near, nearService, otherService } = await instances();
    const { doc } = await nearService.create('projects', projectInput({ title: 'Cached once' }), apiActor);
    // The notice of this instance's own create arrives later and would drop a copy made before it.
    await noticesDelivered(near, otherService);
    expect(await roundTrips(near, () => near.getRaw('projects', doc.id))).toBe(1);
    expect(await roundTrips(near, () => near.getRaw('projects', doc.id))).toBe(0);
    expect(await roundTrips(near, () => near.get('projects', doc.id))).toBe(0);
    expect(await roundTrips(near, () => near.getRaw('projects', 'not-there'))).toBe(1);
    expect(await roundTrips(near, () => near.getRaw('projects', 'not-there'))).toBe(0);
    const query = { status: 'any', limit: 20 } as const;
    const first = await near.listRaw('projects', query);
    expect(await roundTrips(near, () => near.listRaw('projects', query))).toBe(0);
    expect((await near.listRaw('projects', query)).itemsJson).toBe(first.itemsJson);
    expect(near.near?.hits).toBeGreaterThanOrEqual(4);

    const metrics = new Metrics({ defaultMetrics: false });
    metrics.nearCache = near.near;
    const text = await metrics.registry.metrics();
    expect(text).toContain(`contentkv_near_cache_lookups_total{result="hit"} ${near.near?.hits}`);
    expect(text).toContain(`contentkv_near_cache_lookups_total{result="miss"} ${near.near?.misses}`);
    expect(text).toContain('contentkv_near_cache_live 1');
    expect(text).toMatch(/contentkv_near_cache_bytes [1-9]\d*/);
  });

  it('keeps with a cached page a tag of what it shows, which an edit of a draft leaves as it was', async () => {
    const { near, nearService, otherService } = await instances();
    await nearService.create('projects', projectInput({ id: 'shown', metadata: { status: 'published' } }), apiActor);
    const draft = (await nearService.create('projects', projectInput({ id: 'hidden' }), apiActor)).doc;
    await noticesDelivered(near, otherService);
    const query = { status: 'published', limit: 20 } as const;
    const before = await near.listRaw('projects', query);
    expect(before.tag).toBe(pageTag(before));

    await nearService.update('projects', draft.id, { title: 'Still a draft' }, apiActor);
    await noticesDelivered(near, otherService);
    const after = await near.listRaw('projects', query);
    expect(after.revision).not.toBe(before.revision);
    expect(after.tag).toBe(before.tag);

    await nearService.update('projects', 'shown', { title: 'Edited in public' }, apiActor);
    expect((await near.listRaw('projects', query)).tag).not.toBe(before.tag);
  });

  it("sees another instance's writes, deletes and creates once Redis reports them", async () => {
    const { near, nearService, otherService } = await instances();
    const { doc } = await nearService.create('projects', projectInput({ title: 'Edited elsewhere' }), apiActor);
    const query = { status: 'any', limit: 20 } as const;
    expect((await near.getRaw('projects', doc.id))?.version).toBe(1);
    expect((await near.listRaw('projects', query)).total).toBe(1);

    await otherService.update('projects', doc.id, { result: 'changed by the other instance' }, apiActor);
    await until(async () => (await near.getRaw('projects', doc.id))?.version === 2, 'the update to reach the near cache');
    expect(JSON.parse((await near.getRaw('projects', doc.id))?.json ?? '{}').result).toBe('changed by the other instance');

    await otherService.create('projects', projectInput({ title: 'Created elsewhere' }), apiActor);
    await until(async () => (await near.listRaw('projects', query)).total === 2, 'the new document to reach the cached list');

    await otherService.delete('projects', doc.id, apiActor);
    await until(async () => (await near.getRaw('projects', doc.id)) === null, 'the delete to reach the near cache');
  });

  it('reads its own writes at once, with no wait for the tracking notice', async () => {
    const { near, nearService } = await instances();
    const { doc } = await nearService.create('projects', projectInput({ title: 'Read your writes' }), apiActor);
    const query = { status: 'any', limit: 20 } as const;
    for (let round = 2; round <= 60; round += 1) {
      await near.getRaw('projects', doc.id);
      await near.listRaw('projects', query);
      await nearService.update('projects', doc.id, { result: `round ${round}` }, apiActor);
      expect((await near.getRaw('projects', doc.id))?.version).toBe(round);
      expect((await near.listRaw('projects', query)).itemsJson).toContain(`round ${round}`);
    }
  });

  it('never goes back to an older version while another instance keeps writing', async () => {
    const { near, nearService, otherService } = await instances();
    const { doc } = await nearService.create('projects', projectInput({ title: 'Monotonic' }), apiActor);
    let writing = true;
    const writer = (async () => {
      for (let n = 0; n < 150; n += 1) await otherService.update('projects', doc.id, { result: `write ${n}` }, apiActor);
      writing = false;
    })();
    let seen = 0;
    let reads = 0;
    while (writing) {
      // A hit resolves without I/O: let the writer's replies in.
      await new Promise((resolve) => setImmediate(resolve));
      const version = (await near.getRaw('projects', doc.id))?.version ?? 0;
      expect(version).toBeGreaterThanOrEqual(seen);
      seen = version;
      reads += 1;
    }
    await writer;
    expect(reads).toBeGreaterThan(10);
    await until(async () => (await near.getRaw('projects', doc.id))?.version === 151, 'the last write to reach the near cache');
  });

  it('forgets everything when the tracking connection drops and caches again once it is back', async () => {
    const { near, nearService, otherService } = await instances();
    const { doc } = await nearService.create('projects', projectInput({ title: 'Watch lost' }), apiActor);
    // The late notice of its own create would otherwise drop the copy read next.
    await noticesDelivered(near, otherService);
    await near.getRaw('projects', doc.id);
    expect(near.near?.size).toBeGreaterThan(0);

    const ids = await trackingClientIds();
    expect(ids.length).toBeGreaterThan(0);
    const resets = near.near?.resets ?? 0;
    for (const id of ids) await redisCommand({ host: server.host, port: server.port }, ['CLIENT', 'KILL', 'ID', id]);
    // node-redis reconnects at once after a drop (no delay before the first attempt), so "not live"
    // lasts a few milliseconds, less than a poll: look for the reset the drop caused instead.
    await until(() => (near.near?.resets ?? 0) > resets, 'the watch to report the lost connection', {
      detail: () => `killed ${ids.join(', ')}; live ${String(near.near?.live)}`,
    });
    expect(near.near?.size).toBe(0);

    // Nothing was kept across the drop, so the change made meanwhile is read from Redis.
    await otherService.update('projects', doc.id, { result: 'while the watch was down' }, apiActor);
    expect((await near.getRaw('projects', doc.id))?.version).toBe(2);

    await until(() => near.near?.live === true, 'tracking to be on again');
    await near.getRaw('projects', doc.id);
    expect(await roundTrips(near, () => near.getRaw('projects', doc.id))).toBe(0);
    await otherService.update('projects', doc.id, { result: 'after the watch came back' }, apiActor);
    await until(async () => (await near.getRaw('projects', doc.id))?.version === 3, 'the update after reconnecting');
  });

  it('stops serving within a second when the watch stops confirming (Redis paused), and serves again after', async () => {
    const { near, nearService } = await instances();
    const { doc } = await nearService.create('projects', projectInput({ title: 'Paused' }), apiActor);
    await until(async () => (await roundTrips(near, () => near.getRaw('projects', doc.id))) === 0, 'the document to be cached');
    // Trust lasts 1 s past the last confirmation; the pause lasts 2.5 s, so it must lapse inside it.
    await server.pause(2_500);
    await until(() => near.near?.live === false, 'the near cache to stop trusting a silent watch', { timeoutMs: 2_400, intervalMs: 5 });
    // Nothing was lost while paused, so once the watch confirms again the copy is good again.
    await until(() => near.near?.live === true, 'the watch to confirm again after the pause', { timeoutMs: 5_000 });
    expect(await roundTrips(near, () => near.getRaw('projects', doc.id))).toBe(0);
  });

  it('stays off, without retrying, when Redis refuses client tracking (an ACL user without CLIENT)', async () => {
    const admin = { host: server.host, port: server.port };
    await redisCommand(admin, ['ACL', 'SETUSER', 'no-client', 'on', '>secret-pass', '~*', '+@all', '-client']);
    prefix = testPrefix();
    const url = `redis://no-client:secret-pass@${server.host}:${server.port}`;
    const store = new RedisStore({ driver: new TcpDriver({ url }), keyPrefix: prefix, nearCacheBytes: 1024 * 1024 });
    open.push(store);
    await store.open();
    expect(store.near?.live).toBe(false);
    const service = new ContentService({ store });
    const { doc } = await service.create('projects', projectInput({ title: 'Refused tracking' }), apiActor);
    expect((await store.getRaw('projects', doc.id))?.version).toBe(1);
    const connections = async () => Number(/total_connections_received:(\d+)/.exec(String(await redisCommand(admin, ['INFO', 'stats'])))?.[1]);
    const before = await connections();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // Only the two INFO probes themselves connected: the watch did not reconnect every 500 ms.
    expect((await connections()) - before).toBeLessThanOrEqual(1);
    expect(store.near?.live).toBe(false);
  });

  it('is not there at all where the driver cannot watch keys (REST)', async () => {
    const bridge = await startUpstashBridge({ redisUrl: server.url });
    try {
      prefix = testPrefix();
      // Inside the resilience policies, as the server runs it: that wrapper always offers watchKeys.
      const driver = await createDriver({ kind: 'rest', url: bridge.url, token: bridge.token, source: 'test' }, DEFAULT_RESILIENCE);
      const store = new RedisStore({ driver, keyPrefix: prefix, nearCacheBytes: 1024 * 1024 });
      open.push(store);
      await store.open();
      expect(store.near).toBeNull();
    } finally {
      await bridge.stop();
    }
  });

  it('drops everything on FLUSHALL', async () => {
    const { near, nearService } = await instances();
    const { doc } = await nearService.create('projects', projectInput({ title: 'Flushed' }), apiActor);
    await near.getRaw('projects', doc.id);
    await redisCommand({ host: server.host, port: server.port }, ['FLUSHALL']);
    await until(async () => (await near.getRaw('projects', doc.id)) === null, 'the flush to reach the near cache');
  });

  it('keeps within its byte budget, dropping the least recently used', async () => {
    prefix = testPrefix();
    const near = new RedisStore({ driver: new TcpDriver({ url: server.url }), keyPrefix: prefix, nearCacheBytes: 64 * 1024 });
    open.push(near);
    await near.open();
    await until(() => near.near?.live === true, 'client tracking to be on');
    const service = new ContentService({ store: near });
    const ids: string[] = [];
    for (let n = 0; n < 60; n += 1) ids.push((await service.create('projects', projectInput({ title: `Budget ${n}`, description: 'x'.repeat(2_000) }), apiActor)).doc.id);
    for (const id of ids) await near.getRaw('projects', id);
    // The newest may still be dropped by the late notice of its own create; read until it stays.
    await until(async () => (await roundTrips(near, () => near.getRaw('projects', ids[59] as string))) === 0, 'the newest document to stay cached');
    expect(near.near?.usedBytes).toBeLessThanOrEqual(64 * 1024);
    expect(near.near?.size).toBeGreaterThan(10);
    expect(near.near?.size).toBeLessThan(60);
    expect(await roundTrips(near, () => near.getRaw('projects', ids[59] as string))).toBe(0);
    expect(await roundTrips(near, () => near.getRaw('projects', ids[0] as string))).toBe(1);
  });

  // Reads of ids that do not exist are cached too (as absent). Counted at their text alone they
  // looked nearly free, and a stream of made-up ids held several times the budget in memory.
  it('holds no more memory than its budget, even filled with absent documents', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    prefix = testPrefix();
    const budget = 4 * 1024 * 1024;
    const near = new RedisStore({ driver: new TcpDriver({ url: server.url }), keyPrefix: prefix, nearCacheBytes: budget });
    open.push(near);
    await near.open();
    await until(() => near.near?.live === true, 'client tracking to be on');
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let start = 0; start < 40_000; start += 500) {
      await near.getMany('projects', Array.from({ length: 500 }, (_, n) => `absent-${start + n}`));
    }
    gc();
    const held = process.memoryUsage().heapUsed - before;
    expect(near.near?.size).toBeGreaterThan(1_000);
    expect(near.near?.usedBytes).toBeLessThanOrEqual(budget);
    expect(held).toBeLessThan(1.5 * budget);
  });
});
