/**
 * A server that was running when a collection moved to `redis` lets go of the collection's JSON
 * documents at its next look at the stage, and reads the file again if the collection rolls back.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RepairQueue } from '../../src/migration/repair-queue.js';
import { ShadowComparer } from '../../src/migration/shadow-compare.js';
import { StageView } from '../../src/migration/stage-view.js';
import type { Stage } from '../../src/migration/stages.js';
import { MigrationStateStore } from '../../src/migration/state-store.js';
import { ContentService } from '../../src/service/content-service.js';
import { JsonStore } from '../../src/store/json/json-store.js';
import { MigratingStore } from '../../src/store/migrating/migrating-store.js';
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

it('lets go of a collection at redis and reads its file again after a rollback', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ckv-json-release-'));
  const prefix = testPrefix();
  const driver = new TcpDriver({ url: server.url });
  const json = new JsonStore({ dir });
  const redis = new RedisStore({ driver, keyPrefix: prefix });
  const state = new MigrationStateStore(driver, redis.keys);
  // Refreshed by hand below, not on a timer, so each step sees exactly the stage it set.
  const view = new StageView({ state, override: {}, defaultStage: 'json', refreshMs: 3_600_000 });
  const store = new MigratingStore({ json, redis, view, repairs: new RepairQueue(state, null), comparer: new ShadowComparer({ stores: { json, redis }, state, sampleRate: 0 }) });
  const service = new ContentService({ store });
  const moveTo = async (stage: Stage) => {
    await state.writeState({ 'projects:stage': stage, 'projects:readPercent': 100 });
    await view.refresh();
  };
  try {
    await state.writeState({ 'projects:stage': 'rampdown', 'projects:readPercent': 100 });
    await store.open();
    // At rampdown every write is copied to the JSON file, which is then held in memory.
    await service.create('projects', projectInput({ id: 'kept-on-disk' }), apiActor);
    expect(json.holdsInMemory('projects')).toBe(true);

    await moveTo('redis');
    expect(json.holdsInMemory('projects')).toBe(false);
    expect((await service.get('projects', 'kept-on-disk', { canSeeUnpublished: true })).metadata.version).toBe(1);
    expect(json.holdsInMemory('projects')).toBe(false);

    // Rolled back, the collection is read from the file again, with what it held.
    await moveTo('rampdown');
    await service.update('projects', 'kept-on-disk', { title: 'Edited after the rollback' }, apiActor, { expectedVersion: 1 });
    expect(json.holdsInMemory('projects')).toBe(true);
    const onDisk = JSON.parse(await readFile(join(dir, 'projects.json'), 'utf8')) as { id: string; title: string; metadata: { version: number } }[];
    expect(onDisk.map((doc) => [doc.id, doc.title, doc.metadata.version])).toEqual([['kept-on-disk', 'Edited after the rollback', 2]]);
  } finally {
    await store.close();
    await deleteKeys({ url: server.url }, prefix);
    await rm(dir, { recursive: true, force: true });
  }
});
