/**
 * What one JSON commit changes, and how it is applied. A commit touches up to four files (the
 * collection, a document's history, audit.json, meta.json), each replaced atomically but not
 * together, so the plan is written to a journal first (journal.ts) and then applied; a process
 * that finds a journal left by one that died halfway applies it again before anything else.
 *
 * Applying is therefore idempotent: each change is made only where the files do not show it yet
 * (a document only where nothing newer is saved, a history or audit entry only where it is
 * missing, counts only upwards), so applying a plan twice, or after part of it was saved, ends
 * the same. Only the next holder of the lock applies a leftover plan, before any other write.
 */
import type { AuditEntry } from '../../domain/audit.js';
import type { Collection, Doc } from '../../domain/collections.js';
import { counterFields } from '../audit-stats.js';
import type { OpRecord } from '../op-record.js';
import type { HistoryEntry } from '../port.js';
import type { CollectionState, JsonFiles, MetaFile } from './json-state.js';

/** A document saved, or removed with the version its tombstone records; applied in order. */
export type DocChange = { id: string; doc: Doc } | { id: string; deletedVersion: number };

export interface CommitPlan {
  /** Tells this plan's journal from one another process wrote (journal.ts). */
  planId: string;
  collection: Collection;
  docs: DocChange[];
  history: { id: string; entry: HistoryEntry }[];
  audits: AuditEntry[];
  /** Idempotency records to add, by their key in meta.ops. */
  ops: Record<string, OpRecord>;
  /** Ids whose copy to Redis this commit owes (CommitFence.owesCopy). */
  owed: string[];
  /** The audit counters as the commit leaves them: absolute, so applying twice counts once. */
  counters: Record<string, string | number>;
}

/** What applying needs besides the files: the limits, and the collection as a write may edit it. */
export interface PlanContext {
  limits: PlanLimits;
  /** The collection's state, refused (READ_ONLY) where the file has entries that saving would drop. */
  editable(collection: Collection): Promise<CollectionState>;
}

export interface PlanLimits {
  auditLimit: number;
  historyLimit: number;
  opsLimit: number;
}

/** The counters of `meta` once `audits` are counted, for CommitPlan.counters. */
export function countersAfter(meta: MetaFile, audits: readonly AuditEntry[]): Record<string, string | number> {
  const counters: Record<string, string | number> = {};
  for (const entry of audits) {
    for (const field of counterFields(entry)) counters[field] = Number(counters[field] ?? meta.counters[field] ?? 0) + 1;
    counters.lastActivity = entry.timestamp;
  }
  return counters;
}

/** The entries of `audits` that audit.json does not hold yet: a copy of a write it has seen is not counted twice. */
export async function newAudits(files: JsonFiles, audits: readonly AuditEntry[]): Promise<AuditEntry[]> {
  return audits.length === 0 ? [] : notIn(await files.audit(), audits);
}

function notIn(kept: readonly AuditEntry[], audits: readonly AuditEntry[]): AuditEntry[] {
  const ids = new Set(kept.map((entry) => entry.id));
  return audits.filter((entry) => !ids.has(entry.id));
}

/**
 * Whether `doc` may replace what the collection holds for its id: nothing there is newer. At the
 * same version it is this plan's own copy saved before (saving it again changes nothing) or, for
 * a repair (replaceEqual), the divergent copy the plan replaces.
 */
function mayReplace(current: Doc | undefined, tombstone: number | undefined, doc: Doc): boolean {
  return (current?.metadata.version ?? tombstone ?? 0) <= doc.metadata.version;
}

export async function applyPlan(files: JsonFiles, plan: CommitPlan, { limits, editable }: PlanContext): Promise<void> {
  const { collection } = plan;
  const meta = structuredClone(await files.meta());
  // An audit entry alone (JsonStore.appendAudit) leaves the collection file unread.
  if (plan.docs.length > 0) {
    const docs = new Map((await editable(collection)).byId);
    const tombstones = (meta.tombstones[collection] ??= {});
    let changed = false;
    for (const change of plan.docs) {
      const { id } = change;
      if ('doc' in change) {
        if (!mayReplace(docs.get(id), tombstones[id], change.doc)) continue;
        docs.set(id, change.doc);
        delete tombstones[id];
        changed = true;
      } else {
        const current = docs.get(id);
        if (current && current.metadata.version <= change.deletedVersion) {
          docs.delete(id);
          changed = true;
        }
        if (!docs.has(id)) tombstones[id] = Math.max(tombstones[id] ?? 0, change.deletedVersion);
      }
    }
    if (changed) await files.saveCollection(collection, docs);
  }

  for (const { id, entry } of plan.history) {
    const entries = await files.history(collection, id);
    if (entries.some((kept) => kept.replacedBy.version === entry.replacedBy.version)) continue;
    await files.saveHistory(collection, id, [entry, ...entries].slice(0, limits.historyLimit));
  }

  if (plan.audits.length > 0) {
    const all = await files.audit();
    const missing = notIn(all, plan.audits);
    if (missing.length > 0) {
      const next = [...all, ...missing];
      await files.saveAudit(next.slice(Math.max(0, next.length - limits.auditLimit)));
    }
  }

  for (const [key, record] of Object.entries(plan.ops)) meta.ops[key] ??= record;
  trimOldest(meta.ops, limits.opsLimit);
  if (plan.owed.length > 0) {
    const ids = ((meta.owedCopies ??= {})[collection] ??= []);
    for (const id of plan.owed) if (!ids.includes(id)) ids.push(id);
  }
  for (const [field, value] of Object.entries(plan.counters)) {
    // The last entry written, as Redis keeps it; the counts only upwards.
    if (field === 'lastActivity' || Number(value) > Number(meta.counters[field] ?? 0)) meta.counters[field] = value;
  }
  await files.saveMeta(meta);
}

/** Drops the entries added first; the keys of ops are never integer-like (see opKey), so that is insertion order. */
export function trimOldest(record: Record<string, unknown>, limit: number): void {
  const keys = Object.keys(record);
  for (let index = 0; index < keys.length - limit; index += 1) delete record[keys[index] as string];
}
