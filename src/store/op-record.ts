/**
 * What a store remembers of an applied write under its idempotency key: the version the write
 * produced, and the document it was applied to. A retry for the same document is answered with
 * that version and changes nothing; the same key sent with a write to another document is
 * refused (IdempotencyKeyReusedError), since answering it as a retry would report a write that
 * was never made.
 *
 * Records written before keys were scoped hold the version only. They are taken as matching,
 * as they always were; they expire (Redis) or are pushed out (the JSON store's bounded list).
 */
import type { Collection } from '../domain/collections.js';
import { IdempotencyKeyReusedError } from '../domain/errors.js';

export interface OpRecord {
  version: number;
  collection: Collection;
  id: string;
}

/** The document an operation was applied to, as both stores write it: `<collection>/<id>`. */
export function opTarget(collection: Collection, id: string): string {
  return `${collection}/${id}`;
}

/** The error for a key whose record names `target` (`<collection>/<id>`) rather than the document written now. */
export function keyReused(target: string): IdempotencyKeyReusedError {
  const slash = target.indexOf('/');
  return new IdempotencyKeyReusedError({ collection: target.slice(0, slash), id: target.slice(slash + 1) });
}

/**
 * The version a recorded operation produced, when it was applied to this document (or recorded
 * before keys were scoped); throws IdempotencyKeyReusedError when it was applied to another.
 */
export function versionIfSameTarget(record: number | OpRecord, collection: Collection, id: string): number {
  if (typeof record === 'number') return record;
  if (record.collection !== collection || record.id !== id) throw keyReused(opTarget(record.collection, record.id));
  return record.version;
}
