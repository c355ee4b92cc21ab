/**
 * Redis SIGKILLed under about 200 requests/s of reads and writes, restarted 4 s later. Reads go
 * on from the JSON files (the `live` stage keeps them current); writes fail fast with 503 and
 * say whether they may have been applied; nothing acknowledged is lost; nothing answered "not
 * applied" was applied; and full service is back within 5 s of Redis returning.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { TcpDriver } from '../../src/store/redis/tcp-driver.js';
import { testPrefix } from '../contract/redis-fixture.js';
import { sampleDataDir, WRITE_TOKEN } from '../http/app-fixture.js';
import { runCli } from '../support/cli.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.js';
import { startServe, type ServeHandle } from '../support/serve-process.js';
import { runLoad, summarize } from './load.js';

const TIMEOUT_MS = 1_000;
let redis: RedisServerHandle;
let data: ReturnType<typeof sampleDataDir>;
let server: ServeHandle;
let env: Record<string, string>;

beforeAll(async () => {
  redis = await startRedisServer({ persist: true });
  data = sampleDataDir();
  env = {
    REDIS_URL: redis.url,
    CONTENTKV_DATA_DIR: data.dir,
    CONTENTKV_KEY_PREFIX: testPrefix(),
    CONTENTKV_TOKEN: WRITE_TOKEN,
    CONTENTKV_STAGE: 'live:100',
    CONTENTKV_REDIS_TIMEOUT_MS: String(TIMEOUT_MS),
    CONTENTKV_BREAKER_HALF_OPEN_MS: '1000',
  };
  expect((await runCli(['migrate', 'backfill'], env)).code).toBe(0);
  server = await startServe(env);
});
afterAll(async () => {
  await server.stop();
  data.cleanup();
  await redis.stop();
});

it('keeps reading, fails writes fast and truthfully, loses nothing, and recovers on its own', async () => {
  const list = (await (await fetch(`${server.url}/api/projects?status=any&limit=100`, { headers: { Authorization: `Bearer ${WRITE_TOKEN}` } })).json()) as { data: { id: string }[] };
  const ids = list.data.map((doc) => doc.id);
  let restartedAt = 0;
  const chaos = (async () => {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await redis.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    await redis.restart();
    restartedAt = Date.now();
  })();
  const outcomes = await runLoad({ url: server.url, token: WRITE_TOKEN, ids, rate: 200, durationMs: 10_000, writeShare: 0.3 });
  await chaos;
  const summary = summarize(outcomes);
  console.info('redis killed for 4 s under load:', JSON.stringify(summary));

  // Reads: every one answered 200, some from the JSON files while Redis was away.
  expect(summary.reads.ok).toBe(summary.reads.total);
  expect(summary.fallbackReads).toBeGreaterThan(0);
  // Writes: success or a fast 503, never anything else, never longer than the time budget allows.
  expect(summary.writes.other).toBe(0);
  expect(summary.writes.unavailable).toBeGreaterThan(0);
  expect(summary.writes.maxFailedMs).toBeLessThan(TIMEOUT_MS + 1_000);

  // Recovery: the first write answered 200 after the restart, within 5 s of it.
  const afterRestart = outcomes.filter((o) => o.kind === 'write' && o.status === 200 && o.startedAt >= restartedAt).sort((a, b) => a.startedAt - b.startedAt);
  expect(afterRestart.length).toBeGreaterThan(0);
  const first = afterRestart[0] as { startedAt: number; ms: number };
  const recoveryMs = first.startedAt + first.ms - restartedAt;
  console.info(`first acknowledged write ${recoveryMs} ms after Redis answered again`);
  expect(recoveryMs).toBeLessThan(5_000);

  // Truth: a write refused as surely not applied left no trace; acknowledged writes are all there.
  // Every applied write is in the audit log with its field-level change, whatever history kept.
  const store = new RedisStore({ driver: new TcpDriver({ url: redis.url }), keyPrefix: env.CONTENTKV_KEY_PREFIX });
  /** How many audited updates set each title (every write of the load sets a title of its own). */
  const titlesApplied = async () => {
    const counts = new Map<string, number>();
    let cursor: string | null = null;
    do {
      const page = await store.audit({ entityType: 'project', action: 'update', limit: 100, cursor });
      for (const entry of page.items) for (const change of entry.changes) if (change.field === 'title') counts.set(String(change.newValue), (counts.get(String(change.newValue)) ?? 0) + 1);
      cursor = page.nextCursor;
    } while (cursor);
    return counts;
  };
  const applied = new Set((await titlesApplied()).keys());
  const notApplied = outcomes.filter((o) => o.kind === 'write' && o.status === 503 && o.maybeApplied === false);
  expect(notApplied.length).toBeGreaterThan(0);
  for (const attempt of notApplied) expect(applied.has(attempt.title as string), attempt.title).toBe(false);
  for (const write of outcomes.filter((o) => o.kind === 'write' && o.status === 200)) expect(applied.has(write.title as string), write.title).toBe(true);

  // A write that may have been applied is settled by sending it again with its idempotency key:
  // afterwards it is there, and there once.
  const uncertain = outcomes.filter((o) => o.kind === 'write' && o.status !== 200 && o.maybeApplied !== false);
  for (const attempt of uncertain) {
    const retry = await fetch(`${server.url}/api/projects/${attempt.id}`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${WRITE_TOKEN}`, 'Content-Type': 'application/json', 'Idempotency-Key': attempt.idempotencyKey as string },
      body: JSON.stringify({ title: attempt.title }),
    });
    expect(retry.status).toBe(200);
  }
  const settled = await titlesApplied();
  for (const attempt of uncertain) expect(settled.get(attempt.title as string), attempt.title).toBe(1);
  await store.close();
}, 60_000);
