/**
 * The README's promise: `npm start` on a fresh clone serves the sample content, and /mcp answers
 * tools/list with the token it prints. Runs the exact script `npm start` runs.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServe, type ServeHandle } from '../support/serve-process.js';
import { sampleDataDir } from './app-fixture.js';

let server: ServeHandle;
let data: ReturnType<typeof sampleDataDir>;
beforeAll(async () => {
  data = sampleDataDir();
  server = await startServe({ CONTENTKV_DATA_DIR: data.dir, LOG_LEVEL: 'info' });
});
afterAll(async () => {
  await server.stop();
  data.cleanup();
});

it('serves the sample projects without any configuration', async () => {
  const body = (await (await fetch(`${server.url}/api/projects`)).json()) as { success: boolean; data: unknown[] };
  expect(body.success).toBe(true);
  expect(body.data.length).toBeGreaterThanOrEqual(5);
});

it('prints a generated token once, which /mcp accepts for tools/list', async () => {
  const match = /accepts only this generated read-write token:\s+([0-9a-f]{48})/.exec(server.output());
  expect(match).not.toBeNull();
  const token = match?.[1] as string;
  expect(server.output().split(token)).toHaveLength(2);
  const response = await fetch(`${server.url}/mcp`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const payload = (await response.json()) as { result: { tools: unknown[] } };
  expect(payload.result.tools).toHaveLength(16);
});

it('reads headers from Node itself: request ids, conditional GETs and tokens on the served app', async () => {
  const list = await fetch(`${server.url}/api/projects`, { headers: { 'X-Request-Id': 'trace-123' } });
  expect(list.headers.get('x-request-id')).toBe('trace-123');
  expect(((await list.json()) as { meta: { requestId: string } }).meta.requestId).toBe('trace-123');
  const etag = list.headers.get('etag') as string;
  const again = await fetch(`${server.url}/api/projects`, { headers: { 'If-None-Match': etag } });
  expect(again.status).toBe(304);
  expect(again.headers.get('etag')).toBe(etag);
  expect(again.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

  const id = ((await (await fetch(`${server.url}/api/projects?limit=1`)).json()) as { data: { id: string }[] }).data[0]?.id as string;
  const one = await fetch(`${server.url}/api/projects/${id}`);
  expect(one.status).toBe(200);
  expect(one.headers.get('cache-control')).toMatch(/^public/);
  expect((await fetch(`${server.url}/api/projects/${id}`, { headers: { 'If-None-Match': one.headers.get('etag') as string } })).status).toBe(304);
  // A token that matches neither is refused, not treated as anonymous; the header is read on every path.
  const wrong = await fetch(`${server.url}/api/projects/${id}`, { headers: { Authorization: 'Bearer not-the-token' } });
  expect(wrong.status).toBe(401);
  const token = /accepts only this generated read-write token:\s+([0-9a-f]{48})/.exec(server.output())?.[1] as string;
  const private_ = await fetch(`${server.url}/api/projects/${id}`, { headers: { Authorization: `Bearer ${token}` } });
  expect(private_.status).toBe(200);
  expect(private_.headers.get('cache-control')).toBe('private, no-store');
});

/**
 * The bundle hands prom-client a stand-in for OpenTelemetry's API (scripts/bundle.mjs), which its
 * process CPU metric requires: the served /metrics must still carry it, with the other defaults.
 */
it('exposes the process metrics on /metrics, CPU time included', async () => {
  const token = /accepts only this generated read-write token:\s+([0-9a-f]{48})/.exec(server.output())?.[1] as string;
  const response = await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  const text = await response.text();
  expect(Number(/^contentkv_process_cpu_user_seconds_total (\S+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
  expect(Number(/^contentkv_process_cpu_seconds_total (\S+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
  expect(text).toMatch(/^contentkv_nodejs_heap_size_used_bytes \d+/m);
  expect(text).toMatch(/^contentkv_http_request_duration_seconds_count\{/m);
});
