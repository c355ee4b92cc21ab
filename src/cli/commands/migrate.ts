/**
 * `contentkv migrate status|backfill|verify|repair|advance|rollback|pause|resume`: the operator's
 * commands for moving a live site from its JSON files to Redis (README, "Migration runbook").
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { COLLECTIONS } from '../../domain/collections.js';
import type { Target } from '../../migration/engine.js';
import type { JobProgress } from '../../migration/progress.js';
import { STAGES, stageSchema, type Stage } from '../../migration/stages.js';
import type { MigrationStatus } from '../../migration/status.js';
import type { VerifyReport } from '../../migration/verify.js';
import { print, progressReporter, requireMigration, withStores } from './migration-context.js';
import { EXIT } from '../exit-codes.js';

const actor = { source: 'admin' as const, clientId: 'cli' };

function collectionOption() {
  return new Option('--collection <name>', 'projects, resources or all').choices([...COLLECTIONS, 'all']).default('all');
}

function stageArgument(value: string): Stage {
  const parsed = stageSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`one of ${STAGES.join(', ')}`);
  return parsed.data;
}

function percentArgument(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 100) throw new InvalidArgumentError('a whole number from 0 to 100');
  return parsed;
}

function formatStatus(status: MigrationStatus): string {
  const lines = [`paused: ${status.paused}${status.fenced ? ' (a stage switch is in progress)' : ''}; JSON writable: ${status.jsonWritable}; Redis reachable: ${status.redisReachable}`];
  // The stages live in Redis: without it, what follows is this process's fallback, not the migration's state.
  const unknown = status.stateError !== null;
  if (unknown) lines.push(`the migration state could not be read from Redis (${status.stateError}): the live stages are unknown`);
  for (const [name, c] of Object.entries(status.collections)) {
    const verify = c.lastVerify ? `${c.lastVerify.clean ? 'clean' : `${c.lastVerify.missing} missing, ${c.lastVerify.extra} extra, ${c.lastVerify.different} different`} at ${c.lastVerify.checkedAt}` : 'never';
    const backfill = c.backfill ? `${c.backfill.status} ${c.backfill.processed}/${c.backfill.total} (copied ${c.backfill.copied}, skipped ${c.backfill.skipped}, failed ${c.backfill.failed})` : 'never run';
    const rate = c.shadow.mismatchRate === null ? 'n/a' : `${(c.shadow.mismatchRate * 100).toFixed(2)}% of ${c.shadow.compared}`;
    lines.push(
      unknown
        ? `${name}: stage unknown (this process would fall back to ${c.stage} [${c.stageSource}])`
        : `${name}: stage ${c.stage}${c.stage === 'live' ? ` (${c.readPercent}% of reads from Redis)` : ''} [${c.stageSource}], authoritative ${c.authoritative}`,
      `  backfill: ${backfill}`,
      `  last verify: ${verify}`,
      `  repair queue: ${c.repairQueue.redis ?? '?'} in Redis, ${c.repairQueue.journal} in the local journal; dead letters: ${c.deadLetters.count}; shadow mismatches: ${rate}`,
    );
  }
  return lines.join('\n');
}

function describeJobs(results: JobProgress[]): string {
  return results.map((r) => `${r.job} ${r.collection}: ${r.status}, ${r.processed}/${r.total}, ${Object.entries(r.counts).map(([k, v]) => `${k} ${v}`).join(', ')}${r.error ? ` (${r.error})` : ''}`).join('\n');
}

function describeReports(reports: VerifyReport[]): string {
  return reports
    .map((r) => `verify ${r.collection} (authoritative ${r.authoritative}): ${r.checked} checked, ${r.missing} missing, ${r.extra} extra, ${r.different} different${r.clean ? ' -- clean' : `; first ids: ${Object.entries(r.versions).slice(0, 10).map(([id, v]) => `${id} (${r.authoritative} v${v.authoritative ?? '-'}, other v${v.other ?? '-'})`).join(', ')}`}`)
    .join('\n');
}

/** A job that ended failed or paused is not a success: say so in the exit code. */
function exitFor(results: { status?: string; clean?: boolean }[]): void {
  if (results.some((r) => r.status === 'failed' || r.clean === false)) process.exitCode = EXIT.failed;
  else if (results.some((r) => r.status === 'paused')) process.exitCode = EXIT.paused;
}

