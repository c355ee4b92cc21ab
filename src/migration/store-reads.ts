/** Whole-collection reads the migration jobs share: the count, and every id's version and checksum. */
import type { Collection } from '../domain/collections.js';
import type { ContentStore, ManifestEntry } from '../store/port.js';

/** How many documents a collection holds, whatever their status. */
export async function countAll(store: ContentStore, c: Collection): Promise<number> {
  return (await store.list(c, { status: 'any', limit: 1 })).total ?? 0;
}

/** The whole manifest of a collection, a page at a time; `onPage` hears each page's size. */
export async function loadManifest(store: ContentStore, c: Collection, pageSize = 1_000, onPage?: (n: number) => void): Promise<Map<string, ManifestEntry>> {
  const entries = new Map<string, ManifestEntry>();
  let cursor: string | null = null;
  do {
    const page = await store.manifest(c, cursor, pageSize);
    for (const entry of page.entries) entries.set(entry.id, entry);
    onPage?.(page.entries.length);
    cursor = page.cursor;
  } while (cursor !== null);
  return entries;
}
