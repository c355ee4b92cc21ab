/**
 * While Redis is down, reads are answered from the last good copy, marked stale. A document this
 * instance has since unpublished (or deleted) must not come back that way to anonymous callers,
 * and no stale answer may be kept by a shared cache, since another instance's write may have
 * made it wrong meanwhile.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WRITE_TOKEN } from '../http/app-fixture.js';
import { projectInput } from '../fixtures/inputs.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.js';
import type { ServeHandle } from '../support/serve-process.js';
import { serveOnRedisOnly } from './redis-only-serve.js';

let redis: RedisServerHandle;
let server: ServeHandle;
const auth = { Authorization: `Bearer ${WRITE_TOKEN}`, 'Content-Type': 'application/json' };

beforeAll(async () => {
  redis = await startRedisServer();
  server = await serveOnRedisOnly(redis.url, {
    CONTENTKV_REDIS_TIMEOUT_MS: '500',
    // The last good copy is what is under test, not the near cache.
    CONTENTKV_NEAR_CACHE_MB: '0',
  });
  for (const id of ['to-unpublish', 'untouched']) {
    const created = await fetch(`${server.url}/api/projects`, { method: 'POST', headers: auth, body: JSON.stringify(projectInput({ id, metadata: { status: 'published' } })) });
    expect(created.status).toBe(201);
  }
});
afterAll(async () => {
  await server.stop();
  await redis.stop();
});

it('forgets what a write made wrong, and lets no shared cache keep a stale answer', async () => {
  const anonymous = (path: string) => fetch(`${server.url}${path}`);
  // Remembered as last good answers, anonymously: both documents and the first page.
  expect((await anonymous('/api/projects/to-unpublish')).status).toBe(200);
  expect((await anonymous('/api/projects/untouched')).status).toBe(200);
  const page = (await (await anonymous('/api/projects')).json()) as { data: { id: string }[] };
  expect(page.data.map((doc) => doc.id)).toContain('to-unpublish');

  const unpublished = await fetch(`${server.url}/api/projects/to-unpublish`, { method: 'PATCH', headers: auth, body: JSON.stringify({ metadata: { status: 'draft' } }) });
  expect(unpublished.status).toBe(200);
  expect((await anonymous('/api/projects/to-unpublish')).status).toBe(404);

  await redis.pause(3_000);
  const gone = await anonymous('/api/projects/to-unpublish');
  expect(gone.status).toBe(503);
  const list = await anonymous('/api/projects');
  expect(list.status).toBe(503);

  // A document no write touched is still answered from memory, but only for this caller.
  const stale = await anonymous('/api/projects/untouched');
  expect(stale.status).toBe(200);
  expect(stale.headers.get('x-contentkv-stale')).toMatch(/last good answer/);
  expect(stale.headers.get('cache-control')).toBe('private, no-store');
});
