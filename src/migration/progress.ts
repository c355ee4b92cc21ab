/** Progress of a long migration job, as reported to the CLI's bar, the admin API and the dashboard. */
export interface JobProgress {
  collection: string;
  job: 'backfill' | 'verify' | 'repair' | 'export' | 'import';
  status: 'running' | 'done' | 'paused' | 'failed';
  total: number;
  processed: number;
  /** Per-job counters: copied, skipped, failed, missing, ... */
  counts: Record<string, number>;
  ratePerSecond: number;
  etaSeconds: number | null;
  startedAt: string;
  updatedAt: string;
  error?: string;
}

export type ProgressListener = (progress: JobProgress) => void;

export function rateAndEta(processed: number, total: number, startedMs: number, nowMs: number): { ratePerSecond: number; etaSeconds: number | null } {
  const seconds = Math.max(0.001, (nowMs - startedMs) / 1000);
  const ratePerSecond = Math.round(processed / seconds);
  const remaining = Math.max(0, total - processed);
  return { ratePerSecond, etaSeconds: ratePerSecond > 0 ? Math.ceil(remaining / ratePerSecond) : null };
}
