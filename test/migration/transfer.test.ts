/**
 * `contentkv import` and `contentkv export`, run as users run them: JSON files into Redis in one
 * go (never over a newer document), and Redis back out to files in the original format. The
 * export is the serverless runbook's way back to the files, so the round trip must lose nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testPrefix } from '../contract/redis-fixture.js';
import { sampleDataDir } from '../http/app-fixture.js';
import { runCli } from '../support/cli.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.js';

let redis: RedisServerHandle;
const dirs: string[] = [];
const tempDir = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `ckv-${name}-`));
  dirs.push(dir);
  return dir;
};

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

type Doc = { id: string; title: string; metadata: { version: number; checksum: string } };
const byId = (docs: Doc[]) => new Map(docs.map((doc) => [doc.id, doc]));
const read = (dir: string, file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Doc[];

it('imports JSON files into Redis, skips what Redis already has, and exports the same documents back', async () => {
  const sample = sampleDataDir();
  dirs.push(sample.dir);
  // A Redis-only site: the data directory holds no JSON files.
  const env = { REDIS_URL: redis.url, CONTENTKV_KEY_PREFIX: testPrefix(), CONTENTKV_DATA_DIR: tempDir('empty') };

  const imported = await runCli(['import', '--from', sample.dir, '--json'], env);
  expect(imported.code, imported.stderr).toBe(0);
  const results = JSON.parse(imported.stdout) as { collection: string; status: string; counts: { copied: number; skipped: number; failed: number } }[];
  expect(results.map((r) => [r.collection, r.status, r.counts.copied, r.counts.failed])).toEqual([
    ['projects', 'done', read(sample.dir, 'projects.json').length, 0],
    ['resources', 'done', read(sample.dir, 'resources.json').length, 0],
  ]);

  const again = await runCli(['import', '--from', sample.dir, '--json'], env);
  expect(again.code, again.stderr).toBe(0);
  expect((JSON.parse(again.stdout) as { counts: { copied: number; skipped: number } }[]).map((r) => r.counts.copied)).toEqual([0, 0]);

  const out = tempDir('export');
  const exported = await runCli(['export', '--out', out, '--json'], env);
  expect(exported.code, exported.stderr).toBe(0);
  for (const file of ['projects.json', 'resources.json']) {
    const original = byId(read(sample.dir, file));
    const back = byId(read(out, file));
    expect([...back.keys()].sort()).toEqual([...original.keys()].sort());
    // The sample files predate versions: they come back as they went in, now at version 1 with their checksum.
    for (const [id, doc] of original) {
      expect(back.get(id), `${file} ${id}`).toEqual({ ...doc, metadata: { ...doc.metadata, version: 1, checksum: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    }
  }
});

it('imports beside a migration, through the migration state, and a dry run copies nothing', async () => {
  const sample = sampleDataDir();
  dirs.push(sample.dir);
  // JSON files and Redis: the migrating setup.
  const env = { REDIS_URL: redis.url, CONTENTKV_KEY_PREFIX: testPrefix(), CONTENTKV_DATA_DIR: sample.dir };
  const dry = await runCli(['import', '--dry-run', '--json'], env);
  expect(dry.code, dry.stderr).toBe(0);
  const status = await runCli(['migrate', 'status', '--json'], env);
  expect(status.code, status.stderr).toBe(0);
  const exported = await runCli(['export', '--out', tempDir('export-empty'), '--json'], env);
  expect(JSON.parse(exported.stdout).counts).toEqual({ projects: 0, resources: 0 });
  const real = await runCli(['import', '--json'], env);
  expect((JSON.parse(real.stdout) as { counts: { copied: number } }[]).map((r) => r.counts.copied)).toEqual([read(sample.dir, 'projects.json').length, read(sample.dir, 'resources.json').length]);
});

it('refuses to import from a directory without the files, rather than report an empty import as done', async () => {
  const env = { REDIS_URL: redis.url, CONTENTKV_KEY_PREFIX: testPrefix(), CONTENTKV_DATA_DIR: tempDir('empty') };
  const missing = join(tempDir('parent'), 'mistyped');
  for (const args of [['import', '--from', missing], ['import', '--from', missing, '--dry-run']]) {
    const result = await runCli(args, env);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.trim()).toBe(`contentkv: configuration error: there is no projects.json or resources.json in ${missing} to import; name the directory that holds them with --from`);
  }
});

it('says what a dry run would copy, not what it copied', async () => {
  const sample = sampleDataDir();
  dirs.push(sample.dir);
  const env = { REDIS_URL: redis.url, CONTENTKV_KEY_PREFIX: testPrefix(), CONTENTKV_DATA_DIR: tempDir('empty') };
  const dry = await runCli(['import', '--from', sample.dir, '--dry-run'], env);
  expect(dry.code, dry.stderr).toBe(0);
  expect(dry.stdout).toContain(`import projects (dry run): would copy ${read(sample.dir, 'projects.json').length}, would skip 0`);
  expect(dry.stdout).not.toMatch(/\bcopied\b/);
});

it('generates synthetic files, and will not replace a directory\'s content without --force', async () => {
  const dir = tempDir('generate');
  const made = await runCli(['generate', '--out', dir, '--projects', '3', '--resources', '2'], {});
  expect(made.code, made.stderr).toBe(0);
  expect([read(dir, 'projects.json').length, read(dir, 'resources.json').length]).toEqual([3, 2]);

  writeFileSync(join(dir, 'projects.json'), '[]');
  const refused = await runCli(['generate', '--out', dir, '--projects', '5'], {});
  expect(refused.code).toBe(2);
  expect(refused.stderr.trim()).toBe(`contentkv: configuration error: ${dir} already holds projects.json and resources.json; choose another --out, or add --force to replace them`);
  expect(read(dir, 'projects.json')).toEqual([]);

  const forced = await runCli(['generate', '--out', dir, '--projects', '5', '--force'], {});
  expect(forced.code, forced.stderr).toBe(0);
  expect(read(dir, 'projects.json')).toHaveLength(5);
});
