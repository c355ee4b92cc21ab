/**
 * A write planned under one stage must not commit after the stage switched which store is
 * authoritative. Two instances share one Redis and one data directory; one of them has not yet
 * seen a switch (its stage view is stale, as it is for up to a refresh, or for longer when a
 * write is held up on the JSON lock, a slow disk or a pause). Its write must be refused by the
 * store it planned for and go, planned again, to the store the new stage makes authoritative.
 * Committed to the old one, it could tie or overwrite a write another instance had committed to
 * the new one, and one of the two acknowledged writes would be lost.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { StageChangedError } from '../../src/domain/errors.js';
import { MigrationEngine } from '../../src/migration/engine.js';
import type { Stage } from '../../src/migration/stages.js';
import { ContentService } from '../../src/service/content-service.js';
import { DirectoryLock } from '../../src/store/json/lock.js';
import type { MigratingStore } from '../../src/store/migrating/migrating-store.js';
import { migratingStoreFollowing } from '../contract/migrating-fixture.js';
import { deleteKeys, testPrefix } from '../contract/redis-fixture.js';
import { apiActor, projectInput } from '../fixtures/inputs.js';
import { redisCommand, startRedisServer, type RedisServerHandle } from '../support/redis-server.js';
import { until } from '../support/until.js';

let server: RedisServerHandle;
let dir: string;
let prefix: string;
const opened: MigratingStore[] = [];

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ckv-commit-fence-'));
  prefix = testPrefix();
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  await deleteKeys({ url: server.url }, prefix);
  await rm(dir, { recursive: true, force: true });
});

/** One server instance's stores over the shared Redis and directory; its view refreshes only when told. */
async function instance() {
  const { store, json, redis, state, view, queue, comparer, driver } = await migratingStoreFollowing({ url: server.url, dir, prefix, journal: `repair-journal-${opened.length}.jsonl` });
  opened.push(store);
  const engine = new MigrationEngine({ json, redis, state, view, queue, comparer, router: store, settleMs: 20 });
  return { store, json, redis, state, view, engine, driver, service: new ContentService({ store }) };
}

type Instance = Awaited<ReturnType<typeof instance>>;

/** Sets the stage as a plain state write (the starting point of a test, before any instance plans a write). */
async function setStage(by: Instance, stage: Stage): Promise<void> {
  await by.state.writeState({ 'projects:stage': stage, 'projects:readPercent': stage === 'live' ? 50 : 0 });
}

/** Moves the stage the way `contentkv migrate advance|rollback` does: the real engine, fence and all. */
async function moveStage(by: Instance, stage: Stage, direction: 'advance' | 'rollback'): Promise<void> {
  // force: the guards (a clean backfill and verify) are not what these tests are about.
  await by.engine[direction]({ collection: 'projects', stage, readPercent: stage === 'live' ? 50 : undefined, force: true, actor: apiActor });
}

/** Settles each promise a spy returned: which calls applied, which were refused. */
async function outcomes(spy: { mock: { results: { value: unknown }[] } }): Promise<string[]> {
  return Promise.all(
    spy.mock.results.map(async ({ value }) => {
      try {
        return `applied ${((await value) as { outcome: string }).outcome}`;
      } catch (error) {
        return error instanceof StageChangedError ? 'refused: stage changed' : `failed: ${String(error)}`;
      }
    }),
  );
}

it.each([
  ['shadow', 'live', 'advance', 'json', 'redis'],
  ['live', 'shadow', 'rollback', 'redis', 'json'],
] as const)('refuses a write planned at %s once the stage is %s, and commits it to the new authoritative store', async (from, to, direction, planned, authoritative) => {
  const stale = await instance();
  const switcher = await instance();
  await setStage(switcher, from);
  await stale.view.refresh();
  await stale.service.create('projects', projectInput({ id: 'fenced' }), apiActor);

  // The switch, made elsewhere; the stale instance has not refreshed its view since.
  await moveStage(switcher, to, direction);
  expect(stale.store.stageOf('projects')).toBe(from);

  const commits = { json: vi.spyOn(stale.json, 'commit'), redis: vi.spyOn(stale.redis, 'commit') };
  const updated = await stale.service.update('projects', 'fenced', { title: 'Written across the switch' }, apiActor, { expectedVersion: 1 });
  expect(updated.doc.metadata.version).toBe(2);

  expect(await outcomes(commits[planned])).toEqual(['refused: stage changed']);
  expect(await outcomes(commits[authoritative])).toEqual(['applied applied']);
  expect(stale.store.stageOf('projects')).toBe(to);
  // Both stores hold the write: the authoritative one committed it, the other took the copy.
  for (const store of [stale.json, stale.redis]) {
    const head = await store.head('projects', 'fenced');
    expect([head.version, head.doc?.title]).toEqual([2, 'Written across the switch']);
  }
});

