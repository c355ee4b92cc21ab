/**
 * Redis that stops answering (CLIENT PAUSE, longer than the timeout) and Redis that answers
 * slowly (a latency-injecting proxy): every request is answered within the time budget, the
 * circuit opens, and it closes again once Redis is back, with no restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_TOKEN, WRITE_TOKEN } from '../http/app-fixture.js';
import { startLatencyProxy, type LatencyProxyHandle } from '../support/latency-proxy.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.js';
import type { ServeHandle } from '../support/serve-process.js';
import { serveOnRedisOnly } from './redis-only-serve.js';
import { projectInput } from '../fixtures/inputs.js';

const TIMEOUT_MS = 800;

async function timed(url: string, init: RequestInit = {}): Promise<{ status: number; ms: number; body: any; stale: string | null }> {
  const started = Date.now();
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  const body = await response.json().catch(() => null);
  return { status: response.status, ms: Date.now() - started, body, stale: response.headers.get('x-contentkv-stale') };
}

async function circuit(server: ServeHandle): Promise<string> {
  const health = (await (await fetch(`${server.url}/api/health`)).json()) as { checks: { name: string; circuit?: string }[] };
  return health.checks.find((check) => check.name === 'redis')?.circuit ?? 'none';
}

async function circuitMetric(server: ServeHandle): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${READ_TOKEN}` } })).text();
  return Number(/contentkv_redis_circuit_state\{[^}]*\} (\d)/.exec(text)?.[1] ?? -1);
}

describe('Redis paused longer than the timeout', () => {
  let redis: RedisServerHandle;
  let server: ServeHandle;
  beforeAll(async () => {
    redis = await startRedisServer();
    server = await serveOnRedisOnly(redis.url, {
      CONTENTKV_READ_TOKEN: READ_TOKEN,
      CONTENTKV_REDIS_TIMEOUT_MS: String(TIMEOUT_MS),
      CONTENTKV_BREAKER_THRESHOLD: '3',
      CONTENTKV_BREAKER_HALF_OPEN_MS: '1000',
      // This follows reads to the last good copy; the near cache under a pause (it serves for at
      // most a second, then stops) is tested in test/store/near-cache.test.ts.
      CONTENTKV_NEAR_CACHE_MB: '0',
    });
    const created = await timed(`${server.url}/api/projects`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${WRITE_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(projectInput({ id: 'paused-probe', metadata: { status: 'published' } })),
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await server.stop();
    await redis.stop();
  });

  it('times requests out cleanly, opens the circuit, and closes it once Redis answers', async () => {
    expect(await circuit(server)).toBe('closed');
    const before = await timed(`${server.url}/api/projects/paused-probe`, { headers: { Authorization: `Bearer ${WRITE_TOKEN}` } });
    expect(before.status).toBe(200);
    await redis.pause(4_000);
    const pauseEnds = Date.now() + 4_000;
    const reads: Awaited<ReturnType<typeof timed>>[] = [];
    const during: Awaited<ReturnType<typeof timed>>[] = [];
    // Requests made well inside the pause: each is answered within the budget, never by Redis.
    for (let index = 0; Date.now() < pauseEnds - 2 * (TIMEOUT_MS + 200); index += 1) {
      reads.push(await timed(`${server.url}/api/projects/paused-probe`, { headers: { Authorization: `Bearer ${WRITE_TOKEN}` } }));
      during.push(
        await timed(`${server.url}/api/projects/paused-probe`, {
          method: 'PATCH',
          headers: { Authorization: `Bearer ${WRITE_TOKEN}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ title: `during pause ${index}` }),
        }),
      );
    }
    expect(reads.length).toBeGreaterThan(0);
    for (const failure of during) {
      expect(failure.status).toBe(503);
      expect(failure.body.error.code).toBe('STORE_UNAVAILABLE');
      expect(failure.ms).toBeLessThan(TIMEOUT_MS + 1_000);
    }
    // Reads of a document read before were answered from the last good copy, marked stale, in time.
    for (const read of reads) {
      expect(read.status).toBe(200);
      expect(String(read.stale)).toMatch(/last good answer/);
      expect(read.body.data.title).toBe(before.body.data.title);
      expect(read.ms).toBeLessThan(TIMEOUT_MS + 1_000);
    }
    expect(await circuit(server)).toBe('open');
    expect(await circuitMetric(server)).toBe(2);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, pauseEnds - Date.now())));
    let recovered = false;
    for (let attempt = 0; attempt < 100 && !recovered; attempt += 1) {
      recovered = (await timed(`${server.url}/api/projects/paused-probe`, { headers: { Authorization: `Bearer ${WRITE_TOKEN}` } })).status === 200 && (await circuit(server)) === 'closed';
      if (!recovered) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(recovered).toBe(true);
    const longest = Math.max(...reads.map((read) => read.ms), ...during.map((write) => write.ms));
    console.info(
      `redis paused 4 s: ${reads.length} reads answered stale from the last good copy, ${during.length} writes refused with 503, longest wait ${longest} ms; circuit closed ${Date.now() - pauseEnds} ms after the pause ended`,
    );
    expect(await circuitMetric(server)).toBe(0);
  }, 60_000);
});

describe('Redis answering slowly', () => {
  let redis: RedisServerHandle;
  let proxy: LatencyProxyHandle;
  let server: ServeHandle;
  beforeAll(async () => {
    redis = await startRedisServer();
    proxy = await startLatencyProxy({ targetHost: '127.0.0.1', targetPort: redis.port, latencyMs: 0 });
    server = await serveOnRedisOnly(`redis://${proxy.host}:${proxy.port}`, {
      CONTENTKV_REDIS_TIMEOUT_MS: String(TIMEOUT_MS),
      CONTENTKV_NEAR_CACHE_MB: '0',
    });
    await timed(`${server.url}/api/projects`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${WRITE_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(projectInput({ id: 'slow-probe' })),
    });
  });
  afterAll(async () => {
    await server.stop();
    await proxy.stop();
    await redis.stop();
  });

  it('serves within the budget when Redis is slow but in time, and fails within it when too slow', async () => {
    proxy.setLatency(100);
    const slow = await timed(`${server.url}/api/projects/slow-probe`, { headers: { Authorization: `Bearer ${WRITE_TOKEN}` } });
    expect(slow.status).toBe(200);
    expect(slow.ms).toBeGreaterThanOrEqual(100);

    proxy.setLatency(3_000);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        timed(`${server.url}/api/projects/slow-probe?n=${index}`, { method: index % 2 ? 'GET' : 'PATCH', headers: { Authorization: `Bearer ${WRITE_TOKEN}`, 'Content-Type': 'application/json' }, ...(index % 2 ? {} : { body: JSON.stringify({ title: `slow ${index}` }) }) }),
      ),
    );
    for (const [index, answer] of answers.entries()) {
      expect(answer.ms).toBeLessThan(TIMEOUT_MS + 1_000);
      // A write cannot land through a Redis that answers after the budget; a read may be the last good copy.
      if (index % 2 === 0) expect(answer.body?.error?.code).toBe('STORE_UNAVAILABLE');
      else if (answer.status === 200) expect(answer.stale).toMatch(/last good answer/);
      else expect(answer.status).toBe(503);
    }
    expect(answers.filter((answer) => answer.status === 503).length).toBeGreaterThan(0);
    console.info(
      `redis 3 s slow: ${answers.length} requests, ${answers.filter((answer) => answer.status === 200).length} answered 200 (${answers.filter((answer) => answer.stale !== null).length} of them stale), ${answers.filter((answer) => answer.status === 503).length} 503, longest wait ${Math.max(...answers.map((answer) => answer.ms))} ms (budget ${TIMEOUT_MS} ms)`,
    );
  }, 60_000);
});
