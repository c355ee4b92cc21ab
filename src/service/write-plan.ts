/**
 * Builds what a write commits besides the document itself: the audit entry with the real
 * field-level diff, and the history entry that keeps the replaced version for undo.
 */
import type { Actor, AuditEntry, FieldChange } from '../domain/audit.js';
import { collectionInfo, type Collection, type Doc } from '../domain/collections.js';
import { diffFields } from '../domain/diff.js';
import type { HistoryEntry } from '../store/port.js';

export interface WriteMeta {
  actor: Actor;
  now: Date;
  auditId: string;
  opId: string;
  restoredFrom?: number | undefined;
}

export function auditEntryFor(
  c: Collection,
  action: 'create' | 'update' | 'delete',
  id: string,
  changes: FieldChange[],
  version: number,
  checksum: string | undefined,
  meta: WriteMeta,
): AuditEntry {
  const { actor } = meta;
  return {
    id: meta.auditId,
    timestamp: meta.now.toISOString(),
    action,
    entityType: collectionInfo[c].entityType,
    entityId: id,
    source: actor.source,
    changes,
    metadata: {
      ...(actor.clientId !== undefined && { clientId: actor.clientId }),
      ...(actor.userAgent !== undefined && { userAgent: actor.userAgent }),
      ...(actor.ipAddress !== undefined && { ipAddress: actor.ipAddress }),
      ...(checksum !== undefined && { checksum }),
      version,
      opId: meta.opId,
      ...(meta.restoredFrom !== undefined && { restoredFrom: meta.restoredFrom }),
    },
  };
}

export function historyEntryFor(previous: Doc, action: 'update' | 'delete', version: number, changes: FieldChange[], meta: WriteMeta): HistoryEntry {
  return {
    version: previous.metadata.version,
    document: previous,
    replacedAt: meta.now.toISOString(),
    replacedBy: { version, action, source: meta.actor.source, clientId: meta.actor.clientId, changes },
  };
}

export function changesBetween(previous: Doc | null, next: Doc | null): FieldChange[] {
  return diffFields(previous ?? {}, next ?? {});
}
