/**
 * A command meeting a Redis it cannot open, as an operator meets it: one line saying why (the
 * server's reply or the socket's error, which HTTP clients never see), no stack trace, and an
 * exit rather than a process kept alive by a client reconnecting in the background.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sampleDataDir } from '../http/app-fixture.js';
import { runCli } from '../support/cli.js';
import { freePort } from '../support/free-port.js';
import { redisCommand, startRedisServer, type RedisServerHandle } from '../support/redis-server.js';

let guarded: RedisServerHandle;
let sample: { dir: string };
let empty: string;

beforeAll(async () => {
  guarded = await startRedisServer();
  expect(await redisCommand(guarded, ['CONFIG', 'SET', 'requirepass', 'sesame'])).toBe('OK');
  sample = sampleDataDir();
  empty = mkdtempSync(join(tmpdir(), 'ckv-no-json-'));
});

afterAll(async () => {
  await guarded.stop();
  rmSync(sample.dir, { recursive: true, force: true });
  rmSync(empty, { recursive: true, force: true });
});

const STACK = /\n\s+at /;

it('names a wrong password and exits, with Redis the only store', async () => {
  // Before, the command printed its failure and then hung: the client went on reconnecting.
  const result = await runCli(['migrate', 'status'], { REDIS_URL: `redis://:wrong@127.0.0.1:${guarded.port}`, CONTENTKV_DATA_DIR: empty }, { timeoutMs: 20_000 });
  expect(result.code, result.stderr).toBe(1);
  expect(result.stderr).toMatch(/^contentkv: STORE_UNAVAILABLE: .*WRONGPASS/m);
  expect(result.stderr).not.toContain('wrong@');
  expect(result.stderr).not.toMatch(STACK);
});

it('says why Redis could not be opened in one line when the JSON files are there too', async () => {
  const out = mkdtempSync(join(tmpdir(), 'ckv-export-'));
  try {
    const result = await runCli(['export', '--out', out], { REDIS_URL: `redis://:wrong@127.0.0.1:${guarded.port}`, CONTENTKV_DATA_DIR: sample.dir }, { timeoutMs: 20_000 });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/^contentkv: Redis could not be opened: .*WRONGPASS/m);
    // Not the server's log entry, which says it goes on serving the files.
    expect(result.stderr).not.toContain('serving what the JSON files hold');
    expect(result.stderr).not.toMatch(STACK);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

it('names the refused connection when nothing listens, and serve exits instead of waiting', async () => {
  const port = await freePort();
  const result = await runCli(['serve'], { REDIS_URL: `redis://127.0.0.1:${port}`, CONTENTKV_DATA_DIR: empty, PORT: String(await freePort()), CONTENTKV_TOKEN: 'a'.repeat(32) }, { timeoutMs: 20_000 });
  expect(result.code, result.stderr).toBe(1);
  expect(result.stderr).toMatch(new RegExp(`^contentkv: STORE_UNAVAILABLE: .*ECONNREFUSED 127\\.0\\.0\\.1:${port}`, 'm'));
  expect(result.stderr).not.toMatch(STACK);
});