it('holds the switch of the authoritative store until a JSON commit holding the lock has finished', async () => {
  const switcher = await instance();
  await setStage(switcher, 'shadow');

  // The writer is inside a JSON commit, past its check, holding the directory lock (as a commit
  // on a slow disk would). The lock is the one JsonStore takes, on the same directory.
  let finishCommit = () => undefined as void;
  let holding = () => undefined as void;
  const held = new Promise<void>((resolve) => (holding = resolve));
  const committing = new DirectoryLock(dir).run(() => {
    holding();
    return new Promise<void>((resolve) => (finishCommit = resolve));
  });
  await held;

  // The real engine moves shadow to live: the fence goes up, and the stage waits for the lock.
  let switched = false;
  const switching = switcher.engine.advance({ collection: 'projects', stage: 'live', readPercent: 50, force: true, actor: apiActor }).then(() => (switched = true));
  await until(async () => (await switcher.state.readState()).fenceUntil > Date.now(), 'the fence to go up');
  // Well past the engine's settle time (20 ms here): only the lock holds the stage back now.
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(switched).toBe(false);
  expect((await switcher.state.readState()).collections.projects.stage).toBe('shadow');

  finishCommit();
  await committing;
  await switching;
  expect((await switcher.state.readState()).collections.projects.stage).toBe('live');
});

it('refuses nothing for a change of state that is not a change of stage', async () => {
  const stale = await instance();
  const switcher = await instance();
  await setStage(switcher, 'live');
  await stale.view.refresh();
  await stale.service.create('projects', projectInput({ id: 'unfenced' }), apiActor);

  // The share of reads moves and the migration is paused and resumed: the epoch moves three times.
  await switcher.engine.rollback({ collection: 'projects', stage: 'live', readPercent: 20, actor: apiActor });
  await switcher.engine.pause(apiActor);
  await switcher.engine.resume(apiActor);
  expect((await switcher.state.readState()).epoch).toBeGreaterThan(stale.view.current().epoch);

  const commits = vi.spyOn(stale.redis, 'commit');
  await stale.service.update('projects', 'unfenced', { title: 'Planned before a pause' }, apiActor, { expectedVersion: 1 });
  expect(await outcomes(commits)).toEqual(['applied applied']);
});

it('commits to the JSON files without a Redis round trip under their lock', async () => {
  const writer = await instance();
  await setStage(writer, 'json');
  await writer.view.refresh();
  await writer.service.create('projects', projectInput({ id: 'json-only' }), apiActor);
  // At stage json nothing is copied to Redis, so a commit there needs Redis for nothing: a Redis
  // that is slow or gone must not hold the directory lock (every process's writes wait on it).
  const before = writer.driver.roundTrips;
  await writer.service.update('projects', 'json-only', { title: 'No Redis needed' }, apiActor, { expectedVersion: 1 });
  expect(writer.driver.roundTrips).toBe(before);
  expect((await writer.json.head('projects', 'json-only')).version).toBe(2);
});

/** Holds every call of `target[method]` until released, then lets it run for real. */
function holdCalls<T extends object>(target: T, method: keyof T & string) {
  const original = (target[method] as (...args: unknown[]) => Promise<unknown>).bind(target);
  let release = () => undefined as void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let entered = () => undefined as void;
  const reached = new Promise<void>((resolve) => (entered = resolve));
  vi.spyOn(target, method as never).mockImplementation((async (...args: unknown[]) => {
    entered();
    await gate;
    return original(...args);
  }) as never);
  return { reached, release };
}

it.each([
  ['shadow', 'live', 'advance', 'redis'],
  ['live', 'shadow', 'rollback', 'json'],
] as const)('makes a copy held up across the switch from %s to %s before the new store takes a write', async (from, to, direction, copiedTo) => {
  const stale = await instance();
  const switcher = await instance();
  await setStage(switcher, from);
  await stale.view.refresh();
  await stale.service.create('projects', projectInput({ id: 'owed' }), apiActor);

  // The first write commits to the old authoritative store; its copy to the other is held up
  // (a Redis answering slowly, a disk stalling) past the whole switch.
  const held = holdCalls(stale[copiedTo], 'putIfNewer');
  const first = stale.service.update('projects', 'owed', { title: 'First, before the switch' }, apiActor, { expectedVersion: 1 });
  await held.reached;

  await moveStage(switcher, to, direction);
  // The second write, at the new authoritative store, builds on what it holds.
  const second = await switcher.service.update('projects', 'owed', { challenge: 'Second, after the switch' }, apiActor);
  expect(second.doc.metadata.version).toBe(3);

  held.release();
  expect((await first).doc.metadata.version).toBe(2);
  // Both acknowledged writes are in the document, in both stores.
  for (const store of [switcher.json, switcher.redis]) {
    const head = await store.head('projects', 'owed');
    expect([head.version, head.doc?.title, (head.doc as { challenge?: string } | null)?.challenge]).toEqual([3, 'First, before the switch', 'Second, after the switch']);
  }
});

