/**
 * Repair: drains the repair queue. For each id it reads both stores and makes them agree, by
 * version, because a version is only ever created by an acknowledged write:
 *   - the higher version wins, in whichever store it is (a document or a deletion), so an
 *     acknowledged write that reached only one store is never lost, even after a rollback;
 *   - at equal versions with different content (a hand-edited file), the authoritative store wins.
 * Repaired ids are then compared again; any that still differ stay queued. A live write can be
 * between its two stores at that moment (written to one, on its way to the other), so an id that
 * differs is looked at again a few times before it is left in the queue.
 */
import type { Collection } from '../domain/collections.js';
import type { ContentStore, Head, ReplicaItem } from '../store/port.js';
import { rateAndEta, type JobProgress, type ProgressListener } from './progress.js';
import type { RepairQueue } from './repair-queue.js';
import type { StoreName } from './stages.js';
import type { MigrationStateStore } from './state-store.js';

export interface RepairOptions {
  collection: Collection;
  authoritative: StoreName;
  stores: Record<StoreName, ContentStore>;
  state: MigrationStateStore;
  queue: RepairQueue;
  dryRun?: boolean;
  batchSize?: number;
  onProgress?: ProgressListener;
  shouldPause?: () => Promise<boolean>;
}

interface Plan {
  to: StoreName;
  item: ReplicaItem;
  replaceEqual: boolean;
}

function itemFrom(id: string, head: Head): ReplicaItem {
  return head.doc ? { id, doc: head.doc } : { id, deletedVersion: head.version };
}

async function headsOf(stores: Record<StoreName, ContentStore>, c: Collection, ids: string[]): Promise<Record<StoreName, Head>[]> {
  const [json, redis] = await Promise.all([Promise.all(ids.map((id) => stores.json.head(c, id))), Promise.all(ids.map((id) => stores.redis.head(c, id)))]);
  return ids.map((_, index) => ({ json: json[index] as Head, redis: redis[index] as Head }));
}

/** The ids whose stores still disagree on every one of `passes` looks, `pauseMs` apart. */
async function stillDifferent(stores: Record<StoreName, ContentStore>, c: Collection, authoritative: StoreName, ids: string[], passes = 3, pauseMs = 150): Promise<Set<string>> {
  let remaining = ids;
  for (let pass = 0; pass < passes && remaining.length > 0; pass += 1) {
    if (pass > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    const heads = await headsOf(stores, c, remaining);
    remaining = remaining.filter((id, index) => planRepair(id, authoritative, heads[index] as Record<StoreName, Head>) !== null);
  }
  return new Set(remaining);
}

export function planRepair(id: string, authoritative: StoreName, heads: Record<StoreName, Head>): Plan | null {
  const other: StoreName = authoritative === 'json' ? 'redis' : 'json';
  const a = heads[authoritative];
  const b = heads[other];
  if (a.version > b.version) return { to: other, item: itemFrom(id, a), replaceEqual: false };
  if (b.version > a.version) return { to: authoritative, item: itemFrom(id, b), replaceEqual: false };
  if ((a.doc?.metadata.checksum ?? null) !== (b.doc?.metadata.checksum ?? null)) return { to: other, item: itemFrom(id, a), replaceEqual: true };
  return null;
}

export async function repair(options: RepairOptions): Promise<JobProgress> {
  const { collection: c, stores, state, queue } = options;
  const batchSize = options.batchSize ?? 200;
  const startedMs = Date.now();
  const startedAt = new Date(startedMs).toISOString();
  if (!options.dryRun) await queue.flushJournal();
  const total = (await state.sizes(c)).repairQueue;
  const counts = { repaired: 0, alreadyEqual: 0, stillDifferent: 0 };
  let processed = 0;
  const progress = (status: JobProgress['status'], error?: string): JobProgress => ({
    collection: c, job: 'repair', status, total, processed, counts: { ...counts }, ...rateAndEta(processed, total, startedMs, Date.now()), startedAt, updatedAt: new Date().toISOString(), ...(error !== undefined && { error }),
  });
  const seen = new Set<string>();
  let cursor = '0';
  try {
    do {
      if (await options.shouldPause?.()) return report(progress('paused'));
      const step = await state.scanRepairs(c, cursor, batchSize);
      cursor = step.cursor;
      const ids = step.ids.filter((id) => !seen.has(id));
      for (const id of ids) seen.add(id);
      const fixed: string[] = [];
      const heads = await headsOf(stores, c, ids);
      const plans = ids.map((id, index) => planRepair(id, options.authoritative, heads[index] as Record<StoreName, Head>));
      ids.forEach((id, index) => {
        if (!plans[index]) {
          counts.alreadyEqual += 1;
          fixed.push(id);
        }
      });
      const planned = ids.filter((_, index) => plans[index] !== null);
      if (options.dryRun) counts.repaired += planned.length;
      else if (planned.length > 0) {
        // One conditional put per target store and mode, so the JSON files are rewritten once per batch.
        for (const to of ['json', 'redis'] as const) {
          for (const replaceEqual of [false, true]) {
            const items = plans.filter((plan): plan is Plan => plan !== null && plan.to === to && plan.replaceEqual === replaceEqual).map((plan) => plan.item);
            if (items.length > 0) await stores[to].putIfNewer(c, items, { replaceEqual });
          }
        }
        const different = await stillDifferent(stores, c, options.authoritative, planned);
        for (const id of planned) {
          if (different.has(id)) counts.stillDifferent += 1;
          else {
            counts.repaired += 1;
            fixed.push(id);
          }
        }
      }
      if (!options.dryRun) {
        await state.removeRepairs(c, fixed);
        await state.clearDeadLetter(c, fixed);
      }
      processed += ids.length;
      options.onProgress?.(progress('running'));
    } while (cursor !== '0');
    return report(progress('done'));
  } catch (error) {
    return report(progress('failed', error instanceof Error ? error.message : String(error)));
  }

  function report(result: JobProgress): JobProgress {
    options.onProgress?.(result);
    return result;
  }
}
