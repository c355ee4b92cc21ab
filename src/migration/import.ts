/**
 * A one-shot import of JSON files into Redis (`contentkv import`): the backfill's conditional
 * copy of every collection from the start, checkpointed under `import:<c>`. Documents Redis holds
 * at a newer version are kept.
 */
import { COLLECTIONS } from '../domain/collections.js';
import type { ContentStore } from '../store/port.js';
import { JsonStore } from '../store/json/json-store.js';
import { backfill } from './backfill.js';
import type { ProgressListener, JobProgress } from './progress.js';
import type { MigrationStateStore } from './state-store.js';

export interface ImportOptions {
  dir: string;
  target: ContentStore;
  state: MigrationStateStore;
  dryRun?: boolean | undefined;
  onProgress?: ProgressListener | undefined;
}

export async function importJson(options: ImportOptions): Promise<JobProgress[]> {
  const source = new JsonStore({ dir: options.dir });
  await source.open();
  try {
    const results: JobProgress[] = [];
    for (const c of COLLECTIONS) {
      results.push(await backfill({ collection: c, source, target: options.target, state: options.state, dryRun: options.dryRun, restart: true, onProgress: options.onProgress, job: 'import' }));
    }
    return results;
  } finally {
    await source.close();
  }
}
