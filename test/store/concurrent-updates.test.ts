/**
 * No lost update: 50 editors update one document at once, each naming the version it read.
 * Each version is won by exactly one editor, the rest get VERSION_CONFLICT and retry, and every
 * win is in the history and the audit log.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VersionConflictError } from '../../src/domain/errors.js';
import { ContentService } from '../../src/service/content-service.js';
import { JsonStore } from '../../src/store/json/json-store.js';
import type { ContentStore } from '../../src/store/port.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { RestDriver } from '../../src/store/redis/rest-driver.js';
import { TcpDriver } from '../../src/store/redis/tcp-driver.js';
import { deleteKeys, testPrefix } from '../contract/redis-fixture.js';
import { apiActor, projectInput } from '../fixtures/inputs.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.js';
import { startUpstashBridge, type UpstashBridgeHandle } from '../support/upstash-bridge.js';

const EDITORS = 50;
let server: RedisServerHandle;
let bridge: UpstashBridgeHandle;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  bridge = await startUpstashBridge({ redisUrl: server.url });
});
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  await bridge.stop();
  await server.stop();
});

function redisStore(driver: TcpDriver | RestDriver): ContentStore {
  const prefix = testPrefix();
  const store = new RedisStore({ driver, keyPrefix: prefix, historyLimit: 100 });
  cleanups.push(async () => {
    await store.close();
    await deleteKeys({ url: server.url }, prefix);
  });
  return store;
}

async function jsonStore(): Promise<ContentStore> {
  const dir = await mkdtemp(join(tmpdir(), 'ckv-concurrent-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return new JsonStore({ dir, historyLimit: 100 });
}

describe.each([
  ['JSON files', jsonStore],
  ['Redis over TCP', async () => redisStore(new TcpDriver({ url: server.url }))],
  ['Redis over REST', async () => redisStore(new RestDriver({ url: bridge.url, token: bridge.token }))],
] as const)('%s', (_name, makeStore) => {
  it(`gives each version to exactly one of ${EDITORS} concurrent editors`, async () => {
    const store = await makeStore();
    await store.open();
    const service = new ContentService({ store });
    await service.create('projects', projectInput({ id: 'contested' }), apiActor);

    // Round one: everyone read version 1 and writes at once. Exactly one can win.
    const firstRound = await Promise.allSettled(
      Array.from({ length: EDITORS }, (_, editor) =>
        service.update('projects', 'contested', { title: `editor ${editor} round 1` }, apiActor, { expectedVersion: 1 }),
      ),
    );
    expect(firstRound.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const rejections = firstRound.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(rejections).toHaveLength(EDITORS - 1);
    for (const rejection of rejections) expect(rejection.reason).toBeInstanceOf(VersionConflictError);

    // Then everyone who lost retries from the version the conflict reported, until they win.
    const wins = new Map<number, string>();
    let conflicts = 0;
    const losers = firstRound.flatMap((result, editor) => (result.status === 'rejected' ? [editor] : []));
    await Promise.all(
      losers.map(async (editor) => {
        let expected = 2;
        for (;;) {
          const title = `editor ${editor} wins`;
          try {
            const { version } = await service.update('projects', 'contested', { title }, apiActor, { expectedVersion: expected });
            expect(wins.has(version)).toBe(false);
            wins.set(version, title);
            return;
          } catch (error) {
            if (!(error instanceof VersionConflictError)) throw error;
            conflicts += 1;
            expected = error.currentVersion;
          }
        }
      }),
    );
    expect(wins.size).toBe(EDITORS - 1);
    expect([...wins.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: EDITORS - 1 }, (_, index) => index + 3));
    expect(conflicts).toBeGreaterThan(0);

    const final = await store.get('projects', 'contested');
    expect(final?.metadata.version).toBe(EDITORS + 1);
    expect(final?.title).toBe(wins.get(EDITORS + 1));

    const history = await service.history('projects', 'contested', 100);
    expect(history.map((entry) => entry.version)).toEqual(Array.from({ length: EDITORS }, (_, index) => EDITORS - index));
    for (const [version, title] of wins) {
      expect(history.find((entry) => entry.replacedBy.version === version)?.replacedBy.changes).toContainEqual(
        expect.objectContaining({ field: 'title', newValue: title }),
      );
    }
    const audit = await service.audit({ entityId: 'contested', action: 'update', limit: 100 });
    expect(audit.items.map((entry) => entry.metadata.version).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
      Array.from({ length: EDITORS }, (_, index) => index + 2),
    );
  });
});
