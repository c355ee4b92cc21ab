/**
 * Every Redis key contentkv uses, built in one place from validated parts. The prefix carries a
 * hash tag (`{contentkv}:` by default), so all of one site's keys share a cluster slot and the
 * multi-key scripts run unchanged on Redis Cluster and Upstash (DESIGN.md, invariant 5).
 */
import type { Collection } from '../../domain/collections.js';
import { ID_PATTERN, OP_ID_PATTERN } from '../../domain/ids.js';
import { STATUSES, type Status } from '../../domain/fields.js';
import { normalizeTag } from '../matching.js';

export const DEFAULT_KEY_PREFIX = '{contentkv}:';
const PREFIX_PATTERN = /^[A-Za-z0-9:_.{}-]{1,64}$/;

function checked(value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new Error(`refusing to build a Redis key from an invalid ${what}: ${JSON.stringify(value)}`);
  return value;
}

export function hasHashTag(prefix: string): boolean {
  return /\{[^{}]+\}/.test(prefix);
}

export function validatePrefix(prefix: string): string {
  return checked(prefix, PREFIX_PATTERN, 'key prefix (letters, digits, ":_.-{}", at most 64)');
}

export type RedisKeys = ReturnType<typeof redisKeys>;

export function redisKeys(rawPrefix: string = DEFAULT_KEY_PREFIX) {
  const prefix = validatePrefix(rawPrefix);
  return {
    prefix,
    doc: (c: Collection, id: string) => `${prefix}data:${c}:${checked(id, ID_PATTERN, 'id')}`,
    history: (c: Collection, id: string) => `${prefix}history:${c}:${checked(id, ID_PATTERN, 'id')}`,
    indexAll: (c: Collection) => `${prefix}index:all:${c}`,
    indexStatus: (c: Collection, status: Status) => `${prefix}index:${status}:${c}`,
    /** Members `<status>|<sort member>`: featured documents, by status. */
    indexFeatured: (c: Collection) => `${prefix}index:featured:${c}`,
    /** Members `<status>|<tag>|<sort member>`: one sorted set serves every tag. */
    indexTags: (c: Collection) => `${prefix}index:tags:${c}`,
    tombstones: (c: Collection) => `${prefix}meta:tombstones:${c}`,
    op: (opId: string) => `${prefix}meta:ops:${checked(opId, OP_ID_PATTERN, 'operation id')}`,
    auditEntries: `${prefix}audit:entries`,
    auditStats: `${prefix}audit:stats`,
    cache: (c: Collection) => `${prefix}cache:api:${c}`,
    cacheGeneration: (c: Collection) => `${prefix}cache:api:${c}:gen`,
    schemaVersion: `${prefix}meta:schema:version`,
    migration: (name: string) => `${prefix}meta:migration:${checked(name, /^[a-z0-9:_-]{1,80}$/, 'migration key')}`,
  };
}

/** The keys every document write touches, in the order the Lua library expects (KEYS[1..14]). */
export function writeKeys(keys: RedisKeys, c: Collection, id: string): string[] {
  return [
    keys.indexAll(c),
    ...STATUSES.map((status) => keys.indexStatus(c, status)),
    keys.indexFeatured(c),
    keys.indexTags(c),
    keys.doc(c, id),
    keys.tombstones(c),
    keys.history(c, id),
    keys.auditEntries,
    keys.auditStats,
    keys.cache(c),
    keys.cacheGeneration(c),
    keys.schemaVersion,
  ];
}

/** How a tag appears inside an index member: lowercased and percent-encoded, so `|` cannot occur. */
export function tagToken(tag: string): string {
  return encodeURIComponent(normalizeTag(tag));
}
