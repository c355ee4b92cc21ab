/**
 * The whole move, live. Writers keep creating, updating and deleting through REST and MCP while
 * the operator walks the stages with the real CLI: json → dual-write → backfill → verify →
 * shadow → live at 10%, 50%, 100% → rampdown → redis → back to shadow (through rampdown, after
 * verify and repair) → forward again. Once the writers stop, verify finds no drift between the
 * stores, and after the final move to `redis` an independent reader finds every acknowledged
 * write with its last acknowledged value.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { TcpDriver } from '../../src/store/redis/tcp-driver.js';
import { testPrefix } from '../contract/redis-fixture.js';
import { sampleDataDir, WRITE_TOKEN } from '../http/app-fixture.js';
import { runCli } from '../support/cli.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.js';
import { startServe, type ServeHandle } from '../support/serve-process.js';
import { runWriter, type WriterStats } from './writers.js';

let redis: RedisServerHandle;
let data: ReturnType<typeof sampleDataDir>;
let server: ServeHandle;
let env: Record<string, string>;

beforeAll(async () => {
  redis = await startRedisServer();
  data = sampleDataDir();
  env = {
    REDIS_URL: redis.url,
    CONTENTKV_DATA_DIR: data.dir,
    CONTENTKV_KEY_PREFIX: testPrefix(),
    CONTENTKV_TOKEN: WRITE_TOKEN,
    CONTENTKV_STAGE_REFRESH_MS: '100',
    CONTENTKV_SHADOW_SAMPLE: '1',
  };
  server = await startServe(env);
});
afterAll(async () => {
  await server.stop();
  data.cleanup();
  await redis.stop();
});

async function migrate(...args: string[]) {
  const result = await runCli(['migrate', ...args], env);
  return result;
}

async function step(...args: string[]) {
  const result = await migrate(...args);
  expect(result.code, `migrate ${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result;
}

/** A guard may see a write that is between its two stores; an operator simply runs the command again. */
async function stepEventually(...args: string[]) {
  for (let attempt = 1; ; attempt += 1) {
    const result = await migrate(...args);
    if (result.code === 0 || attempt === 5) {
      expect(result.code, `migrate ${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
      return result;
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

it('loses no acknowledged write through every stage, a rollback and forward again', async () => {
  let stopping = false;
  const stats: WriterStats = { acknowledged: new Map(), writes: 0, failures: [], staleReads: [] };
  const writers = [
    runWriter({ url: server.url, token: WRITE_TOKEN, name: 'rest-a', via: 'rest', collection: 'projects', stop: () => stopping, stats, pauseMs: 40 }),
    runWriter({ url: server.url, token: WRITE_TOKEN, name: 'rest-b', via: 'rest', collection: 'resources', stop: () => stopping, stats, pauseMs: 40 }),
    runWriter({ url: server.url, token: WRITE_TOKEN, name: 'mcp-a', via: 'mcp', collection: 'projects', stop: () => stopping, stats, pauseMs: 40 }),
    runWriter({ url: server.url, token: WRITE_TOKEN, name: 'mcp-b', via: 'mcp', collection: 'resources', stop: () => stopping, stats, pauseMs: 40 }),
  ];

  await step('advance', 'dual-write');
  await step('backfill');
  await step('verify');
  await step('advance', 'shadow');
  await step('verify');
  for (const percent of ['10', '50', '100']) await step('advance', 'live', '--percent', percent);
  await step('advance', 'rampdown');
  await step('advance', 'redis');

  // Back to shadow: at `redis` the JSON files fell behind, so the guard refuses until they catch up.
  const refused = await migrate('rollback', 'shadow');
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/newer in Redis than in the JSON files/);
  await step('rollback', 'rampdown');
  // verify finds what the JSON files missed while at `redis` (and exits 1 for it); repair copies it back.
  const drift = await migrate('verify', '--json');
  expect(JSON.parse(drift.stdout).some((report: { clean: boolean }) => !report.clean)).toBe(true);
  await step('repair');
  await stepEventually('rollback', 'shadow');

  // And forward again, to the last stage in which both stores take every write.
  await step('verify');
  await step('advance', 'live', '--percent', '100');
  await step('advance', 'rampdown');

  stopping = true;
  await Promise.all(writers);

  expect(stats.failures).toEqual([]);
  expect(stats.staleReads).toEqual([]);
  expect(stats.writes).toBeGreaterThan(100);

  // After all that, the two stores hold the same content: no drift.
  const final = await step('verify', '--json');
  const reports = JSON.parse(final.stdout) as { collection: string; clean: boolean; checked: number }[];
  expect(reports.map((report) => [report.collection, report.clean])).toEqual([['projects', true], ['resources', true]]);
  await step('advance', 'redis');

  // The independent check: a fresh connection reads every acknowledged id straight from Redis.
  const store = new RedisStore({ driver: new TcpDriver({ url: redis.url }), keyPrefix: env.CONTENTKV_KEY_PREFIX });
  const problems: string[] = [];
  for (const ack of stats.acknowledged.values()) {
    const doc = await store.get(ack.collection, ack.id);
    if (ack.title === null) {
      if (doc !== null) problems.push(`${ack.collection}/${ack.id} was deleted at v${ack.version} but is there at v${doc.metadata.version}`);
    } else if (!doc) problems.push(`${ack.collection}/${ack.id} v${ack.version} is missing`);
    else if (doc.metadata.version !== ack.version || doc.title !== ack.title) problems.push(`${ack.collection}/${ack.id}: expected v${ack.version} "${ack.title}", found v${doc.metadata.version} "${doc.title}"`);
  }
  await store.close();
  expect(problems).toEqual([]);
  expect(stats.acknowledged.size).toBeGreaterThan(20);
}, 240_000);
