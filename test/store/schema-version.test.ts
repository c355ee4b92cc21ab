/** A store stamped by newer code stays readable and refuses every write, saying why. */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../src/domain/schema-version.js';
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

describe('schema version', () => {
  it('stamps a fresh Redis with the version this code knows', async () => {
    const prefix = testPrefix();
    const store = new RedisStore({ driver: new TcpDriver({ url: server.url }), keyPrefix: prefix });
    await store.open();
    expect(String(await redisCommand(server, ['GET', `${prefix}meta:schema:version`]))).toBe(String(SCHEMA_VERSION));
    expect(store.schemaProblem).toBeNull();
    await store.close();
    await deleteKeys({ url: server.url }, prefix);
  });

  it('raises a Redis stamped by older code to this version, so older instances stop writing', async () => {
    const prefix = testPrefix();
    await redisCommand(server, ['SET', `${prefix}meta:schema:version`, String(SCHEMA_VERSION - 1)]);
    const store = new RedisStore({ driver: new TcpDriver({ url: server.url }), keyPrefix: prefix });
    await store.open();
    expect(String(await redisCommand(server, ['GET', `${prefix}meta:schema:version`]))).toBe(String(SCHEMA_VERSION));
    expect(store.schemaProblem).toBeNull();
    await new ContentService({ store }).create('projects', projectInput({ id: 'raised' }), apiActor);
    await store.close();
    await deleteKeys({ url: server.url }, prefix);
  });

  it('reads but refuses writes on a Redis written by newer code', async () => {
    const prefix = testPrefix();
    const writer = new RedisStore({ driver: new TcpDriver({ url: server.url }), keyPrefix: prefix });
    await writer.open();
    await new ContentService({ store: writer }).create('projects', projectInput({ id: 'alpha' }), apiActor);
    await redisCommand(server, ['SET', `${prefix}meta:schema:version`, String(SCHEMA_VERSION + 1)]);

    const old = new RedisStore({ driver: new TcpDriver({ url: server.url }), keyPrefix: prefix });
    await old.open();
    expect(old.schemaProblem).toMatch(/upgrade contentkv/);
    const service = new ContentService({ store: old });
    expect((await service.get('projects', 'alpha', { canSeeUnpublished: true })).id).toBe('alpha');
    await expect(service.update('projects', 'alpha', { title: 'New' }, apiActor)).rejects.toMatchObject({ code: 'SCHEMA_TOO_NEW' });
    await expect(service.create('projects', projectInput({ id: 'beta' }), apiActor)).rejects.toMatchObject({ code: 'SCHEMA_TOO_NEW' });
    expect((await old.get('projects', 'alpha'))?.metadata.version).toBe(1);
    await old.close();
    await writer.close();
    await deleteKeys({ url: server.url }, prefix);
  });

  it('reads but refuses writes on JSON files written by newer code', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ckv-schema-'));
    await mkdir(join(dir, '.contentkv'));
    await writeFile(join(dir, '.contentkv/meta.json'), JSON.stringify({ schemaVersion: SCHEMA_VERSION + 1 }));
    const store = new JsonStore({ dir });
    await store.open();
    expect(store.schemaProblem).toMatch(/upgrade contentkv/);
    await expect(new ContentService({ store }).create('projects', projectInput({ id: 'beta' }), apiActor)).rejects.toMatchObject({ code: 'SCHEMA_TOO_NEW' });
    expect(await store.get('projects', 'beta')).toBeNull();
    await rm(dir, { recursive: true, force: true });
  });
});
