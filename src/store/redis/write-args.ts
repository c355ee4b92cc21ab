/**
 * Turns a write request or a replica item into the KEYS and ARGV of its Lua script. The order
 * here is the one documented in the headers of commitDocument.lua and putIfNewer.lua.
 */
import type { AuditEntry } from '../../domain/audit.js';
import type { Collection, Doc } from '../../domain/collections.js';
import { SCHEMA_VERSION } from '../../domain/schema-version.js';
import { counterFields } from '../audit-stats.js';
import { entryMs } from '../audit-paging.js';
import { opTarget } from '../op-record.js';
import { sortMember } from '../ordering.js';
import type { CommitFence, HistoryEntry, ReplicaItem, WriteRequest } from '../port.js';
import type { RedisArg, RedisCommand } from './driver.js';
import { tagToken, writeKeys, type RedisKeys } from './keys.js';
import { SCRIPTS } from './scripts.js';
import { evalsha } from './script-runner.js';

export interface Limits {
  auditLimit: number;
  historyLimit: number;
  opTtlSeconds: number;
}

function docFields(doc: Doc): RedisArg[] {
  const tokens = [...new Set(doc.tags.map(tagToken))].join('\n');
  return [JSON.stringify(doc), doc.metadata.checksum, sortMember(doc), doc.metadata.status, doc.metadata.featured ? '1' : '0', tokens];
}

function auditFields(audit: AuditEntry | undefined, limits: Limits): RedisArg[] {
  if (!audit) return ['', 0, limits.auditLimit];
  return [JSON.stringify(audit), entryMs(audit), limits.auditLimit];
}

function historyFields(history: HistoryEntry | null | undefined, limits: Limits): RedisArg[] {
  return [history ? JSON.stringify(history) : '', limits.historyLimit];
}

export function commitCommand(keys: RedisKeys, c: Collection, request: WriteRequest, limits: Limits, fence?: CommitFence): RedisCommand {
  const version = request.doc?.metadata.version ?? request.baseVersion + 1;
  const fields = request.doc ? docFields(request.doc) : ['', '', '', '', '0', ''];
  return evalsha(SCRIPTS.commitDocument, [...writeKeys(keys, c, request.id), keys.op(request.opId), keys.migration('state'), keys.migration(`owed:${c}`)], [
    request.kind,
    request.id,
    request.baseVersion,
    version,
    ...fields,
    ...auditFields(request.audit, limits),
    ...historyFields(request.history, limits),
    limits.opTtlSeconds,
    SCHEMA_VERSION,
    counterFields(request.audit).join('\n'),
    request.audit.timestamp,
    fence ? String(fence.epoch) : '',
    opTarget(c, request.id),
    fence?.owesCopy ? '1' : '0',
  ]);
}

/** Plain copies (no audit or history entry, no operation id) of one collection, as one putManyIfNewer call. */
export function replicaBatchCommand(keys: RedisKeys, c: Collection, items: readonly ReplicaItem[], replaceEqual: boolean): RedisCommand {
  const shared = writeKeys(keys, c, items[0]?.id ?? 'unused');
  // writeKeys order: 6 indexes, doc, tombstones, history, audit, stats, cache, gen, schema.
  const [indexes, tombstones, cache, generation, schema] = [shared.slice(0, 6), shared[7], shared[11], shared[12], shared[13]] as [string[], string, string, string, string];
  const args: RedisArg[] = [replaceEqual ? '1' : '0', SCHEMA_VERSION];
  for (const item of items) {
    const isDoc = 'doc' in item;
    args.push(item.id, isDoc ? item.doc.metadata.version : item.deletedVersion, isDoc ? '0' : '1', ...(isDoc ? docFields(item.doc) : ['', '', '', '', '0', '']));
  }
  return evalsha(SCRIPTS.putManyIfNewer, [...indexes, tombstones, cache, generation, schema, ...items.map((item) => keys.doc(c, item.id))], args);
}

export function replicaCommand(keys: RedisKeys, c: Collection, item: ReplicaItem, replaceEqual: boolean, limits: Limits): RedisCommand {
  const isDoc = 'doc' in item;
  const version = isDoc ? item.doc.metadata.version : item.deletedVersion;
  const fields = isDoc ? docFields(item.doc) : ['', '', '', '', '0', ''];
  const opKeys = item.op ? [keys.op(item.op.id)] : [];
  return evalsha(SCRIPTS.putIfNewer, [...writeKeys(keys, c, item.id), ...opKeys], [
    item.id,
    version,
    isDoc ? '0' : '1',
    ...fields,
    replaceEqual ? '1' : '0',
    ...auditFields(item.audit, limits),
    ...historyFields(item.history, limits),
    item.audit ? counterFields(item.audit).join('\n') : '',
    item.audit?.timestamp ?? '',
    SCHEMA_VERSION,
    item.op ? opTarget(c, item.id) : '',
    item.op?.version ?? 0,
    limits.opTtlSeconds,
  ]);
}
