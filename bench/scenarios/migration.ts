/**
 * Backfill and verify of 100,000 documents, against redis-cli --pipe loading the same documents
 * as plain SETs. The migration engine that provides backfill and verify is being written now; until
 * it exists, the rows say "not measured" and show only the baseline, which is measured for real.
 *
 * When the engine lands: implement `measureMigration` below (backfill the documents into a fresh
 * redis-server through the engine, with its version guard, indexes and checkpoints, then verify
 * them) and nothing else changes: `migrationRows` turns its numbers into the two rows and checks.
 */
import { measureRedisPipe, type PipeResult } from '../baselines/redis-pipe.js';
import type { Bench } from '../lib/bench.js';
import { formatNumber, notMeasured, ratioAtLeast, type Figures, type Row } from '../lib/table.js';

export interface MigrationTiming {
  docs: number;
  seconds: number;
}

export interface MigrationMeasurement {
  backfill: MigrationTiming;
  verify: MigrationTiming;
}

const NOT_BUILT = 'migration engine not built yet';

/** The engine's backfill and verify of `docs` synthetic projects; null while there is no engine. */
async function measureMigration(_docs: number): Promise<MigrationMeasurement | null> {
  return null;
}

function rate(timing: MigrationTiming): Figures {
  return { rate: timing.docs / timing.seconds, rateUnit: 'docs/s', value: timing.seconds, valueUnit: 's', raw: timing };
}

/** The backfill and verify rows, from a measurement or from its absence. */
export function migrationRows(pipe: PipeResult, measured: MigrationMeasurement | null): { backfill: Row; verify: Row } {
  const docs = pipe.docs.toLocaleString('en-US');
  const pipeFigures: Figures = { rate: pipe.docsPerSecond, rateUnit: 'docs/s', value: pipe.seconds, valueUnit: 's', raw: pipe };
  const pipeBaseline = { name: 'redis-cli --pipe', figures: pipeFigures };
  const pipeNote = `redis-cli --pipe: ${docs} SETs, ${formatNumber(pipe.bytes / 1_048_576)} MB of RESP, ${pipe.errors} errors`;
  if (!measured) {
    return {
      backfill: {
        scenario: 'backfill',
        title: `backfill of ${docs} documents`,
        ours: null,
        checks: [notMeasured('≥ 0.5 × redis-cli --pipe docs/s', NOT_BUILT, pipeBaseline)],
        notes: [pipeNote],
      },
      verify: { scenario: 'verify', title: `verify of ${docs} documents`, ours: null, checks: [notMeasured('no slower than the backfill', NOT_BUILT)], notes: [] },
    };
  }
  const backfill = rate(measured.backfill);
  const verify = rate(measured.verify);
  return {
    backfill: {
      scenario: 'backfill',
      title: `backfill of ${docs} documents`,
      ours: backfill,
      checks: [ratioAtLeast('docs/s', backfill.rate as number, 'redis-cli --pipe', pipeFigures, pipe.docsPerSecond, 0.5)],
      notes: [pipeNote],
    },
    verify: {
      scenario: 'verify',
      title: `verify of ${docs} documents`,
      ours: verify,
      checks: [ratioAtLeast('docs/s (no slower)', verify.rate as number, 'backfill', backfill, backfill.rate as number, 1)],
      notes: [],
    },
  };
}

export function migration(bench: Bench): Promise<{ backfill: Row; verify: Row }> {
  return bench.once('migration', async () => {
    const docs = bench.quick ? 20_000 : 100_000;
    const pipe = await measureRedisPipe(docs);
    bench.progress(`redis-cli --pipe: ${docs.toLocaleString('en-US')} documents in ${pipe.seconds.toFixed(2)} s`);
    return migrationRows(pipe, await measureMigration(docs));
  });
}
