/**
 * `contentkv serve`, the bundled command a user runs, on each kind of store. The bundle loads
 * each Redis driver (node-redis for TCP, @upstash/redis for REST) from a chunk of its own, only
 * when the environment asks for it, so each is started here for real: it must create a document
 * and read it back through Redis, and say which store it is on.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { projectInput } from '../fixtures/inputs.js';
import { WRITE_TOKEN } from '../http/app-fixture.js';
import { deleteKeys, testPrefix } from '../contract/redis-fixture.js';
import { redisCommand, startRedisCluster, startRedisServer, type RedisServerHandle } from '../support/redis-server.js';
import { startServe } from '../support/serve-process.js';
import { startUpstashBridge, type UpstashBridgeHandle } from '../support/upstash-bridge.js';

let redis: RedisServerHandle;
let bridge: UpstashBridgeHandle;
const prefix = testPrefix();

beforeAll(async () => {
  redis = await startRedisServer();
  bridge = await startUpstashBridge({ redisUrl: redis.url });
});
afterAll(async () => {
  await deleteKeys({ url: redis.url }, prefix);
  await bridge.stop();
  await redis.stop();
});

/** Creates a project through the REST API with the write token; it must answer 201. */
async function createProject(url: string, input: Record<string, unknown>): Promise<void> {
  const created = await fetch(`${url}/api/projects`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${WRITE_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(projectInput(input)),
  });
  expect(created.status, await created.clone().text()).toBe(201);
}

async function healthOf(url: string): Promise<{ status: string; store: string }> {
  return (await (await fetch(`${url}/api/health`)).json()) as { status: string; store: string };
}

/**
 * A page and a document holding text beyond ASCII, read several times (the later page reads from
 * the near cache on TCP, which keeps the page's byte length for Content-Length): the length sent
 * must be the body's, or the client cuts the JSON short or waits for bytes that never come.
 */
async function readsWithExactLength(url: string, id: string): Promise<void> {
  await createProject(url, { id: `${id}-utf8`, title: 'Café — 日本語の案内 ✓ 🚀', metadata: { status: 'published' } });
  const exactBody = async (path: string): Promise<unknown> => {
    const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5_000) });
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(Number(response.headers.get('content-length')), path).toBe(bytes.length);
    return JSON.parse(new TextDecoder().decode(bytes));
  };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const page = (await exactBody('/api/projects?limit=50')) as { data: { id: string; title: string }[] };
    expect(page.data.find((doc) => doc.id === `${id}-utf8`)?.title).toBe('Café — 日本語の案内 ✓ 🚀');
    const one = (await exactBody(`/api/projects/${id}-utf8`)) as { data: { title: string } };
    expect(one.data.title).toBe('Café — 日本語の案内 ✓ 🚀');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function createAndRead(env: Record<string, string>, id: string): Promise<void> {
  const server = await startServe({ CONTENTKV_DATA_DIR: '/nonexistent-contentkv-data', CONTENTKV_KEY_PREFIX: prefix, CONTENTKV_TOKEN: WRITE_TOKEN, ...env });
  try {
    expect(await healthOf(server.url)).toMatchObject({ status: 'ok', store: 'redis' });
    await createProject(server.url, { id, metadata: { status: 'published' } });
    const read = await fetch(`${server.url}/api/projects/${id}`);
    expect(read.status).toBe(200);
    expect(((await read.json()) as { data: { id: string } }).data.id).toBe(id);
    await readsWithExactLength(server.url, id);
  } finally {
    await server.stop();
  }
}

it('serves from Redis over TCP (REDIS_URL)', async () => {
  await createAndRead({ REDIS_URL: redis.url }, 'served-over-tcp');
});

/**
 * The bundle carries only the few node-redis command definitions node-redis itself sends while
 * connecting (scripts/bundle.mjs), so these are the paths that need them: AUTH for a password
 * (and for an ACL user), CLUSTER SLOTS for a cluster's map of slots.
 */
it('serves from a Redis that requires a password, as the default user and as an ACL user', async () => {
  const guarded = await startRedisServer();
  try {
    expect(await redisCommand(guarded, ['CONFIG', 'SET', 'requirepass', 'sesame'])).toBe('OK');
    await createAndRead({ REDIS_URL: `redis://:sesame@127.0.0.1:${guarded.port}` }, 'served-with-password');
    const acl = await redisCommand({ ...guarded, password: 'sesame' }, ['ACL', 'SETUSER', 'site', 'on', '>open-sesame', '~*', '+@all']);
    expect(acl).toBe('OK');
    await createAndRead({ REDIS_URL: `redis://site:open-sesame@127.0.0.1:${guarded.port}` }, 'served-as-acl-user');
  } finally {
    await guarded.stop();
  }
});

// Creating the cluster alone may take most of a minute on a loaded machine.
it('serves from a Redis Cluster (REDIS_CLUSTER_NODES)', { timeout: 120_000 }, async () => {
  const cluster = await startRedisCluster();
  try {
    await createAndRead({ REDIS_CLUSTER_NODES: cluster.nodes.map((node) => `${node.host}:${node.port}`).join(',') }, 'served-from-cluster');
  } finally {
    await cluster.stop();
  }
});

it('serves from Redis over REST (KV_REST_API_URL, the Upstash client)', async () => {
  await createAndRead({ KV_REST_API_URL: bridge.url, KV_REST_API_TOKEN: bridge.token }, 'served-over-rest');
  expect(bridge.requests).toBeGreaterThan(0);
});

/**
 * A migrated site keeps its JSON files until the cleanup step. At the `redis` stage nothing
 * reads them, so the server does not load them at start (they cost memory and start time in
 * proportion to the site): even a file that is no longer valid JSON does not stop it. At a stage
 * that reads the files, the same file still stops the start, with its name in the message.
 */
it('leaves the JSON files unread at the redis stage, and reads them at start where the stage does', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'contentkv-unread-'));
  writeFileSync(join(dataDir, 'projects.json'), '[{"id": "cut-off-mid-write"');
  const env = { REDIS_URL: redis.url, CONTENTKV_DATA_DIR: dataDir, CONTENTKV_KEY_PREFIX: prefix, CONTENTKV_TOKEN: WRITE_TOKEN };
  try {
    const server = await startServe({ ...env, CONTENTKV_STAGE: 'redis' });
    try {
      expect(await healthOf(server.url)).toMatchObject({ status: 'ok', store: 'migrating' });
      await createProject(server.url, { id: 'served-past-a-broken-file', metadata: { status: 'published' } });
      expect((await fetch(`${server.url}/api/projects/served-past-a-broken-file`)).status).toBe(200);
    } finally {
      await server.stop();
    }
    // It exits (code 1) rather than hanging on its open Redis connections.
    await expect(startServe({ ...env, CONTENTKV_STAGE: 'shadow' })).rejects.toThrow(/exited with 1:[\s\S]*projects\.json is not valid JSON/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
