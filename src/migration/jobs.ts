/**
 * Background migration jobs started from the admin API and the dashboard: one of each kind per
 * collection at a time, with their latest progress kept for the status. The CLI runs the same
 * work in the foreground instead.
 */
import { MigrationGuardError } from '../domain/errors.js';
import type { JobProgress, ProgressListener } from './progress.js';

export interface JobRecord {
  key: string;
  kind: string;
  target: string;
  state: 'running' | 'finished' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  progress: JobProgress[];
  error: string | null;
}

export class JobRunner {
  private readonly jobs = new Map<string, JobRecord>();

  constructor(private readonly onError?: (error: unknown, job: JobRecord) => void) {}

  start(kind: string, target: string, work: (onProgress: ProgressListener) => Promise<unknown>): JobRecord {
    const key = `${kind}:${target}`;
    const existing = this.jobs.get(key);
    if (existing?.state === 'running') throw new MigrationGuardError(`a ${kind} of ${target} is already running in this server`, { job: key });
    const record: JobRecord = { key, kind, target, state: 'running', startedAt: new Date().toISOString(), finishedAt: null, progress: [], error: null };
    this.jobs.set(key, record);
    const onProgress: ProgressListener = (progress) => {
      const index = record.progress.findIndex((entry) => entry.collection === progress.collection);
      if (index >= 0) record.progress[index] = progress;
      else record.progress.push(progress);
    };
    work(onProgress).then(
      () => {
        record.state = record.progress.some((progress) => progress.status === 'failed') ? 'failed' : 'finished';
        record.finishedAt = new Date().toISOString();
      },
      (error: unknown) => {
        record.state = 'failed';
        record.error = error instanceof Error ? error.message : String(error);
        record.finishedAt = new Date().toISOString();
        this.onError?.(error, record);
      },
    );
    return record;
  }

  list(): JobRecord[] {
    return [...this.jobs.values()].sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1)).slice(0, 20);
  }

  /** Jobs whose last run stopped because the migration was paused, to start again on resume. */
  paused(): JobRecord[] {
    return [...this.jobs.values()].filter((job) => job.state !== 'running' && job.progress.some((progress) => progress.status === 'paused'));
  }
}
