/**
 * An idempotency key must outlive a switch of the authoritative store. A client whose write was
 * committed at `shadow` (JSON authoritative) and who retries it, with the same key, after the
 * migration moved to `live` (Redis authoritative) reaches a store that did not commit it: that
 * store must know the key from the copy it received, and answer the retry as a retry. Otherwise
 * a create is refused as existing, a delete as missing, and a restore is applied twice.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Doc } from '../../src/domain/collections.js';
import type { Stage } from '../../src/migration/stages.js';
import { ContentService, type WriteOutcome } from '../../src/service/content-service.js';
import type { MigratingStore } from '../../src/store/migrating/migrating-store.js';
import { migratingStoreFollowing } from '../contract/migrating-fixture.js';
import { deleteKeys, testPrefix } from '../contract/redis-fixture.js';
import { apiActor, projectInput } from '../fixtures/inputs.js';
import { redisCommand, startRedisServer, type RedisServerHandle } from '../support/redis-server.js';

const OP_TTL_SECONDS = 600;

let server: RedisServerHandle;
let dir: string;
let prefix: string;
let opened: MigratingStore | null = null;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ckv-idem-switch-'));
  prefix = testPrefix();
});
afterEach(async () => {
  await opened?.close();
  opened = null;
  await deleteKeys({ url: server.url }, prefix);
  await rm(dir, { recursive: true, force: true });
});

/** A migrating store following the stage in Redis, which `switchTo` changes (as the engine would, minus its guards). */
async function migration(stage: Stage) {
  const { store, json, redis, state, view } = await migratingStoreFollowing({ url: server.url, dir, prefix, redis: { opTtlSeconds: OP_TTL_SECONDS } });
  opened = store;
  const switchTo = async (next: Stage) => {
    await state.writeState({ 'projects:stage': next, 'projects:readPercent': next === 'live' ? 100 : 0 });
    await view.refresh();
    expect(store.stageOf('projects')).toBe(next);
  };
  await switchTo(stage);
  return { store, json, redis, switchTo, service: new ContentService({ store }) };
}

type Write = (service: ContentService, opId: string) => Promise<WriteOutcome>;

/** Each kind of write, on a document `target` at version 1, with the version it leaves. */
const WRITES: [string, Write, number][] = [
  ['create', (service, opId) => service.create('projects', projectInput({ id: 'created' }), apiActor, { opId }), 1],
  ['update', (service, opId) => service.update('projects', 'target', { title: 'Changed once' }, apiActor, { expectedVersion: 1, opId }), 2],
  ['delete', (service, opId) => service.delete('projects', 'target', apiActor, { expectedVersion: 1, opId }), 2],
  ['restore', (service, opId) => service.restore('projects', 'target', 1, apiActor, { opId }), 3],
];

const SWITCHES: [Stage, Stage][] = [
  ['shadow', 'live'],
  ['live', 'shadow'],
];

it.each(SWITCHES.flatMap(([from, to]) => WRITES.map(([kind, write, version]) => [kind, from, to, write, version] as const)))(
  'answers a %s made at %s and retried with its key at %s as a duplicate, applied once',
  async (kind, from, to, write, version) => {
    const { service, json, redis, switchTo } = await migration(from);
    await service.create('projects', projectInput({ id: 'target', title: 'Original' }), apiActor);
    if (kind === 'restore') await service.update('projects', 'target', { title: 'Edited' }, apiActor);
    const id = kind === 'create' ? 'created' : 'target';
    const opId = `switch-${kind}-${from}`;

    const first = await write(service, opId);
    expect(first).toMatchObject({ duplicate: false, version });
    const entries = (await service.audit({ entityId: id, limit: 20 })).items.length;

    await switchTo(to);
    const retry = await write(service, opId);
    expect(retry).toMatchObject({ duplicate: true, version });
    for (const store of [json, redis]) expect((await store.head('projects', id)).version).toBe(version);
    expect((await service.audit({ entityId: id, limit: 20 })).items).toHaveLength(entries);
  },
);

it('records the key of a copied write in Redis as its commit would, with the same lifetime', async () => {
  const { service } = await migration('shadow');
  await service.create('projects', projectInput({ id: 'copied' }), apiActor, { opId: 'copied-key-0001' });
  const key = `${prefix}meta:ops:copied-key-0001`;
  expect(String(await redisCommand(server, ['GET', key]))).toBe('1 projects/copied');
  const ttl = Number(await redisCommand(server, ['TTL', key]));
  expect(ttl).toBeGreaterThan(OP_TTL_SECONDS - 60);
  expect(ttl).toBeLessThanOrEqual(OP_TTL_SECONDS);
});

it('refuses a key reused for another document after the switch, as before it', async () => {
  const { service, switchTo } = await migration('shadow');
  await service.create('projects', projectInput({ id: 'first' }), apiActor, { opId: 'reused-switch-01' });
  await switchTo('live');
  await expect(service.create('projects', projectInput({ id: 'second' }), apiActor, { opId: 'reused-switch-01' })).rejects.toMatchObject({
    code: 'VALIDATION_FAILED',
    details: { usedFor: 'projects/first' },
  });
  expect(await service.store.get('projects', 'second')).toBeNull();
});

it.each(SWITCHES.flatMap(([from, to]) => [
  ['never copied', from, to, false] as const,
  ['copied since by a repair, which carries no key', from, to, true] as const,
]))('records the key where a retry finds the write applied but %s (%s, then %s), so a retry after the switch is a duplicate too', async (_, from, to, repaired) => {
  const { service, json, redis, switchTo } = await migration(from);
  const [authoritative, other] = from === 'shadow' ? [json, redis] : [redis, json];
  await service.create('projects', projectInput({ id: 'half-written' }), apiActor);
  // The first attempt reaches the authoritative store only, then the process dies.
  const options = { expectedVersion: 1, opId: 'half-written-key' };
  await new ContentService({ store: authoritative }).update('projects', 'half-written', { title: 'Saved before the crash' }, apiActor, options);
  expect((await other.head('projects', 'half-written')).version).toBe(1);
  if (repaired) await other.putIfNewer('projects', [{ id: 'half-written', doc: (await authoritative.get('projects', 'half-written')) as Doc }]);

  // Retried before the switch: a duplicate, whose copy (made, or skipped as not newer) records the key.
  expect(await service.update('projects', 'half-written', { title: 'Saved before the crash' }, apiActor, options)).toMatchObject({ duplicate: true, version: 2 });
  await switchTo(to);
  expect(await service.update('projects', 'half-written', { title: 'Saved before the crash' }, apiActor, options)).toMatchObject({ duplicate: true, version: 2 });
  expect((await other.head('projects', 'half-written')).version).toBe(2);
});
