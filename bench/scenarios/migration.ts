/**
 * Backfill and verify of 100,000 documents, against redis-cli --pipe loading the same documents
 * as plain SETs. Our side runs the real command, `contentkv migrate backfill` then `verify`, from
 * the snapshot under test, on a fresh redis-server. The rate is the job's own, from its start
 * to its end. That includes reading, parsing and checksumming the source JSON, which the job
 * does on its first read of it (5 of 11 s for 100,000 documents in a profile), while the
 * baseline's clock covers only the pipe, its RESP file written before. The wall time of each
 * command, the process's start included, is in the notes.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticDocs } from '../../src/sample/synthetic.js';
import { startRedisServer } from '../../test/support/redis-server.js';
import { measureRedisPipe, type PipeResult } from '../baselines/redis-pipe.js';
import type { Bench } from '../lib/bench.js';
import { formatNumber, ratioAtLeast, type Figures, type Row } from '../lib/table.js';

export interface MigrationTiming {
  docs: number;
  seconds: number;
  /** Spawn to exit of the command, loading the stores included. */
  wallSeconds: number;
}

export interface MigrationMeasurement {
  backfill: MigrationTiming;
  verify: MigrationTiming;
}

async function writeProjects(path: string, count: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('[');
  for (let start = 0; start < count; start += 1_000) {
    const chunk = syntheticDocs('projects', Math.min(1_000, count - start), { start }).map((doc) => JSON.stringify(doc)).join(',');
    if (!out.write(`${start > 0 ? ',' : ''}${chunk}`)) await once(out, 'drain');
  }
  out.end(']');
  await once(out, 'finish');
}

function run(entry: string, args: string[], env: Record<string, string>): Promise<{ stdout: string; seconds: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [entry, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`contentkv ${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve({ stdout, seconds });
    });
  });
}

/** The engine's backfill and verify of `docs` synthetic projects, through the real CLI. */
async function measureMigration(docs: number, entry: string): Promise<MigrationMeasurement> {
  const dir = mkdtempSync(join(tmpdir(), 'contentkv-bench-backfill-'));
  const server = await startRedisServer();
  try {
    await writeProjects(join(dir, 'projects.json'), docs);
    writeFileSync(join(dir, 'resources.json'), '[]');
    const env = { REDIS_URL: server.url, CONTENTKV_DATA_DIR: dir, CONTENTKV_KEY_PREFIX: '{bench}:', LOG_LEVEL: 'warn' };
    await run(entry, ['migrate', 'advance', 'dual-write', '--collection', 'projects'], env);
    const backfill = await run(entry, ['migrate', 'backfill', '--json', '--collection', 'projects'], env);
    const [copy] = JSON.parse(backfill.stdout) as { status: string; processed: number; ratePerSecond: number }[];
    if (copy?.status !== 'done' || copy.processed !== docs) throw new Error(`the backfill ended ${copy?.status} after ${copy?.processed} of ${docs}`);
    const verify = await run(entry, ['migrate', 'verify', '--json', '--collection', 'projects'], env);
    const [report] = JSON.parse(verify.stdout) as { clean: boolean; checked: number; durationMs: number }[];
    if (!report?.clean || report.checked !== docs) throw new Error(`verify after the backfill was not clean: ${verify.stdout.slice(0, 300)}`);
    return {
      backfill: { docs, seconds: docs / copy.ratePerSecond, wallSeconds: backfill.seconds },
      verify: { docs, seconds: report.durationMs / 1000, wallSeconds: verify.seconds },
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function rate(timing: MigrationTiming): Figures {
  return { rate: timing.docs / timing.seconds, rateUnit: 'docs/s', value: timing.seconds, valueUnit: 's', raw: timing };
}

/** The backfill and verify rows. */
export function migrationRows(pipe: PipeResult, layoutPipe: PipeResult, measured: MigrationMeasurement): { backfill: Row; verify: Row } {
  const docs = pipe.docs.toLocaleString('en-US');
  const pipeFigures: Figures = { rate: pipe.docsPerSecond, rateUnit: 'docs/s', value: pipe.seconds, valueUnit: 's', raw: pipe };
  const pipeNote = `redis-cli --pipe: ${docs} SETs, ${formatNumber(pipe.bytes / 1_048_576)} MB of RESP, ${pipe.errors} errors`;
  const backfill = rate(measured.backfill);
  const verify = rate(measured.verify);
  return {
    backfill: {
      scenario: 'backfill',
      title: `backfill of ${docs} documents`,
      ours: backfill,
      checks: [ratioAtLeast('docs/s', backfill.rate as number, 'redis-cli --pipe', pipeFigures, pipe.docsPerSecond, 0.5)],
      notes: [
        pipeNote,
        `reference: the same pipe writing our key layout (each document's hash and index members, no guard, no script) loads ${formatNumber(layoutPipe.docsPerSecond)} docs/s, ` +
          `${(layoutPipe.docsPerSecond / pipe.docsPerSecond).toFixed(2)}x the SETs (the ceiling of any loader writing this layout here); ours is ${((backfill.rate as number) / layoutPipe.docsPerSecond).toFixed(2)}x of it`,
        `the backfill command took ${measured.backfill.wallSeconds.toFixed(1)} s from spawn to exit, reading and checking the ${formatNumber(pipe.bytes / 1_048_576)} MB source JSON included`,
      ],
    },
    verify: {
      scenario: 'verify',
      title: `verify of ${docs} documents`,
      ours: verify,
      checks: [ratioAtLeast('docs/s (no slower)', verify.rate as number, 'backfill', backfill, backfill.rate as number, 1)],
      notes: [`the verify command took ${measured.verify.wallSeconds.toFixed(1)} s from spawn to exit, loading both stores' manifests included`],
    },
  };
}

export function migration(bench: Bench): Promise<{ backfill: Row; verify: Row }> {
  return bench.once('migration', async () => {
    const docs = bench.quick ? 20_000 : 100_000;
    const pipe = await measureRedisPipe(docs);
    bench.progress(`redis-cli --pipe: ${docs.toLocaleString('en-US')} documents in ${pipe.seconds.toFixed(2)} s`);
    const layoutPipe = await measureRedisPipe(docs, 'contentkv');
    bench.progress(`redis-cli --pipe, our key layout: ${docs.toLocaleString('en-US')} documents in ${layoutPipe.seconds.toFixed(2)} s`);
    return migrationRows(pipe, layoutPipe, await measureMigration(docs, bench.oursEntry));
  });
}
