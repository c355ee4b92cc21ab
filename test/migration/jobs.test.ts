/** The background job runner of the admin API: one job per kind and collection, resumed as started. */
import { expect, it } from 'vitest';
import { MigrationGuardError } from '../../src/domain/errors.js';
import { JobRunner } from '../../src/migration/jobs.js';
import type { JobProgress } from '../../src/migration/progress.js';

function progress(status: JobProgress['status']): JobProgress {
  return { collection: 'projects', job: 'backfill', status, total: 10, processed: 4, counts: { copied: 4, skipped: 0, failed: 0 }, ratePerSecond: 0, etaSeconds: null, startedAt: '', updatedAt: '' };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

it('starts a paused job again with the work it was started with, marked as resuming', async () => {
  const jobs = new JobRunner();
  const runs: boolean[] = [];
  jobs.start('backfill', 'projects', async (onProgress, resuming) => {
    runs.push(resuming);
    onProgress(progress(runs.length === 1 ? 'paused' : 'done'));
  });
  await settle();
  const resumed = jobs.resumePaused();
  expect(resumed.map((job) => job.key)).toEqual(['backfill:projects']);
  await settle();
  expect(runs).toEqual([false, true]);
  expect(jobs.resumePaused()).toEqual([]);
});

it('refuses a second job of the same kind over a collection a running one covers', async () => {
  const jobs = new JobRunner();
  let finish: () => void = () => undefined;
  jobs.start('backfill', 'all', () => new Promise<void>((resolve) => (finish = resolve)));
  expect(() => jobs.start('backfill', 'projects', async () => undefined)).toThrow(MigrationGuardError);
  expect(() => jobs.start('backfill', 'all', async () => undefined)).toThrow(MigrationGuardError);
  expect(() => jobs.start('verify', 'projects', async () => undefined)).not.toThrow();
  finish();
  await settle();
  expect(() => jobs.start('backfill', 'projects', async () => undefined)).not.toThrow();
});
