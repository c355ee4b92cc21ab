/**
 * Verify: compares every id of a collection in both stores by checksum and reports documents
 * missing from the other store, extra in it, and different. Ids that differ are checked again
 * (a write may have been between its two stores), and those that still differ go to the repair
 * queue. The report is kept in Redis, where status, guards and the dashboard read it.
 */
import type { Collection, Doc } from '../domain/collections.js';
import type { ContentStore, ManifestEntry } from '../store/port.js';
import { rateAndEta, type JobProgress, type ProgressListener } from './progress.js';
import { countAll, loadManifest } from './store-reads.js';
import type { MigrationStateStore } from './state-store.js';
import type { StoreName } from './stages.js';

export interface VerifyReport {
  collection: Collection;
  authoritative: StoreName;
  checkedAt: string;
  durationMs: number;
  checked: number;
  missing: number;
  extra: number;
  different: number;
  clean: boolean;
  /** Up to 50 ids of each kind. */
  samples: { missing: string[]; extra: string[]; different: string[] };
  /** For up to 50 mismatched ids, the version each store holds (null: absent). */
  versions: Record<string, { authoritative: number | null; other: number | null }>;
  /** Mismatches seen on the first pass that had resolved by the second (writes in flight). */
  settled: number;
}

export interface VerifyOptions {
  collection: Collection;
  authoritative: StoreName;
  stores: Record<StoreName, ContentStore>;
  state: MigrationStateStore;
  dryRun?: boolean;
  pageSize?: number;
  onProgress?: ProgressListener;
}

type Kind = 'missing' | 'extra' | 'different';

interface Mismatch {
  kind: Kind;
  authoritativeVersion: number | null;
  otherVersion: number | null;
}

function classify(a: ManifestEntry | undefined, b: ManifestEntry | undefined): Kind | null {
  if (a && !b) return 'missing';
  if (!a && b) return 'extra';
  if (a && b && a.checksum !== b.checksum) return 'different';
  return null;
}

/**
 * Checks suspects again, a few times a moment apart: a document being written between its two
 * stores differs for a millisecond, a true divergence every time. Only ids that differ on every
 * pass are confirmed, with the versions each store last showed.
 */
async function recheck(stores: Record<StoreName, ContentStore>, authoritative: StoreName, c: Collection, ids: string[], passes = 3, pauseMs = 150): Promise<Map<string, Mismatch>> {
  const other: StoreName = authoritative === 'json' ? 'redis' : 'json';
  let remaining = ids;
  let confirmed = new Map<string, Mismatch>();
  for (let pass = 0; pass < passes && remaining.length > 0; pass += 1) {
    if (pass > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    confirmed = new Map();
    for (let start = 0; start < remaining.length; start += 500) {
      const batch = remaining.slice(start, start + 500);
      const [a, b] = await Promise.all([stores[authoritative].getMany(c, batch), stores[other].getMany(c, batch)]);
      batch.forEach((id, index) => {
        const left = a[index] ? { id, version: (a[index] as Doc).metadata.version, checksum: (a[index] as Doc).metadata.checksum } : undefined;
        const right = b[index] ? { id, version: (b[index] as Doc).metadata.version, checksum: (b[index] as Doc).metadata.checksum } : undefined;
        const kind = classify(left, right);
        if (kind) confirmed.set(id, { kind, authoritativeVersion: left?.version ?? null, otherVersion: right?.version ?? null });
      });
    }
    remaining = [...confirmed.keys()];
  }
  return confirmed;
}

export async function verify(options: VerifyOptions): Promise<{ report: VerifyReport; progress: JobProgress }> {
  const { collection: c, authoritative, stores, state } = options;
  const other: StoreName = authoritative === 'json' ? 'redis' : 'json';
  const pageSize = options.pageSize ?? 1_000;
  const startedMs = Date.now();
  const startedAt = new Date(startedMs).toISOString();
  // Progress in documents, as the report counts them: each is read from both stores, so half the
  // entries read so far. It used to count entries, and a run of 8 documents ended "16/16, checked 8".
  let loaded = 0;
  const total = await countAll(stores[authoritative], c);
  const report = (status: JobProgress['status'], counts: Record<string, number>): JobProgress => {
    const processed = status === 'done' ? total : Math.min(Math.floor(loaded / 2), total);
    return { collection: c, job: 'verify', status, total, processed, counts, ...rateAndEta(processed, total, startedMs, Date.now()), startedAt, updatedAt: new Date().toISOString() };
  };
  const onPage = (n: number) => {
    loaded += n;
    options.onProgress?.(report('running', {}));
  };

  const [left, right] = [await loadManifest(stores[authoritative], c, pageSize, onPage), await loadManifest(stores[other], c, pageSize, onPage)];
  const suspects: string[] = [];
  for (const id of new Set([...left.keys(), ...right.keys()])) if (classify(left.get(id), right.get(id))) suspects.push(id);
  const confirmed = await recheck(stores, authoritative, c, suspects);

  const byKind = (kind: Kind) => [...confirmed].filter(([, m]) => m.kind === kind).map(([id]) => id);
  const [missing, extra, different] = [byKind('missing'), byKind('extra'), byKind('different')];
  const result: VerifyReport = {
    collection: c,
    authoritative,
    checkedAt: new Date().toISOString(),
    durationMs: Date.now() - startedMs,
    checked: new Set([...left.keys(), ...right.keys()]).size,
    missing: missing.length,
    extra: extra.length,
    different: different.length,
    clean: confirmed.size === 0,
    samples: { missing: missing.slice(0, 50), extra: extra.slice(0, 50), different: different.slice(0, 50) },
    versions: Object.fromEntries([...confirmed].slice(0, 50).map(([id, m]) => [id, { authoritative: m.authoritativeVersion, other: m.otherVersion }])),
    settled: suspects.length - confirmed.size,
  };
  if (!options.dryRun) {
    await state.setJson(`verify:${c}`, result);
    await state.queueRepairs(c, [...confirmed.keys()]);
  }
  const progress = report('done', { checked: result.checked, missing: result.missing, extra: result.extra, different: result.different });
  options.onProgress?.(progress);
  return { report: result, progress };
}
