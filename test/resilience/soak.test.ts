/**
 * Load and soak. 100 MCP clients (the official SDK client, each its own connection) read and
 * update for a minute (CONTENTKV_SOAK_SECONDS), each update naming the version it read, while
 * the server's memory is sampled. Then 200 REST connections at once (autocannon). No protocol
 * error, no lost update, no failed or stuck request, and memory that does not climb.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WRITE_TOKEN } from '../http/app-fixture.js';
import { projectInput } from '../fixtures/inputs.js';
import { connectClient, type McpClient } from '../mcp/clients.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.js';
import type { ServeHandle } from '../support/serve-process.js';
import { serveOnRedisOnly } from './redis-only-serve.js';

const CLIENTS = 100;
const SECONDS = Number(process.env.CONTENTKV_SOAK_SECONDS ?? 60);
let redis: RedisServerHandle;
let server: ServeHandle;

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(match?.[1] ?? 0) / 1024);
}

/** The server's JavaScript heap in use and how many full collections it has run, from its own /metrics. */
async function heapReading(url: string): Promise<{ usedMb: number; majorGcs: number }> {
  const text = await (await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${WRITE_TOKEN}` } })).text();
  return {
    usedMb: Number(/^contentkv_nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1] ?? Number.NaN) / 1_048_576,
    majorGcs: Number(/^contentkv_nodejs_gc_duration_seconds_count\{kind="major"\} (\S+)$/m.exec(text)?.[1] ?? 0),
  };
}

beforeAll(async () => {
  redis = await startRedisServer();
  server = await serveOnRedisOnly(redis.url);
  const ids = [...Array.from({ length: CLIENTS }, (_, index) => `soak-${index}`), ...Array.from({ length: 5 }, (_, index) => `soak-shared-${index}`)];
  for (const id of ids) {
    const response = await fetch(`${server.url}/api/projects`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${WRITE_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(projectInput({ id, metadata: { status: 'published' } })),
    });
    expect(response.status).toBe(201);
  }
});
afterAll(async () => {
  await server.stop();
  await redis.stop();
});

it(`serves ${CLIENTS} MCP clients for ${SECONDS} s with no protocol error, no lost update and flat memory`, async () => {
  const clients: McpClient[] = await Promise.all(Array.from({ length: CLIENTS }, () => connectClient('v2 (2025 handshake)', server.url, WRITE_TOKEN)));
  const pid = server.child.pid as number;
  const deadline = Date.now() + SECONDS * 1_000;
  const protocolErrors: string[] = [];
  const toolErrors: string[] = [];
  const acked = new Map<string, { version: number; title: string }>();
  let calls = 0;
  let conflicts = 0;
  const memory: number[] = [];
  // The heap in use just after each full collection: what is still live then, garbage aside.
  const afterFullGc: { at: number; mb: number }[] = [];
  let majorGcs = 0;
  const started = Date.now();
  const rssSampler = setInterval(() => memory.push(rssMb(pid)), 1_000);
  const heapSampler = setInterval(() => {
    void heapReading(server.url).then((reading) => {
      if (reading.majorGcs > majorGcs) afterFullGc.push({ at: Date.now() - started, mb: Math.round(reading.usedMb) });
      majorGcs = reading.majorGcs;
    });
  }, 200);

  await Promise.all(
    clients.map(async (client, index) => {
      const own = `soak-${index}`;
      let version = 1;
      let round = 0;
      while (Date.now() < deadline) {
        round += 1;
        try {
          calls += 1;
          const read = await client.callTool({ name: 'get_project', arguments: { id: `soak-${(index + round) % CLIENTS}` } });
          if (read.isError) toolErrors.push(JSON.stringify(read.content));
          calls += 1;
          const title = `client ${index} round ${round}`;
          const update = await client.callTool({ name: 'update_project', arguments: { id: own, expectedVersion: version, changes: { title } } });
          if (update.isError) toolErrors.push(JSON.stringify(update.content));
          else {
            version = (update.structuredContent as { project: { metadata: { version: number } } }).project.metadata.version;
            acked.set(own, { version, title });
          }
          // A contested document: conflicts are expected answers, not failures.
          const shared = `soak-shared-${round % 5}`;
          calls += 1;
          const current = await client.callTool({ name: 'get_project', arguments: { id: shared } });
          const sharedVersion = (current.structuredContent as { project: { metadata: { version: number } } }).project.metadata.version;
          calls += 1;
          const attempt = await client.callTool({ name: 'update_project', arguments: { id: shared, expectedVersion: sharedVersion, changes: { result: `shared by ${index} at ${round}` } } });
          if (attempt.isError && /VERSION_CONFLICT/.test(JSON.stringify(attempt.content))) conflicts += 1;
          else if (attempt.isError) toolErrors.push(JSON.stringify(attempt.content));
        } catch (error) {
          protocolErrors.push(error instanceof Error ? error.message : String(error));
        }
      }
    }),
  );
  clearInterval(rssSampler);
  clearInterval(heapSampler);
  await Promise.all(clients.map((client) => client.close()));

  // Flat memory means the live heap does not climb. RSS is logged but not judged: V8 on Node 22
  // keeps the pages a heap grew into (RSS rose in steps to about 250 MB and stayed there, run
  // after run), while Node 20 hands them back. What a leak moves is the heap still in use after a
  // full collection; the first such reading after the warm-up (the first quarter) is compared
  // with the last one.
  const settled = afterFullGc.filter((reading) => reading.at > (SECONDS * 1_000) / 4);
  console.info(`soak RSS samples (MB, one a second): ${memory.join(' ')}`);
  console.info(`soak heap in use after each full collection (s: MB): ${afterFullGc.map((reading) => `${Math.round(reading.at / 1_000)}: ${reading.mb}`).join(', ')}`);
  console.info(`soak: ${calls} tool calls in ${SECONDS} s (${Math.round(calls / SECONDS)}/s) by ${CLIENTS} clients; ${conflicts} expected conflicts; RSS peak ${Math.max(...memory)} MB`);
  expect(settled.length, 'full collections after the warm-up, to judge the live heap by').toBeGreaterThanOrEqual(2);
  const [first, last] = [settled[0]?.mb ?? 0, settled[settled.length - 1]?.mb ?? 0];
  expect(protocolErrors).toEqual([]);
  expect(toolErrors).toEqual([]);
  // Own documents were updated by one client each: the store must hold exactly its last acknowledged update.
  for (const [id, last] of acked) {
    const doc = (await (await fetch(`${server.url}/api/projects/${id}`)).json()) as { data: { title: string; metadata: { version: number } } };
    expect(doc.data.metadata.version, id).toBe(last.version);
    expect(doc.data.title, id).toBe(last.title);
  }
  expect(acked.size).toBe(CLIENTS);
  expect(last - first).toBeLessThan(20);
}, (SECONDS + 120) * 1_000);

it('answers 200 REST connections at once with no error, timeout or non-2xx', async () => {
  const result = await autocannon({
    url: `${server.url}/api/projects?limit=20`,
    connections: 200,
    duration: 5,
    timeout: 10,
    requests: [{ method: 'GET', path: '/api/projects?limit=20' }, { method: 'GET', path: '/api/projects/soak-7' }],
  });
  console.info(`REST at 200 connections: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms`);
  expect(result.errors).toBe(0);
  expect(result.timeouts).toBe(0);
  expect(result.non2xx).toBe(0);
  expect(result.requests.total).toBeGreaterThan(1_000);
}, 60_000);
