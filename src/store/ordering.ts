/**
 * The one order every store lists in: newest `createdAt` first, ties broken by id. Both stores
 * page with the same opaque cursor, the sort member of the last item returned, so a cursor never
 * skips or repeats an item when documents are added or removed between pages.
 */
import type { Doc } from '../domain/collections.js';
import { ID_PATTERN } from '../domain/ids.js';
import { ValidationError } from '../domain/errors.js';

const MEMBER_PATTERN = /^(\d{15}):([a-z0-9][a-z0-9-]{0,127})$/;

/** `<createdAt in ms, 15 digits>:<id>`; lexicographic order is chronological order. */
export function sortMember(doc: Pick<Doc, 'id' | 'metadata'>): string {
  const ms = Date.parse(doc.metadata.createdAt);
  const clamped = Number.isFinite(ms) && ms > 0 ? Math.min(ms, 999_999_999_999_999) : 0;
  return `${String(clamped).padStart(15, '0')}:${doc.id}`;
}

export function idOfMember(member: string): string {
  return member.slice(member.indexOf(':') + 1);
}

export function encodeCursor(member: string): string {
  return Buffer.from(member, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const member = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = MEMBER_PATTERN.exec(member);
  if (!match || !ID_PATTERN.test(match[2] ?? '')) {
    throw new ValidationError('the cursor is not valid; pass back the nextCursor of a previous page, or none', [
      { path: 'cursor', message: 'invalid cursor' },
    ]);
  }
  return member;
}

/** Newest first: descending by member. */
export function compareNewestFirst(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}
