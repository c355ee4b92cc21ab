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
