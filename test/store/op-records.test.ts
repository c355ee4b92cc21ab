/**
 * What each store writes under an idempotency key, and how it reads what older code wrote: the
 * version alone, before keys were scoped to a document. Those records are still answered as
 * retries, as they always were, until they expire or are pushed out.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ContentService } from '../../src/service/content-service.js';
import { JsonStore } from '../../src/store/json/json-store.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { TcpDriver } from '../../src/store/redis/tcp-driver.js';
import { deleteKeys, testPrefix } from '../contract/redis-fixture.js';
import { apiActor, projectInput } from '../fixtures/inputs.js';
import { redisCommand, startRedisServer, type RedisServerHandle } from '../support/redis-server.js';

let server: RedisServerHandle;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(() => server.stop());

it('records in Redis the version and the document, and answers a record of the version alone as a retry', async () => {
  const prefix = testPrefix();
  const store = new RedisStore({ driver: new TcpDriver({ url: server.url }), keyPrefix: prefix, opTtlSeconds: 600 });
  try {
    await store.open();
    const service = new ContentService({ store });
    await service.create('projects', projectInput({ id: 'alpha' }), apiActor, { opId: 'recorded-key-01' });
    const key = `${prefix}meta:ops:recorded-key-01`;
    expect(String(await redisCommand(server, ['GET', key]))).toBe('1 projects/alpha');

    await redisCommand(server, ['SET', key, '1', 'EX', '600']);
    expect(await service.create('projects', projectInput({ id: 'alpha' }), apiActor, { opId: 'recorded-key-01' })).toMatchObject({ duplicate: true, version: 1 });
  } finally {
    await store.close();
    await deleteKeys({ url: server.url }, prefix);
  }
});

it('records in the JSON files the version and the document, and answers a record of the version alone as a retry', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ckv-op-records-'));
  try {
    const service = new ContentService({ store: new JsonStore({ dir }) });
    await service.create('projects', projectInput({ id: 'alpha' }), apiActor, { opId: 'recorded-key-01' });
    const metaPath = join(dir, '.contentkv', 'meta.json');
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as { ops: Record<string, unknown> };
    expect(meta.ops['op:recorded-key-01']).toEqual({ version: 1, collection: 'projects', id: 'alpha' });

    meta.ops['op:recorded-key-01'] = 1;
    await writeFile(metaPath, JSON.stringify(meta));
    const reopened = new ContentService({ store: new JsonStore({ dir }) });
    expect(await reopened.create('projects', projectInput({ id: 'alpha' }), apiActor, { opId: 'recorded-key-01' })).toMatchObject({ duplicate: true, version: 1 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