it.each([
  ['after it reached Redis', true, 'live', 'redis'],
  ['before it reached Redis', false, 'shadow', 'json'],
] as const)('leaves the JSON files fenced by a switch cut off %s, and writes go on at the stage Redis holds', async (_when, reached, stageAfter, committedBy) => {
  const stale = await instance();
  const switcher = await instance();
  await setStage(switcher, 'shadow');
  await stale.view.refresh();
  await stale.service.create('projects', projectInput({ id: 'cut-off' }), apiActor);

  // The engine's Redis write of the switch fails as a lost reply or a killed process would make
  // it: applied and unanswered, or not applied at all.
  const writeSwitch = switcher.state.writeSwitch.bind(switcher.state);
  vi.spyOn(switcher.state, 'writeSwitch').mockImplementation(async (fields, epoch, planned) => {
    if (reached) await writeSwitch(fields, epoch, planned);
    throw new Error('the reply was lost');
  });
  await expect(moveStage(switcher, 'live', 'advance')).rejects.toThrow('the reply was lost');
  await switcher.state.writeState({ fence: 0 });

  const commits = { json: vi.spyOn(stale.json, 'commit'), redis: vi.spyOn(stale.redis, 'commit') };
  const updated = await stale.service.update('projects', 'cut-off', { title: 'After the cut-off switch' }, apiActor, { expectedVersion: 1 });
  expect(updated.doc.metadata.version).toBe(2);
  expect(stale.store.stageOf('projects')).toBe(stageAfter);
  expect(await outcomes(commits.json)).toEqual(reached ? ['refused: stage changed'] : ['refused: stage changed', 'applied applied']);
  expect(await outcomes(commits[committedBy]).then((all) => all.at(-1))).toBe('applied applied');
});

it('takes writes again when Redis lost the migration state the JSON files recorded a switch of', async () => {
  const writer = await instance();
  await setStage(writer, 'json');
  await moveStage(writer, 'dual-write', 'advance');
  await moveStage(writer, 'json', 'rollback');
  await writer.service.create('projects', projectInput({ id: 'after-flush' }), apiActor);

  // Redis is flushed (or replaced, or restored from an older copy): the stage is unset, which
  // means json, at epoch 0, behind the switch the files recorded.
  await redisCommand(server, ['DEL', `${prefix}meta:migration:state`]);
  const fresh = await instance();
  expect(fresh.view.current().epoch).toBe(0);
  const updated = await fresh.service.update('projects', 'after-flush', { title: 'Written after the flush' }, apiActor, { expectedVersion: 1 });
  expect(updated.doc.metadata.version).toBe(2);
  expect((await fresh.json.head('projects', 'after-flush')).doc?.title).toBe('Written after the flush');
});

it('refuses a switch planned from a stage another operator has moved since, and lifts its fence', async () => {
  const first = await instance();
  const second = await instance();
  await setStage(first, 'shadow');

  // The second operator's advance is planned at shadow; before it writes, the first rolls back.
  const recordSwitch = second.json.recordSwitch.bind(second.json);
  vi.spyOn(second.json, 'recordSwitch').mockImplementation(async (epoch, write) => {
    await moveStage(first, 'dual-write', 'rollback');
    return recordSwitch(epoch, write);
  });
  await expect(moveStage(second, 'live', 'advance')).rejects.toThrow(/moved to dual-write meanwhile/);
  const state = await second.state.readState();
  expect(state.collections.projects.stage).toBe('dual-write');
  expect(state.fenceUntil).toBe(0);
});

it('finishes a switch that left copies owed: the next stage command makes them', async () => {
  const operator = await instance();
  await setStage(operator, 'shadow');
  await operator.view.refresh();
  await operator.service.create('projects', projectInput({ id: 'left-owed' }), apiActor);
  // A write committed in Redis at live whose copy to the JSON files was still owed when the
  // switch back to shadow failed halfway (Redis went away after writing the new stage).
  await new ContentService({ store: operator.redis }).update('projects', 'left-owed', { title: 'Committed in Redis' }, apiActor, { expectedVersion: 1 });
  await redisCommand(server, ['SADD', `${prefix}meta:migration:owed:projects`, 'left-owed']);
  expect((await operator.json.head('projects', 'left-owed')).version).toBe(1);

  // Any stage command, here one with nothing to move, makes the copy before planning.
  await moveStage(operator, 'shadow', 'advance');
  const head = await operator.json.head('projects', 'left-owed');
  expect([head.version, head.doc?.title]).toEqual([2, 'Committed in Redis']);
  expect(Number(await redisCommand(server, ['SCARD', `${prefix}meta:migration:owed:projects`]))).toBe(0);
});
