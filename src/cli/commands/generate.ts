/**
 * `contentkv generate`: writes synthetic documents (about 2 KB each) as JSON files in the
 * original format, for load tests, benchmarks and trying the migration on realistic volume.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { ConfigError } from '../../config/redis-env.js';
import { syntheticDocs } from '../../sample/synthetic.js';

function count(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 1_000_000) throw new InvalidArgumentError('a whole number from 0 to 1000000');
  return parsed;
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('write N synthetic projects and resources as projects.json and resources.json')
    .requiredOption('--out <dir>', 'directory to write into')
    .option('--projects <n>', 'number of projects', count, 1000)
    .option('--resources <n>', 'number of resources', count, 1000)
    .option('--force', 'replace projects.json and resources.json if DIR already has them')
    .action(async (options: { out: string; projects: number; resources: number; force?: boolean }) => {
      const dir = resolve(options.out);
      // `--out data` would otherwise replace a site's content with synthetic documents.
      const existing = ['projects.json', 'resources.json'].filter((file) => existsSync(join(dir, file)));
      if (existing.length > 0 && !options.force) throw new ConfigError(`${dir} already holds ${existing.join(' and ')}; choose another --out, or add --force to replace them`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'projects.json'), `${JSON.stringify(syntheticDocs('projects', options.projects))}\n`);
      await writeFile(join(dir, 'resources.json'), `${JSON.stringify(syntheticDocs('resources', options.resources))}\n`);
      process.stdout.write(`wrote ${options.projects} projects and ${options.resources} resources to ${dir}\n`);
    });
}
