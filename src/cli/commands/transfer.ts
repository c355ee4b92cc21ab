/**
 * `contentkv export --out DIR` (Redis to JSON files in the original format, ready to commit) and
 * `contentkv import [--from DIR]` (JSON files to Redis in one go, for a site that can stop
 * taking writes while it runs; the live path is `migrate`).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { ConfigError } from '../../config/redis-env.js';
import { exportCollections } from '../../migration/export.js';
import { importJson } from '../../migration/import.js';
import type { JobProgress } from '../../migration/progress.js';
import { MigrationStateStore } from '../../migration/state-store.js';
import { hasJsonContent } from '../../runtime/stores.js';
import { print, progressReporter, withStores } from './migration-context.js';
import { EXIT } from '../exit-codes.js';

export function registerTransfer(program: Command): void {
  program
    .command('export')
    .description('write Redis content to DIR as projects.json and resources.json, in the original format')
    .requiredOption('--out <dir>', 'directory to write into')
    .option('--json', 'machine-readable output')
    .action(async (options: { out: string; json?: boolean }) => {
      await withStores(async (stores) => {
        if (!stores.redis) throw new ConfigError('no Redis is configured to export from');
        const reporter = await progressReporter({ json: Boolean(options.json) });
        const result = await exportCollections(stores.redis, options.out, reporter.listener);
        reporter.stop();
        print(Boolean(options.json), result, () => `exported ${result.counts.projects} projects and ${result.counts.resources} resources to ${result.dir}`);
      });
    });

  program
    .command('import')
    .description('copy JSON files (default: the data directory) into Redis; documents Redis has at a newer version are kept')
    .option('--from <dir>', 'directory holding projects.json and resources.json')
    .option('--dry-run', 'report what would be copied, copy nothing')
    .option('--json', 'machine-readable output')
    .action(async (options: { from?: string; dryRun?: boolean; json?: boolean }) => {
      const from = resolve(options.from ?? loadConfig(process.env).dataDir);
      // A mistyped path would otherwise import nothing and report it as done.
      if (!hasJsonContent(from)) throw new ConfigError(`there is no projects.json or resources.json in ${from} to import; name the directory that holds them with --from`);
      await withStores(async (stores) => {
        if (!stores.redis) throw new ConfigError('no Redis is configured to import into');
        const reporter = await progressReporter({ json: Boolean(options.json) });
        const state = stores.migration?.engine.state ?? new MigrationStateStore(stores.redis.driver, stores.redis.keys);
        const results = await importJson({ dir: from, target: stores.redis, state, dryRun: options.dryRun, onProgress: reporter.listener });
        reporter.stop();
        const line = options.dryRun
          ? (r: JobProgress) => `import ${r.collection} (dry run): would copy ${r.counts.copied}, would skip ${r.counts.skipped}`
          : (r: JobProgress) => `import ${r.collection}: ${r.status}, copied ${r.counts.copied}, skipped ${r.counts.skipped}, failed ${r.counts.failed}`;
        print(Boolean(options.json), results, () => results.map(line).join('\n'));
        if (results.some((r) => r.status !== 'done')) process.exitCode = EXIT.failed;
      });
    });
}

