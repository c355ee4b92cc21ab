/**
 * Background migration jobs started from the admin API and the dashboard: one of each kind per
 * collection at a time (a job of `all` covers both), with their latest progress kept for the status. The CLI runs the same
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

/** The work of a job; `resuming` is true when it is started again after a pause. */
export type JobWork = (onProgress: ProgressListener, resuming: boolean) => Promise<unknown>;

/** Two targets share a collection when they are the same or either is `all`. */
function overlaps(a: string, b: string): boolean {
  return a === b || a === 'all' || b === 'all';
}

export class JobRunner {
  private readonly jobs = new Map<string, JobRecord>();
  /** Each job's work, kept to start it again on resume with the options it was started with. */
  private readonly work = new Map<string, JobWork>();

  constructor(private readonly onError?: (error: unknown, job: JobRecord) => void) {}

  start(kind: string, target: string, work: JobWork, resuming = false): JobRecord {
    const key = `${kind}:${target}`;
    const running = [...this.jobs.values()].find((job) => job.state === 'running' && job.kind === kind && overlaps(job.target, target));
    if (running) throw new MigrationGuardError(`a ${kind} of ${running.target} is already running in this server`, { job: running.key });
    const record: JobRecord = { key, kind, target, state: 'running', startedAt: new Date().toISOString(), finishedAt: null, progress: [], error: null };
    this.jobs.set(key, record);
    this.work.set(key, work);
    const onProgress: ProgressListener = (progress) => {
      const index = record.progress.findIndex((entry) => entry.collection === progress.collection);
      if (index >= 0) record.progress[index] = progress;
      else record.progress.push(progress);
    };
    work(onProgress, resuming).then(
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

  /** Starts again, with their own options, the jobs whose last run stopped because the migration was paused. */
  resumePaused(): JobRecord[] {
    const paused = [...this.jobs.values()].filter((job) => job.state !== 'running' && job.progress.some((progress) => progress.status === 'paused'));
    return paused.map((job) => this.start(job.kind, job.target, this.work.get(job.key) as JobWork, true));
  }
}
