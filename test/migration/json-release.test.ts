/**
 * A server that was running when a collection moved to `redis` lets go of the collection's JSON
 * documents once they go unused, and reads the file again if the collection rolls back.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Stage } from '../../src/migration/stages.js';
import { ContentService } from '../../src/service/content-service.js';
import { migratingStoreFollowing } from '../contract/migrating-fixture.js';
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

const IDLE_MS = 500;

it('lets go of a collection at redis once unused, and reads its file again after a rollback', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ckv-json-release-'));
  const prefix = testPrefix();
  const { store, json, state, view } = await migratingStoreFollowing({ url: server.url, dir, prefix, jsonIdleMs: IDLE_MS });
  const service = new ContentService({ store });
  const moveTo = async (stage: Stage) => {
    await state.writeState({ 'projects:stage': stage, 'projects:readPercent': 100 });
    await view.refresh();
  };
  const idle = () => sleep(IDLE_MS + 50);
  try {
    await moveTo('rampdown');
    // At rampdown every write is copied to the JSON file, which is then held in memory.
    const { doc } = await service.create('projects', projectInput({ id: 'kept-on-disk' }), apiActor);
    expect(json.holdsInMemory('projects')).toBe(true);

    await moveTo('redis');
    await idle();
    await view.refresh();
    expect(json.holdsInMemory('projects')).toBe(false);
    expect((await service.get('projects', 'kept-on-disk', { canSeeUnpublished: true })).metadata.version).toBe(1);
    expect(json.holdsInMemory('projects')).toBe(false);

    // What reads the file at redis (a verify, a repair) keeps it while it works.
    await json.get('projects', 'kept-on-disk');
    await view.refresh();
    expect(json.holdsInMemory('projects')).toBe(true);
    // A copy saved after the switch (it waited for the JSON lock the switch held) goes too, later.
    await idle();
    await view.refresh();
    await json.putIfNewer('projects', [{ id: 'kept-on-disk', doc }], { replaceEqual: true });
    expect(json.holdsInMemory('projects')).toBe(true);
    await idle();
    await view.refresh();
    expect(json.holdsInMemory('projects')).toBe(false);

    // Rolled back, the collection is read from the file again, with what it held.
    await moveTo('rampdown');
    await service.update('projects', 'kept-on-disk', { title: 'Edited after the rollback' }, apiActor, { expectedVersion: 1 });
    expect(json.holdsInMemory('projects')).toBe(true);
    const onDisk = JSON.parse(await readFile(join(dir, 'projects.json'), 'utf8')) as { id: string; title: string; metadata: { version: number } }[];
    expect(onDisk.map((kept) => [kept.id, kept.title, kept.metadata.version])).toEqual([['kept-on-disk', 'Edited after the rollback', 2]]);
  } finally {
    await store.close();
    await deleteKeys({ url: server.url }, prefix);
    await rm(dir, { recursive: true, force: true });
  }
});
