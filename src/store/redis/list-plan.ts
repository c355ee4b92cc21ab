/**
 * How a list query maps onto the sorted-set indexes. Each index range is a key and a member
 * prefix; members end with the sort member, so ranges of several statuses merge by it, and the
 * same cursor works across them. Only the rare combined filters (featured and tag together, or
 * featured=false) need filtering after the read.
 */
import type { Collection } from '../../domain/collections.js';
import { STATUSES } from '../../domain/fields.js';
import { compareNewestFirst } from '../ordering.js';
import type { ListQuery } from '../port.js';
import type { RedisCommand } from './driver.js';
import { tagToken, type RedisKeys } from './keys.js';

export interface IndexRange {
  key: string;
  prefix: string;
}

export interface ListPlan {
  ranges: IndexRange[];
  /** The indexes over-select; documents must be checked with matchesQuery. */
  postFilter: boolean;
}

export function planList(keys: RedisKeys, c: Collection, query: ListQuery): ListPlan {
  const statuses = query.status === 'any' ? [...STATUSES] : [query.status];
  if (query.tag !== undefined) {
    const token = tagToken(query.tag);
    return {
      ranges: statuses.map((status) => ({ key: keys.indexTags(c), prefix: `${status}|${token}|` })),
      postFilter: query.featured !== undefined,
    };
  }
  if (query.featured === true) {
    return { ranges: statuses.map((status) => ({ key: keys.indexFeatured(c), prefix: `${status}|` })), postFilter: false };
  }
  const range = query.status === 'any' ? { key: keys.indexAll(c), prefix: '' } : { key: keys.indexStatus(c, query.status), prefix: '' };
  return { ranges: [range], postFilter: query.featured === false };
}

/** Up to `count` members older than `after` (a sort member), newest first. */
export function rangeCommand(range: IndexRange, after: string | null, count: number): RedisCommand {
  const max = after !== null ? `(${range.prefix}${after}` : range.prefix ? `(${range.prefix}~` : '+';
  const min = range.prefix ? `[${range.prefix}` : '-';
  return ['ZRANGE', range.key, max, min, 'BYLEX', 'REV', 'LIMIT', 0, count];
}

export function countCommand(range: IndexRange): RedisCommand {
  return range.prefix ? ['ZLEXCOUNT', range.key, `[${range.prefix}`, `(${range.prefix}~`] : ['ZCARD', range.key];
}

/** Merges the members of several ranges into sort members, newest first. */
export function mergeRanges(ranges: IndexRange[], replies: unknown[]): string[] {
  const members = ranges.flatMap((range, index) => ((replies[index] as string[] | null) ?? []).map((m) => m.slice(range.prefix.length)));
  return members.sort(compareNewestFirst);
}
