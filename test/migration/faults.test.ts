/**
 * The migration under real faults, each on the test's own redis-server and processes:
 *   - redis-server SIGKILLed in the middle of a 20,000-document backfill, then restarted;
 *   - the backfill process itself SIGKILLed, then started again;
 *   - Redis down while the site is in dual-write and taking writes.
 * Each ends with a clean verify: nothing lost, nothing left behind.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDocs } from '../../src/sample/synthetic.js';
import { testPrefix } from '../contract/redis-fixture.js';
import { WRITE_TOKEN } from '../http/app-fixture.js';
import { projectInput } from '../fixtures/inputs.js';
import { runCli } from '../support/cli.js';
import { redisCommand, startRedisServer, type RedisServerHandle } from '../support/redis-server.js';
import { startServe } from '../support/serve-process.js';
import { until } from '../support/until.js';

const DOCS_PER_COLLECTION = 10_000;
let bigData: string;

beforeAll(() => {
  bigData = mkdtempSync(join(tmpdir(), 'ckv-faults-'));
  writeFileSync(join(bigData, 'projects.json'), JSON.stringify(syntheticDocs('projects', DOCS_PER_COLLECTION)));
  writeFileSync(join(bigData, 'resources.json'), JSON.stringify(syntheticDocs('resources', DOCS_PER_COLLECTION)));
});
afterAll(() => rmSync(bigData, { recursive: true, force: true }));

interface Fixture {
  redis: RedisServerHandle;
  dir: string;
  env: Record<string, string>;
}
let fixture: Fixture | null = null;

async function setup(sourceDir: string): Promise<Fixture> {
  const redis = await startRedisServer({ persist: true });
  const dir = mkdtempSync(join(tmpdir(), 'ckv-faults-data-'));
  cpSync(join(sourceDir, 'projects.json'), join(dir, 'projects.json'));
  cpSync(join(sourceDir, 'resources.json'), join(dir, 'resources.json'));
  fixture = { redis, dir, env: { REDIS_URL: redis.url, CONTENTKV_DATA_DIR: dir, CONTENTKV_KEY_PREFIX: testPrefix(), CONTENTKV_TOKEN: WRITE_TOKEN, CONTENTKV_STAGE_REFRESH_MS: '100' } };
  return fixture;
}
afterEach(async () => {
  if (!fixture) return;
  await fixture.redis.stop();
  rmSync(fixture.dir, { recursive: true, force: true });
  fixture = null;
});

/** One command on the fixture's Redis, through the tests' own RESP client. */
function command(f: Fixture, ...args: string[]) {
  return redisCommand({ host: f.redis.host, port: f.redis.port }, args);
}

/** The backfill checkpoint of a collection; empty while Redis is down. */
async function checkpoint(f: Fixture, c: string): Promise<Record<string, string>> {
  const flat = ((await command(f, 'HGETALL', `${f.env.CONTENTKV_KEY_PREFIX}meta:migration:backfill:${c}`).catch(() => [])) as Buffer[]).map(String);
  return Object.fromEntries(flat.flatMap((value, index) => (index % 2 === 0 ? [[value, flat[index + 1] as string]] : [])));
}

async function cli(f: Fixture, ...args: string[]) {
  return runCli(args, f.env, { timeoutMs: 180_000 });
}

async function expectCleanVerify(f: Fixture) {
  const verify = await cli(f, 'migrate', 'verify', '--json');
  expect(verify.code, verify.stderr).toBe(0);
  const reports = JSON.parse(verify.stdout) as { collection: string; clean: boolean; checked: number }[];
  expect(reports.map((report) => [report.collection, report.clean, report.checked])).toEqual([
    ['projects', true, DOCS_PER_COLLECTION],
    ['resources', true, DOCS_PER_COLLECTION],
  ]);
}

