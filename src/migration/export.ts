/**
 * Export: Redis to JSON files in the original site's format (an array per collection, newest
 * first, two-space indented), written atomically, ready to commit back into git. It is how a
 * read-only deployment rolls back: export, commit, deploy, then move the stage back.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { COLLECTIONS, type Collection, type Doc } from '../domain/collections.js';
import { writeFileAtomic } from '../store/json/files.js';
import { compareNewestFirst, sortMember } from '../store/ordering.js';
import type { ContentStore } from '../store/port.js';
import { rateAndEta, type JobProgress, type ProgressListener } from './progress.js';
import { countAll } from './store-reads.js';

export interface ExportResult {
  dir: string;
  counts: Record<Collection, number>;
  exportedAt: string;
}

export async function exportCollections(store: ContentStore, outDir: string, onProgress?: ProgressListener, pageSize = 1_000): Promise<ExportResult> {
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const counts = { projects: 0, resources: 0 };
  for (const c of COLLECTIONS) {
    const startedMs = Date.now();
    const startedAt = new Date(startedMs).toISOString();
    const total = await countAll(store, c);
    const docs: Doc[] = [];
    let cursor: string | null = null;
    const progress = (status: JobProgress['status']): JobProgress => ({
      collection: c, job: 'export', status, total, processed: docs.length, counts: { exported: docs.length }, ...rateAndEta(docs.length, total, startedMs, Date.now()), startedAt, updatedAt: new Date().toISOString(),
    });
    do {
      const page = await store.manifest(c, cursor, pageSize);
      const batch = await store.getMany(c, page.entries.map((entry) => entry.id));
      docs.push(...batch.filter((doc): doc is Doc => doc !== null));
      cursor = page.cursor;
      onProgress?.(progress('running'));
    } while (cursor !== null);
    docs.sort((a, b) => compareNewestFirst(sortMember(a), sortMember(b)));
    await writeFileAtomic(join(dir, `${c}.json`), `${JSON.stringify(docs, null, 2)}\n`);
    counts[c] = docs.length;
    onProgress?.(progress('done'));
  }
  return { dir, counts, exportedAt: new Date().toISOString() };
}
