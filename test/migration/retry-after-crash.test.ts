/**
 * A process that commits a write to the authoritative store and dies before copying it leaves
 * the other store behind, with nothing queued. The client's retry (same idempotency key) is
 * answered as a duplicate: that answer must also make the copy, or the stores stay apart until a
 * verify happens to run, and a later edit in the other store would tie the versions.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ContentService } from '../../src/service/content-service.js';
import { migratingStoreAt } from '../contract/migrating-fixture.js';
import { apiActor, projectInput } from '../fixtures/inputs.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.js';

let server: RedisServerHandle;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});

it.each([
  ['update', 'shadow'],
  ['delete', 'shadow'],
  ['update', 'live'],
] as const)('copies the %s a retry finds applied at %s, which the first attempt never copied', async (kind, stage) => {
  const { store, json, redis, cleanup } = await migratingStoreAt(server.url, stage, 100);
  try {
    await store.open();
    const both = new ContentService({ store });
    await both.create('projects', projectInput({ id: 'half-written' }), apiActor);
    expect((await redis.head('projects', 'half-written')).version).toBe(1);
    expect((await json.head('projects', 'half-written')).version).toBe(1);

    // The first attempt reaches the authoritative store only, then the process dies.
    const authoritative = new ContentService({ store: stage === 'shadow' ? json : redis });
    const other = stage === 'shadow' ? redis : json;
    const options = { expectedVersion: 1, opId: `retry-${kind}-${stage}` };
    if (kind === 'update') await authoritative.update('projects', 'half-written', { title: 'Saved before the crash' }, apiActor, options);
    else await authoritative.delete('projects', 'half-written', apiActor, options);
    expect((await other.head('projects', 'half-written')).version).toBe(1);

    // The client retries through a live process: a duplicate, and now copied.
    const retry = kind === 'update' ? await both.update('projects', 'half-written', { title: 'Saved before the crash' }, apiActor, options) : await both.delete('projects', 'half-written', apiActor, options);
    expect(retry.duplicate).toBe(true);
    const copied = await other.head('projects', 'half-written');
    expect(copied.version).toBe(2);
    expect(copied.doc?.title ?? null).toBe(kind === 'update' ? 'Saved before the crash' : null);
  } finally {
    await cleanup();
  }
});