export function registerMigrate(program: Command): void {
  const migrate = program.command('migrate').description('move the content from the JSON files to Redis with zero downtime (see the README runbook)');

  migrate.command('status').description('stage, backfill, verify, repair queue and mismatches, per collection').option('--json', 'machine-readable output').action(async (options: { json?: boolean }) => {
    await withStores(async (stores) => {
      const status = await requireMigration(stores).engine.status();
      print(Boolean(options.json), status, () => formatStatus(status));
      // A status that could not be read is not one to act on: scripts see it in the exit code.
      if (status.stateError !== null) process.exitCode = EXIT.failed;
    });
  });

  for (const kind of ['backfill', 'verify', 'repair'] as const) {
    const description = {
      backfill: 'copy every JSON document into Redis (never over a newer one), resumable from its checkpoint',
      verify: 'compare every document in both stores by checksum; mismatches go to the repair queue',
      repair: "reconcile the ids in the repair queue (the newer version wins; at the same version, the authoritative store's)",
    }[kind];
    const command = migrate.command(kind).description(description).addOption(collectionOption()).option('--dry-run', 'report what would change, change nothing').option('--json', 'machine-readable output');
    if (kind === 'backfill') command.option('--restart', 'start from the beginning, not the checkpoint').option('--force', 'run even before dual-write is on (writes during the copy could be missed)');
    command.action(async (options: { collection: Target; dryRun?: boolean; json?: boolean; restart?: boolean; force?: boolean }) => {
      await withStores(async (stores) => {
        const { engine } = requireMigration(stores);
        const reporter = await progressReporter({ json: Boolean(options.json) });
        let results: (JobProgress | VerifyReport)[];
        try {
          const job = { dryRun: options.dryRun, onProgress: reporter.listener };
          if (kind === 'verify') results = await engine.verify(options.collection, job);
          else if (kind === 'backfill') results = await engine.backfill(options.collection, { ...job, restart: options.restart, force: options.force });
          else results = await engine.repair(options.collection, job);
        } finally {
          reporter.stop();
        }
        print(Boolean(options.json), results, () => (kind === 'verify' ? describeReports(results as VerifyReport[]) : describeJobs(results as JobProgress[])));
        exitFor(results);
      });
    });
  }

  const moves = {
    advance: {
      description: 'move forward to a stage (guarded: e.g. live needs a clean verify and an empty repair queue)',
      percent: 'in live: the share of reads served by Redis (default 100)',
    },
    rollback: {
      description: 'move back to an earlier stage; refused while the JSON files lack writes Redis took, unless forced',
      percent: 'in live: lower the share of reads served by Redis',
    },
  } as const;
  for (const [direction, words] of Object.entries(moves) as [keyof typeof moves, (typeof moves)[keyof typeof moves]][]) {
    migrate
      .command(direction)
      .description(words.description)
      .argument('<stage>', STAGES.join(' | '), stageArgument)
      .addOption(collectionOption())
      .option('--percent <n>', words.percent, percentArgument)
      .option('--force', 'override the guards (audited)')
      .option('--json', 'machine-readable output')
      .action(async (stage: Stage, options: { collection: Target; percent?: number; force?: boolean; json?: boolean }) => {
        await withStores(async (stores) => {
          const { engine } = requireMigration(stores);
          await engine[direction]({ collection: options.collection, stage, readPercent: options.percent, force: options.force, actor });
          const status = await engine.status();
          print(Boolean(options.json), status, () => formatStatus(status));
        });
      });
  }

  for (const kind of ['pause', 'resume'] as const) {
    migrate
      .command(kind)
      .description(kind === 'pause' ? 'stop the backfill and repair jobs after their current batch (not edits; a verify, which only reads, runs on)' : 'allow background work again; rerun a paused backfill to continue it')
      .option('--json', 'machine-readable output')
      .action(async (options: { json?: boolean }) => {
        await withStores(async (stores) => {
          const { engine } = requireMigration(stores);
          await (kind === 'pause' ? engine.pause(actor) : engine.resume(actor));
          print(Boolean(options.json), { paused: kind === 'pause' }, () => (kind === 'pause' ? 'paused' : 'resumed'));
        });
      });
  }
}
