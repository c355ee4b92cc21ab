/**
 * The server raises alerts on its own and posts them to a webhook: a stage change, a document
 * that cannot be copied (dead letter, caused by a real Redis ACL that forbids its key), drift
 * found by verify (caused by a hand edit of the JSON file), shadow reads that disagree, the Redis
 * circuit opening (Redis killed), and writes left in the repair queue. Each fires exactly once
 * while its condition holds, and clears exactly once when the cause is fixed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { syntheticDocs } from '../../src/sample/synthetic.js';
import { testPrefix } from '../contract/redis-fixture.js';
import { sampleDataDir, WRITE_TOKEN } from '../http/app-fixture.js';
import { projectInput } from '../fixtures/inputs.js';
import { runCli } from '../support/cli.js';
import { redisCommand, startRedisServer, type RedisServerHandle } from '../support/redis-server.js';
import { startServe, type ServeHandle } from '../support/serve-process.js';
import { startReceiver, type Receiver } from './webhook-receiver.js';
import { until } from '../support/until.js';

const PASSWORD = 'alerts-test-password';
let redis: RedisServerHandle;
let receiver: Receiver;
let data: ReturnType<typeof sampleDataDir>;
let server: ServeHandle;
let env: Record<string, string>;
const prefix = testPrefix();

/** The app's Redis user may write everywhere except `zz-blocked`: a real misconfiguration the backfill meets. */
async function restrictWrites(blocked: boolean) {
  const target = { host: redis.host, port: redis.port };
  const writable = blocked
    ? ['data:projects:p*', 'data:resources:*', 'index:*', 'meta:*', 'audit:*', 'history:*', 'cache:*'].map((pattern) => `~${prefix}${pattern}`)
    : ['~*'];
  await redisCommand(target, ['ACL', 'SETUSER', 'app', 'reset', 'on', `>${PASSWORD}`, '&*', '+@all', '%R~*', ...writable]);
}

beforeAll(async () => {
  redis = await startRedisServer({ persist: true });
  await restrictWrites(true);
  receiver = await startReceiver();
  data = sampleDataDir();
  const projects = [...syntheticDocs('projects', 40), { ...syntheticDocs('projects', 1, { start: 999 })[0], id: 'zz-blocked' }];
  writeFileSync(join(data.dir, 'projects.json'), JSON.stringify(projects));
  env = {
    REDIS_URL: `redis://app:${PASSWORD}@${redis.host}:${redis.port}`,
    CONTENTKV_DATA_DIR: data.dir,
    CONTENTKV_KEY_PREFIX: prefix,
    CONTENTKV_TOKEN: WRITE_TOKEN,
    CONTENTKV_STAGE_REFRESH_MS: '100',
    CONTENTKV_SHADOW_SAMPLE: '1',
    CONTENTKV_ALERT_WEBHOOK: receiver.url,
    CONTENTKV_ALERT_INTERVAL_MS: '200',
    CONTENTKV_ALERT_WINDOW_MS: '1500',
    CONTENTKV_BREAKER_THRESHOLD: '3',
    CONTENTKV_BREAKER_HALF_OPEN_MS: '500',
  };
  server = await startServe(env);
});
afterAll(async () => {
  await server.stop();
  await receiver.stop();
  data.cleanup();
  await redis.stop();
});

const sent = (key: string) => receiver.received.filter((alert) => alert.key === key).map((alert) => alert.state as string);
const firings = (key: string) => sent(key).filter((state) => state === 'firing').length;

/**
 * Alerts are sampled (every 200 ms here): a condition fixed before the next sample raises none.
 * So before each repair, the test waits for that episode's alerts, the repair queue's included,
 * counted: verify writes its report, then queues the repairs, and a sample between the two
 * raises the drift alone; and waiting for "the queue alert has fired" was already true from
 * the first episode by the last one.
 */
function untilFired(key: string, times: number, queueTimes: number): Promise<void> {
  return untilAlerts(() => firings(key) === times && firings('repair-queue:projects') === queueTimes, `${key} to fire ${times}, the repair queue ${queueTimes} times`);
}

/** Waits for an alert condition, naming the alerts received so far when it times out. */
function untilAlerts(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  return until(check, what, { timeoutMs: 20_000, intervalMs: 50, detail: () => `alerts so far: ${JSON.stringify(receiver.received.map((a) => `${a.key} ${a.state}`))}` });
}

async function cli(...args: string[]) {
  return runCli(args, env);
}

async function ok(...args: string[]) {
  const result = await cli(...args);
  expect(result.code, `${args.join(' ')}: ${result.stdout}\n${result.stderr}`).toBe(0);
  return result;
}

/** A hand edit of the JSON file: same version, different content, as someone editing it in git would do. */
function handEdit(id: string, title: string) {
  const path = join(data.dir, 'projects.json');
  const docs = JSON.parse(readFileSync(path, 'utf8')) as { id: string; title: string }[];
  (docs.find((doc) => doc.id === id) as { title: string }).title = title;
  writeFileSync(path, JSON.stringify(docs));
}

const read = (id: string) => fetch(`${server.url}/api/projects/${id}`, { headers: { Authorization: `Bearer ${WRITE_TOKEN}` } });