describe('migration faults', () => {
  it('finishes a 20,000-document backfill cleanly when redis-server is killed in the middle and restarted', async () => {
    const f = await setup(bigData);
    expect((await cli(f, 'migrate', 'advance', 'dual-write')).code).toBe(0);
    const run = cli(f, 'migrate', 'backfill', '--json');
    let before: Record<string, string> = {};
    await until(async () => Number((before = await checkpoint(f, 'projects')).processed ?? 0) >= 2_000, 'the backfill to be under way', { timeoutMs: 60_000 });
    await f.redis.kill('SIGKILL');
    // The kill lands in the middle: projects part-way, resources not started.
    expect(before.status).toBe('running');
    expect(Number(before.processed)).toBeLessThan(DOCS_PER_COLLECTION);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await f.redis.restart();
    const first = await run;
    // The run either rode out the outage on its retries or stopped, leaving its checkpoint.
    if (first.code !== 0) expect(first.stdout + first.stderr).toMatch(/failed|unavailable|ECONNREFUSED|timed out/i);
    const resumed = await cli(f, 'migrate', 'backfill', '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    const results = JSON.parse(resumed.stdout) as { status: string; processed: number; total: number }[];
    expect(results.map((result) => [result.status, result.processed, result.total])).toEqual([
      ['done', DOCS_PER_COLLECTION, DOCS_PER_COLLECTION],
      ['done', DOCS_PER_COLLECTION, DOCS_PER_COLLECTION],
    ]);
    await expectCleanVerify(f);
  }, 240_000);

  it('resumes from its checkpoint after the backfill process is SIGKILLed', async () => {
    const f = await setup(bigData);
    expect((await cli(f, 'migrate', 'advance', 'dual-write')).code).toBe(0);
    let pid = 0;
    const run = runCli(['migrate', 'backfill'], f.env, { onSpawn: (p) => (pid = p), timeoutMs: 180_000 });
    await until(async () => Number((await checkpoint(f, 'projects')).processed ?? 0) >= 3_000, 'the backfill to be under way', { timeoutMs: 60_000 });
    process.kill(pid, 'SIGKILL');
    const killed = await run;
    expect(killed.signal).toBe('SIGKILL');
    const left = Number((await checkpoint(f, 'projects')).processed);
    expect(left).toBeGreaterThanOrEqual(3_000);
    expect(left).toBeLessThan(DOCS_PER_COLLECTION);

    const resumed = await cli(f, 'migrate', 'backfill', '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    const [projects] = JSON.parse(resumed.stdout) as { counts: { copied: number; skipped: number } }[];
    // Resumed, not restarted: a restart would have passed over the documents already
    // copied (counting them as skipped); a resume skips at most the batch the kill interrupted.
    expect((projects?.counts.copied ?? 0) + (projects?.counts.skipped ?? 0)).toBe(DOCS_PER_COLLECTION);
    expect(projects?.counts.skipped ?? 0).toBeLessThan(1_000);
    expect(Number((await checkpoint(f, 'projects')).processed)).toBe(DOCS_PER_COLLECTION);
    await expectCleanVerify(f);
  }, 240_000);

  it('keeps taking writes on JSON while Redis is down in dual-write, and repair then verify end clean', async () => {
    const small = mkdtempSync(join(tmpdir(), 'ckv-faults-small-'));
    writeFileSync(join(small, 'projects.json'), JSON.stringify(syntheticDocs('projects', 200)));
    writeFileSync(join(small, 'resources.json'), JSON.stringify(syntheticDocs('resources', 200)));
    const f = await setup(small);
    rmSync(small, { recursive: true, force: true });
    expect((await cli(f, 'migrate', 'advance', 'dual-write')).code).toBe(0);
    expect((await cli(f, 'migrate', 'backfill')).code).toBe(0);
    const server = await startServe(f.env);
    try {
      await f.redis.kill('SIGKILL');
      const acknowledged: string[] = [];
      for (let index = 0; index < 20; index += 1) {
        const response = await fetch(`${server.url}/api/projects`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${WRITE_TOKEN}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(projectInput({ id: `while-down-${index}` })),
        });
        expect(response.status, await response.clone().text()).toBe(201);
        acknowledged.push(`while-down-${index}`);
      }
      const update = await fetch(`${server.url}/api/projects/project-000001`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${WRITE_TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ title: 'Changed while Redis was down' }),
      });
      expect(update.status).toBe(200);
      const health = (await (await fetch(`${server.url}/api/health`)).json()) as { status: string };
      expect(health.status).toBe('degraded');

      await f.redis.restart();
      const status = JSON.parse((await cli(f, 'migrate', 'status', '--json')).stdout) as { collections: { projects: { repairQueue: { journal: number } } } };
      expect(status.collections.projects.repairQueue.journal).toBe(21);
      const repaired = await cli(f, 'migrate', 'repair', '--json');
      expect(repaired.code, repaired.stderr).toBe(0);
      const verify = await cli(f, 'migrate', 'verify', '--json');
      expect(verify.code, verify.stdout).toBe(0);
      const after = JSON.parse((await cli(f, 'migrate', 'status', '--json')).stdout) as { collections: { projects: { repairQueue: { redis: number; journal: number } } } };
      expect(after.collections.projects.repairQueue).toEqual({ redis: 0, journal: 0 });
      for (const id of acknowledged) expect(await command(f, 'HEXISTS', `${f.env.CONTENTKV_KEY_PREFIX}data:projects:${id}`, 'doc'), id).toBe(1);
      expect(JSON.parse(String((await command(f, 'HGET', `${f.env.CONTENTKV_KEY_PREFIX}data:projects:project-000001`, 'doc')) ?? '{}')).title).toBe('Changed while Redis was down');
    } finally {
      await server.stop();
    }
  }, 120_000);
});
