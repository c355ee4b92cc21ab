/**
 * The rollback guard's "newer in Redis" check must count deletes. A document deleted at stage
 * `redis` leaves Redis only a tombstone, no manifest entry; the JSON files still hold it at an
 * older version. Rolling back past that unguarded would serve the deleted document again, and an
 * edit of it would then tie the tombstone's version and be settled against the delete.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newerInRedis } from '../../src/migration/transitions.js';
import { ContentService } from '../../src/service/content-service.js';
import { JsonStore } from '../../src/store/json/json-store.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { TcpDriver } from '../../src/store/redis/tcp-driver.js';
import { deleteKeys, testPrefix } from '../contract/redis-fixture.js';
import { apiActor, projectInput } from '../fixtures/inputs.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.js';

let server: RedisServerHandle;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});

it('counts a document deleted in Redis, and still in the JSON files, as newer in Redis', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ckv-rollback-guard-'));
  const prefix = testPrefix();
  const json = new JsonStore({ dir });
  const redis = new RedisStore({ driver: new TcpDriver({ url: server.url }), keyPrefix: prefix });
  await json.open();
  await redis.open();
  try {
    // Both stores hold the same two documents, as after a backfill.
    const jsonService = new ContentService({ store: json });
    const kept = (await jsonService.create('projects', projectInput({ id: 'kept' }), apiActor)).doc;
    const deleted = (await jsonService.create('projects', projectInput({ id: 'deleted-at-redis' }), apiActor)).doc;
    await redis.putIfNewer('projects', [{ id: kept.id, doc: kept }, { id: deleted.id, doc: deleted }]);
    expect(await newerInRedis({ json, redis }, 'projects', 1)).toEqual([]);

    // At stage `redis` the delete reaches Redis only.
    await new ContentService({ store: redis }).delete('projects', deleted.id, apiActor, { expectedVersion: 1 });
    expect(await newerInRedis({ json, redis }, 'projects', 1)).toEqual(['deleted-at-redis']);
  } finally {
    await json.close();
    await redis.close();
    await deleteKeys({ url: server.url }, prefix);
    await rm(dir, { recursive: true, force: true });
  }
});