it('fires each alert exactly once and clears it exactly once', async () => {
  // A stage change is announced once per collection. The first stage the server sees is its
  // baseline, not a change: wait until it has recorded both, or an advance that lands between
  // its first look at one collection and the other (a loaded machine) is half announced.
  await untilAlerts(async () => {
    const recorded = await redisCommand({ host: redis.host, port: redis.port }, ['HMGET', `${prefix}meta:migration:alerts`, 'stage:projects', 'stage:resources']);
    return Array.isArray(recorded) && recorded.every((value) => value !== null);
  }, 'the server to record the stages it starts at');
  await ok('migrate', 'advance', 'dual-write');
  await untilAlerts(() => sent('stage:projects').length === 1 && sent('stage:resources').length === 1, 'the stage notices');

  // The backfill cannot copy zz-blocked: dead letter. Fixing the ACL and repairing clears it.
  const backfill = await cli('migrate', 'backfill', '--json');
  expect(JSON.parse(backfill.stdout)[0].counts.failed).toBe(1);
  await untilFired('dead-letter:projects', 1, 1);
  await restrictWrites(false);
  await ok('migrate', 'repair');
  await untilAlerts(() => sent('dead-letter:projects').includes('resolved'), 'the dead letter to clear');

  // Drift: a hand edit of the JSON file is found by verify; repair and a clean verify clear it.
  handEdit('project-000003', 'Edited by hand in the JSON file');
  expect((await cli('migrate', 'verify')).code).toBe(1);
  await untilFired('verify-drift:projects', 1, 2);
  await ok('migrate', 'repair');
  await ok('migrate', 'verify');
  await untilAlerts(() => sent('verify-drift:projects').includes('resolved'), 'the drift alert to clear');

  // Shadow reads that disagree: the rate alert fires; once reads agree again for a window, it clears.
  await ok('migrate', 'advance', 'shadow');
  handEdit('project-000005', 'Another hand edit');
  await untilAlerts(async () => {
    for (let index = 0; index < 10; index += 1) await read('project-000005');
    return sent('shadow-mismatch:projects').includes('firing');
  }, 'the mismatch alert');
  expect((await cli('migrate', 'verify')).code).toBe(1);
  await untilFired('verify-drift:projects', 2, 3);
  await ok('migrate', 'repair');
  await ok('migrate', 'verify');
  await untilAlerts(async () => {
    for (let index = 0; index < 10; index += 1) await read('project-000007');
    return sent('shadow-mismatch:projects').includes('resolved');
  }, 'the mismatch alert to clear');

  // Redis killed: the circuit opens; writes still land on JSON and queue repairs. Redis back:
  // the circuit closes, the queue alert fires, and repair clears it.
  await redis.kill('SIGKILL');
  for (let index = 0; index < 6; index += 1) {
    const response = await fetch(`${server.url}/api/projects`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${WRITE_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(projectInput({ id: `during-outage-${index}` })),
    });
    expect(response.status).toBe(201);
  }
  const circuitKey = () => receiver.received.find((alert) => alert.condition === 'circuit')?.key as string;
  await untilAlerts(() => receiver.received.some((alert) => alert.condition === 'circuit' && alert.state === 'firing'), 'the circuit alert');
  await redis.restart();
  // ACL users live in memory; a real deployment keeps them in an ACL file, this test sets it again.
  await restrictWrites(false);
  await untilAlerts(async () => {
    await read('project-000009');
    return sent(circuitKey()).includes('resolved');
  }, 'the circuit to close');
  await untilAlerts(() => firings('repair-queue:projects') === 4, 'the repair-queue alert of the outage');
  await ok('migrate', 'repair');
  await untilAlerts(() => sent('repair-queue:projects').includes('resolved'), 'the repair-queue alert to clear');

  // Give any duplicate a chance to show up, then count: one firing and one clearing per episode.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  for (const key of ['dead-letter:projects', 'shadow-mismatch:projects', circuitKey()]) {
    expect(sent(key), key).toEqual(['firing', 'resolved']);
  }
  // Verify found drift twice (the two hand edits), and each time a clean verify cleared it.
  expect(sent('verify-drift:projects')).toEqual(['firing', 'resolved', 'firing', 'resolved']);
  // The repair queue filled four times (the dead letter's retry, two verifies' findings, the outage).
  expect(sent('repair-queue:projects')).toEqual(['firing', 'resolved', 'firing', 'resolved', 'firing', 'resolved', 'firing', 'resolved']);
  expect(sent('stage:projects')).toEqual(['notice', 'notice']);
  const alerts = (await (await fetch(`${server.url}/api/admin/alerts`, { headers: { Authorization: `Bearer ${WRITE_TOKEN}` } })).json()) as { data: { firing: unknown[]; recent: unknown[] } };
  expect(alerts.data.firing).toEqual([]);
  expect(alerts.data.recent.length).toBe(receiver.received.length);
  const metrics = await (await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${WRITE_TOKEN}` } })).text();
  expect(metrics).toMatch(/contentkv_alerts_total\{condition="dead-letter",state="firing"\} 1/);
  // The stage gauge follows the evaluations, though nobody asked /api/health or MCP for a status.
  expect(metrics).toMatch(/contentkv_migration_stage\{collection="projects"\} 2\b/);

  // Anonymous health names each stage, and nothing of the status behind the token (ids, errors).
  const health = await (await fetch(`${server.url}/api/health`)).text();
  expect(JSON.parse(health).migration.collections).toEqual({ projects: { stage: 'shadow', readPercent: 0 }, resources: { stage: 'shadow', readPercent: 0 } });
  expect(health).not.toMatch(/deadLetters|lastVerify|project-0000/);
}, 120_000);
