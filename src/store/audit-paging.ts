/**
 * Paging the audit log, newest first, with filters, over any store that can read a chunk of
 * entries from a position. A position is (timestamp in ms, how many entries with exactly that
 * timestamp were already passed), so paging is exact even when entries share a millisecond.
 */
import type { AuditEntry } from '../domain/audit.js';
import { ValidationError } from '../domain/errors.js';
import type { AuditQuery, Page } from './port.js';

export interface AuditPosition {
  /** Entries at or before this time are next, newest first. */
  beforeMs: number;
  /** How many entries at exactly `beforeMs` to pass over. */
  skip: number;
}

export type AuditChunkReader = (position: AuditPosition, sinceMs: number, count: number) => Promise<AuditEntry[]>;

const CHUNK = 200;
/** Filtered queries stop after scanning this many entries and hand back a cursor to go on. */
const MAX_SCANNED = 5_000;

export function encodeAuditCursor(position: AuditPosition): string {
  return Buffer.from(`${position.beforeMs}:${position.skip}`, 'utf8').toString('base64url');
}

export function decodeAuditCursor(cursor: string): AuditPosition {
  const match = /^(\d{1,15}):(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new ValidationError('the audit cursor is not valid', [{ path: 'cursor', message: 'invalid cursor' }]);
  return { beforeMs: Number(match[1]), skip: Number(match[2]) };
}

export function entryMs(entry: AuditEntry): number {
  const ms = Date.parse(entry.timestamp);
  return Number.isFinite(ms) ? ms : 0;
}

function matches(entry: AuditEntry, query: AuditQuery): boolean {
  return (
    (query.entityType === undefined || entry.entityType === query.entityType) &&
    (query.entityId === undefined || entry.entityId === query.entityId) &&
    (query.source === undefined || entry.source === query.source) &&
    (query.action === undefined || entry.action === query.action)
  );
}

function advance(position: AuditPosition, entry: AuditEntry): AuditPosition {
  const ms = entryMs(entry);
  return ms === position.beforeMs ? { beforeMs: ms, skip: position.skip + 1 } : { beforeMs: ms, skip: 1 };
}

export async function pageAudit(read: AuditChunkReader, query: AuditQuery): Promise<Page<AuditEntry>> {
  const untilMs = query.until ? Date.parse(query.until) : Number.MAX_SAFE_INTEGER;
  const sinceMs = query.since ? Date.parse(query.since) : 0;
  let position: AuditPosition = query.cursor
    ? decodeAuditCursor(query.cursor)
    : { beforeMs: Math.min(untilMs, 999_999_999_999_999), skip: 0 };
  const items: AuditEntry[] = [];
  let scanned = 0;
  while (items.length < query.limit && scanned < MAX_SCANNED) {
    const chunk = await read(position, sinceMs, CHUNK);
    for (const entry of chunk) {
      position = advance(position, entry);
      scanned += 1;
      if (matches(entry, query)) items.push(entry);
      if (items.length === query.limit) break;
    }
    if (chunk.length < CHUNK && items.length < query.limit) return { items, total: null, nextCursor: null };
  }
  return { items, total: null, nextCursor: encodeAuditCursor(position) };
}
