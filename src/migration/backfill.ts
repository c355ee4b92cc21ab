/**
 * Backfill: copies every document of a collection from the JSON store into Redis, in pipelined
 * batches through the conditional put, which writes only where Redis has the document absent
 * or older. So a backfill never overwrites a write made during the copy, and running it twice
 * changes nothing. A checkpoint is recorded after Redis acknowledged each batch; a new run
 * resumes from it. Transient failures are retried with exponential backoff and jitter; a
 * document that keeps failing on its own goes to the dead-letter list with the reason.
 */
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { Collection, Doc } from '../domain/collections.js';
import { ContentKvError, StoreUnavailableError } from '../domain/errors.js';
import type { ContentStore, ReplicaItem } from '../store/port.js';
import { rateAndEta, type JobProgress, type ProgressListener } from './progress.js';
import { countAll } from './store-reads.js';
import type { MigrationStateStore } from './state-store.js';

export interface BackfillOptions {
  collection: Collection;
  source: ContentStore;
  target: ContentStore;
  state: MigrationStateStore;
  batchSize?: number;
  dryRun?: boolean;
  /** Start again from the beginning instead of the checkpoint. */
  restart?: boolean;
  onProgress?: ProgressListener;
  /** Checked between batches; true stops the run with status `paused`. */
  shouldPause?: () => Promise<boolean>;
  retryAttempts?: number;
  /** The checkpoint key; `backfill` for the migration, `import` for a one-shot import. */
  job?: 'backfill' | 'import';
}

const transient = handleWhen((error) => error instanceof StoreUnavailableError || !(error instanceof ContentKvError));

export async function backfill(options: BackfillOptions): Promise<JobProgress> {
  const { collection: c, source, target, state } = options;
  const job = options.job ?? 'backfill';
  const key = `${job}:${c}`;
  const batchSize = options.batchSize ?? 500;
  const policy = retry(transient, { maxAttempts: options.retryAttempts ?? 5, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 5_000 }) });

  const saved = options.restart || options.dryRun ? {} : await state.getHash(key);
  // A finished run starts over; so does a stale one (writes went unmirrored since): only an interrupted run resumes.
  const resume = saved.status === 'running' || saved.status === 'paused' || saved.status === 'failed';
  let cursor: string | null = resume && saved.cursor ? saved.cursor : null;
  const startedMs = Date.now();
  const counts = resume
    ? { copied: Number(saved.copied ?? 0), skipped: Number(saved.skipped ?? 0), failed: Number(saved.failed ?? 0) }
    : { copied: 0, skipped: 0, failed: 0 };
  let processed = resume ? Number(saved.processed ?? 0) : 0;
  const startedAt = resume && saved.startedAt ? saved.startedAt : new Date(startedMs).toISOString();
  const total = await countAll(source, c);
  const processedAtStart = processed;

  const progress = (status: JobProgress['status'], error?: string): JobProgress => ({
    collection: c,
    job,
    status,
    total,
    processed,
    counts: { ...counts },
    ...rateAndEta(processed - processedAtStart, total - processedAtStart, startedMs, Date.now()),
    startedAt,
    updatedAt: new Date().toISOString(),
    ...(error !== undefined && { error }),
  });

  const checkpoint = async (status: JobProgress['status'], error?: string) => {
    const current = progress(status, error);
    if (!options.dryRun) {
      await state.setHash(key, {
        status,
        cursor: cursor ?? '',
        processed,
        total,
        copied: counts.copied,
        skipped: counts.skipped,
        failed: counts.failed,
        startedAt,
        updatedAt: current.updatedAt,
        ...(status === 'done' && { finishedAt: current.updatedAt }),
        error: error ?? '',
      });
    }
    options.onProgress?.(current);
    return current;
  };

  const pause = pauseWatch(options.shouldPause);
  // Paused before it began: nothing is sent and nothing recorded, so the saved run stays as it
  // was. Recording this run as paused would have replaced a finished backfill's record with
  // 'paused at 0', and the guards of later stages would then ask for the whole copy again.
  if (await pause.read()) {
    const current = progress('paused');
    options.onProgress?.(current);
    return current;
  }
  await checkpoint('running');
  // Two batches in flight: the next is read and encoded while Redis applies the previous. Each
  // checkpoint is recorded only after its own batch was acknowledged, and in order, on a chain
  // of its own: the loop waits for the previous batch, not for its checkpoint. That checkpoint's
  // write queues in Redis behind the batch sent since, so waiting for it left Redis idle while
  // the next batch was encoded. The pause flag's read (pauseWatch) had the same effect. With
  // both waits, copying 100,000 documents took 8.5 s, the two sides taking turns; without, 5.6.
  /** The last batch sent, acknowledged or not. */
  let inFlight: Promise<unknown> = Promise.resolve();
  let recorded: Promise<void> = Promise.resolve();
  let recordFailure: { error: unknown } | undefined;
  let readCursor = cursor;
  try {
    for (;;) {
      if (pause.seen()) {
        await recorded;
        return await checkpoint('paused');
      }
      const page = await policy.execute(() => source.manifest(c, readCursor, batchSize));
      readCursor = page.cursor;
      const docs = page.entries.length > 0 ? await policy.execute(() => source.getMany(c, page.entries.map((entry) => entry.id))) : [];
      const items: ReplicaItem[] = docs.filter((doc): doc is Doc => doc !== null).map((doc) => ({ id: doc.id, doc }));
      // The batch's counts join the run's only when its checkpoint is recorded, so a checkpoint's
      // counts always match its cursor: a batch that landed after the last one is counted again,
      // once, by the run that resumes from it.
      const batchCounts = { copied: 0, skipped: 0, failed: 0 };
      const copying =
        items.length === 0 ? Promise.resolve() : options.dryRun ? countWouldCopy(target, c, items, batchCounts) : copyBatch(target, c, items, policy, state, batchCounts);
      // Awaited later, but may fail before that while this loop awaits something else: marked
      // as handled here, so such a failure ends the run as `failed`, not the process.
      copying.catch(() => undefined);
      recorded = recorded
        .then(() => copying)
        .then(async () => {
          for (const kind of ['copied', 'skipped', 'failed'] as const) counts[kind] += batchCounts[kind];
          processed += page.entries.length;
          cursor = page.cursor;
          if (cursor !== null) await checkpoint('running');
        });
      recorded.catch((error: unknown) => (recordFailure ??= { error }));
      const before = inFlight;
      inFlight = copying;
      await before;
      if (recordFailure) throw recordFailure.error;
      if (page.cursor === null) {
        await recorded;
        return await checkpoint('done');
      }
    }
  } catch (error) {
    // The batch still in flight and every checkpoint begun land first: nothing changes after this one.
    await Promise.allSettled([recorded, inFlight]);
    return checkpoint('failed', error instanceof Error ? error.message : String(error));
  }
}

