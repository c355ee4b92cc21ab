/**
 * A store's head of a document as the copy another store takes of it: the live document, or
 * its deletion at a version; null where the store holds nothing of it. `op` is the write the
 * copy comes from, when it comes from one (see ReplicaItem).
 */
import type { Head, ReplicaItem, ReplicaOp } from './port.js';

export function replicaOf(id: string, head: Head, op?: ReplicaOp): ReplicaItem | null {
  if (head.doc) return { id, doc: head.doc, ...(op && { op }) };
  return head.version > 0 ? { id, deletedVersion: head.version, ...(op && { op }) } : null;
}
