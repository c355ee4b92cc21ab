/**
 * The seed's production problem, solved. The fetch handler runs the way a serverless platform
 * runs it: a fresh module instance per batch of requests, the deployed data directory read-only
 * (a real read-only mount), and Redis over REST through the Upstash-compatible bridge. MCP
 * writes then succeed through Redis; without Redis the same writes fail with READ_ONLY and the
 * files stay as they were.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sampleDataDir, WRITE_TOKEN } from './app-fixture.js';
import { projectInput } from '../fixtures/inputs.js';
import { deleteKeys, testPrefix } from '../contract/redis-fixture.js';
import { mountReadOnly } from '../support/read-only-mount.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.js';
import { startUpstashBridge, type UpstashBridgeHandle } from '../support/upstash-bridge.js';
import { until } from '../support/until.js';

let redis: RedisServerHandle;
let bridge: UpstashBridgeHandle;
let data: ReturnType<typeof sampleDataDir>;
let mount: NonNullable<ReturnType<typeof mountReadOnly>>;
const prefix = testPrefix();

beforeAll(async () => {
  redis = await startRedisServer();
  bridge = await startUpstashBridge({ redisUrl: redis.url });
  data = sampleDataDir();
  const made = mountReadOnly(data.dir);
  if (!made) throw new Error('a read-only bind mount could not be made; run the tests as root');
  mount = made;
});
afterAll(async () => {
  mount.unmount();
  data.cleanup();
  await deleteKeys({ url: redis.url }, prefix);
  await bridge.stop();
  await redis.stop();
});

/** A cold start: the module graph is thrown away and the app built again from the environment. */
async function coldStart(env: Record<string, string>) {
  vi.resetModules();
  const { createServerlessApp } = await import('../../src/runtime/serverless.js');
  return createServerlessApp({ LOG_LEVEL: 'silent', CONTENTKV_DATA_DIR: mount.path, CONTENTKV_TOKEN: WRITE_TOKEN, ...env });
}

function mcpCall(app: Awaited<ReturnType<typeof coldStart>>, id: number, name: string, args: Record<string, unknown>) {
  return app.request('/api/mcp', {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${WRITE_TOKEN}`,
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      Host: 'localhost',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }),
  });
}

async function result(response: Response): Promise<{ isError?: boolean; structuredContent?: Record<string, any>; content: { text: string }[] }> {
  expect(response.status).toBe(200);
  return ((await response.json()) as { result: never }).result;
}

async function admin(app: Awaited<ReturnType<typeof coldStart>>, path: string, body?: unknown) {
  const response = await app.request(`/api/admin/migration${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { Authorization: `Bearer ${WRITE_TOKEN}`, 'Content-Type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
  return ((await response.json()) as { data: any }).data;
}

describe('serverless, read-only deployment', () => {
  it('takes MCP writes through Redis over REST once migrated, across cold starts', async () => {
    const env = {
      KV_REST_API_URL: bridge.url,
      KV_REST_API_TOKEN: bridge.token,
      KV_REST_API_READ_ONLY_TOKEN: bridge.readOnlyToken,
      CONTENTKV_KEY_PREFIX: prefix,
      CONTENTKV_STAGE_REFRESH_MS: '100',
    };
    const before = await coldStart(env);
    // Before the move, the deployed JSON files are the content, and they cannot be written.
    const refused = await result(await mcpCall(before, 1, 'create_project', { project: projectInput({ id: 'too-early' }) }));
    expect(refused.content[0]?.text).toMatch(/^READ_ONLY/);
    // The operator's move: copy, check, cut over (a read-only store takes no writes, so backfill may run at json).
    await admin(before, '/backfill', {});
    await until(async () => (await admin(before, '')).collections.resources.backfill?.status === 'done' && (await admin(before, '')).collections.projects.backfill?.status === 'done', 'both backfills', { intervalMs: 50 });
    await admin(before, '/verify', {});
    await until(async () => (await admin(before, '')).collections.resources.lastVerify?.clean === true, 'a clean verify', { intervalMs: 50 });
    await admin(before, '/advance', { stage: 'redis' });

    const first = await coldStart(env);
    const created = await result(await mcpCall(first, 1, 'create_project', { project: projectInput({ id: 'made-on-vercel' }) }));
    expect(created.isError).toBeUndefined();
    expect(created.structuredContent?.project.metadata.version).toBe(1);

    const second = await coldStart(env);
    const updated = await result(await mcpCall(second, 2, 'update_project', { id: 'made-on-vercel', expectedVersion: 1, changes: { title: 'Edited from Claude' } }));
    expect(updated.structuredContent?.project).toMatchObject({ title: 'Edited from Claude', metadata: { version: 2 } });

    const third = await coldStart(env);
    const read = await third.request('/api/projects/made-on-vercel', { headers: { Authorization: `Bearer ${WRITE_TOKEN}` } });
    expect(((await read.json()) as { data: { title: string } }).data.title).toBe('Edited from Claude');
  });

  it('refuses the same writes with READ_ONLY when only the read-only JSON files exist, and changes nothing', async () => {
    const before = readFileSync(join(mount.path, 'projects.json'), 'utf8');
    const app = await coldStart({});
    const created = await result(await mcpCall(app, 1, 'create_project', { project: projectInput({ id: 'made-on-vercel' }) }));
    expect(created.isError).toBe(true);
    expect(created.content[0]?.text).toMatch(/^READ_ONLY: .*read-only file system/);
    const existing = 'law-firm-rag-knowledge-base';
    const updated = await result(await mcpCall(app, 2, 'update_project', { id: existing, expectedVersion: 1, changes: { title: 'x' } }));
    expect(updated.content[0]?.text).toMatch(/^READ_ONLY/);
    const rest = await app.request('/api/projects', {
      method: 'POST',
      headers: { Authorization: `Bearer ${WRITE_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(projectInput({ id: 'via-rest' })),
    });
    expect(rest.status).toBe(503);
    expect(((await rest.json()) as { error: { code: string } }).error.code).toBe('READ_ONLY');
    expect(readFileSync(join(mount.path, 'projects.json'), 'utf8')).toBe(before);
  });
});