/**
 * The pause flag, read beside the batches rather than before each. Its read queues in Redis
 * behind the batches in flight, so awaiting it before the next batch left Redis idle while that
 * batch was encoded. The first read is awaited, so a paused job sends nothing; after that a pause
 * is seen within two batches. A read that fails ends the run like a failed batch (the first one
 * before anything was recorded).
 */
function pauseWatch(shouldPause: (() => Promise<boolean>) | undefined) {
  let paused = false;
  let reading = false;
  let failure: { error: unknown } | undefined;
  return {
    async read(): Promise<boolean> {
      paused = (await shouldPause?.()) === true;
      return paused;
    },
    /** What the last finished read said; starts the next read unless one is under way. */
    seen(): boolean {
      if (failure) throw failure.error;
      if (shouldPause && !reading && !paused) {
        reading = true;
        shouldPause().then(
          (value) => {
            paused = value;
            reading = false;
          },
          (error: unknown) => {
            failure = { error };
            reading = false;
          },
        );
      }
      return paused;
    },
  };
}

async function copyBatch(
  target: ContentStore,
  c: Collection,
  items: ReplicaItem[],
  policy: ReturnType<typeof retry>,
  state: MigrationStateStore,
  counts: Record<'copied' | 'skipped' | 'failed', number>,
): Promise<void> {
  try {
    const outcomes = await policy.execute(() => target.putIfNewer(c, items));
    for (const outcome of outcomes) counts[outcome === 'applied' ? 'copied' : 'skipped'] += 1;
    return;
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
  }
  // The batch failed for a reason other than the store being away: find the documents at fault.
  for (const item of items) {
    try {
      const [outcome] = await policy.execute(() => target.putIfNewer(c, [item]));
      counts[outcome === 'applied' ? 'copied' : 'skipped'] += 1;
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      counts.failed += 1;
      // Dead-lettered and queued for repair: once its cause is fixed, `repair` copies it and clears the letter.
      await state.deadLetter(c, item.id, error instanceof Error ? error.message : String(error));
      await state.queueRepairs(c, [item.id]);
    }
  }
}

async function countWouldCopy(target: ContentStore, c: Collection, items: ReplicaItem[], counts: Record<'copied' | 'skipped' | 'failed', number>): Promise<void> {
  const existing = await target.getMany(c, items.map((item) => item.id));
  items.forEach((item, index) => {
    const have = existing[index]?.metadata.version ?? 0;
    const incoming = 'doc' in item ? item.doc.metadata.version : item.deletedVersion;
    counts[incoming > have ? 'copied' : 'skipped'] += 1;
  });
}
