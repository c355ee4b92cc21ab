/**
 * Reading the original site's JSON files. They hold documents without `version` or `checksum`;
 * those are filled in (version 1, checksum of the canonical form) so legacy content behaves like
 * any other. The checksum is always recomputed, because the file is the truth: a hand edit that
 * left an old checksum behind must still show up as a change.
 */
import type { Collection, Doc } from '../../domain/collections.js';
import { withChecksum } from '../../domain/canonical.js';
import { isValidId } from '../../domain/ids.js';

export interface LoadProblem {
  index: number;
  reason: string;
}

export function normalizeLegacyDocs(collection: Collection, raw: unknown): { docs: Doc[]; problems: LoadProblem[] } {
  const problems: LoadProblem[] = [];
  if (!Array.isArray(raw)) {
    return { docs: [], problems: [{ index: -1, reason: `${collection}.json must hold an array of documents` }] };
  }
  const seen = new Set<string>();
  const docs: Doc[] = [];
  raw.forEach((item: unknown, index) => {
    if (item === null || typeof item !== 'object' || !isValidId((item as { id?: unknown }).id)) {
      problems.push({ index, reason: 'the entry has no valid id and was skipped' });
      return;
    }
    const doc = item as Doc;
    if (seen.has(doc.id)) {
      problems.push({ index, reason: `duplicate id "${doc.id}"; the first one is kept` });
      return;
    }
    seen.add(doc.id);
    const metadata = (doc.metadata ?? {}) as Partial<Doc['metadata']>;
    const version = Number.isInteger(metadata.version) && (metadata.version as number) > 0 ? (metadata.version as number) : 1;
    docs.push(withChecksum({ ...doc, metadata: { ...metadata, version } as Doc['metadata'] }));
  });
  return { docs, problems };
}
