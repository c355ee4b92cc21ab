/**
 * What `contentkv migrate` tells an operator when the ground is not what it seems:
 *   - status with Redis, which holds the migration's state, unreachable. It used to print the
 *     fallback stage (json) as if it were the live one, and exit 0, while the site was in
 *     dual-write;
 *   - advance with --percent on a stage that does not split reads, which was dropped silently;
 *   - /api/health at a stage never set, which said Redis served 100% of reads while status said 0;
 *   - verify's progress, which counted entries of both stores: "done 16/16", then "checked 8";
 *   - a refusal with --json (the engine's or commander's), which left stdout empty for the
 *     script parsing it.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testPrefix } from '../contract/redis-fixture.js';
import { sampleDataDir } from '../http/app-fixture.js';
import { runCli } from '../support/cli.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.js';
import { startServe } from '../support/serve-process.js';

let redis: RedisServerHandle;
let sample: { dir: string };

beforeAll(async () => {
  redis = await startRedisServer();
  sample = sampleDataDir();
});
afterAll(async () => {
  await redis.stop();
  rmSync(sample.dir, { recursive: true, force: true });
});

it('says the stages are unknown, and exits 1, when Redis cannot be reached', async () => {
  const env = { REDIS_URL: redis.url, CONTENTKV_KEY_PREFIX: testPrefix(), CONTENTKV_DATA_DIR: sample.dir };
  const advanced = await runCli(['migrate', 'advance', 'dual-write', '--collection', 'projects'], env);
  expect(advanced.code, advanced.stderr).toBe(0);
  const live = await runCli(['migrate', 'status'], env);
  expect(live.code, live.stderr).toBe(0);
  expect(live.stdout).toMatch(/^projects: stage dual-write \[redis\], authoritative json$/m);

  await redis.stop();
  const down = await runCli(['migrate', 'status'], env);
  expect(down.code, down.stdout).toBe(1);
  expect(down.stdout).toMatch(/Redis reachable: false/);
  expect(down.stdout).toMatch(/the migration state could not be read from Redis \(.+\): the live stages are unknown/);
  expect(down.stdout).toMatch(/^projects: stage unknown \(this process would fall back to json \[default\]\)$/m);
  expect(down.stdout).not.toMatch(/stage json \[default\], authoritative/);

  const json = await runCli(['migrate', 'status', '--json'], env);
  expect(json.code).toBe(1);
  expect(JSON.parse(json.stdout)).toMatchObject({ redisReachable: false, stateError: expect.any(String) });
});

it('refuses --percent with a stage other than live, instead of dropping it', async () => {
  const fresh = await startRedisServer();
  try {
    const env = { REDIS_URL: fresh.url, CONTENTKV_KEY_PREFIX: testPrefix(), CONTENTKV_DATA_DIR: sample.dir };
    const refused = await runCli(['migrate', 'advance', 'dual-write', '--percent', '50'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe('contentkv: a share of reads applies only to the live stage, not dual-write');
    const status = JSON.parse((await runCli(['migrate', 'status', '--json'], env)).stdout) as { collections: { projects: { stage: string } } };
    expect(status.collections.projects.stage).toBe('json');
  } finally {
    await fresh.stop();
  }
});

it('agrees with /api/health on the share of reads Redis serves at a stage never set', async () => {
  const fresh = await startRedisServer();
  const env = { REDIS_URL: fresh.url, CONTENTKV_KEY_PREFIX: testPrefix(), CONTENTKV_DATA_DIR: sample.dir };
  const server = await startServe({ ...env, CONTENTKV_TOKEN: 'a'.repeat(32) });
  try {
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as { migration: { collections: Record<string, { stage: string; readPercent: number }> } };
    const status = JSON.parse((await runCli(['migrate', 'status', '--json'], env)).stdout) as { collections: Record<string, { stage: string; readPercent: number }> };
    expect(health.migration.collections.projects).toEqual({ stage: 'json', readPercent: 0 });
    expect(status.collections.projects).toMatchObject({ stage: 'json', readPercent: 0 });
  } finally {
    await server.stop();
    await fresh.stop();
  }
});

it('counts verify progress in documents, as its summary does', async () => {
  const fresh = await startRedisServer();
  try {
    const env = { REDIS_URL: fresh.url, CONTENTKV_KEY_PREFIX: testPrefix(), CONTENTKV_DATA_DIR: sample.dir };
    expect((await runCli(['migrate', 'advance', 'dual-write'], env)).code).toBe(0);
    expect((await runCli(['migrate', 'backfill'], env)).code).toBe(0);
    const verify = await runCli(['migrate', 'verify', '--collection', 'projects'], env);
    expect(verify.code, verify.stderr).toBe(0);
    const checked = Number(/verify projects \(authoritative json\): (\d+) checked/.exec(verify.stdout)?.[1]);
    expect(checked).toBeGreaterThan(0);
    expect(verify.stderr).toMatch(new RegExp(`verify projects: done ${checked}/${checked} \\(100%\\).*; checked ${checked},`));
  } finally {
    await fresh.stop();
  }
});

it('answers a refusal with --json as an error object on stdout, and the line on stderr', async () => {
  const fresh = await startRedisServer();
  try {
    const env = { REDIS_URL: fresh.url, CONTENTKV_KEY_PREFIX: testPrefix(), CONTENTKV_DATA_DIR: sample.dir };
    // live before any backfill or verify: the guards refuse.
    const refused = await runCli(['migrate', 'advance', 'live', '--json'], env);
    expect(refused.code).toBe(1);
    const answer = JSON.parse(refused.stdout) as { error: { code: string; message: string } };
    expect(answer.error.code).toBe('MIGRATION_GUARD');
    expect(refused.stderr).toContain(`contentkv: MIGRATION_GUARD: ${answer.error.message}`);
    const usage = await runCli(['migrate', 'advance', 'dual-write', '--percent', '5', '--json'], env);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toEqual({ error: { code: 'VALIDATION_FAILED', message: 'a share of reads applies only to the live stage, not dual-write' } });
  } finally {
    await fresh.stop();
  }
});

it('with --json, answers a flag commander refuses with an error object on stdout too', async () => {
  const result = await runCli(['migrate', 'advance', 'live', '--percent', '150', '--json'], { CONTENTKV_DATA_DIR: sample.dir });
  expect(result.code).toBe(2);
  expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'USAGE', message: expect.stringMatching(/--percent <n>' argument '150' is invalid/) } });
});
