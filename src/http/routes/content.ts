/**
 * REST for one collection: list, get, create, partial update, delete, history and restore.
 * Anonymous callers read published content; the read token also reads drafts; writes need the
 * read-write token. Versions travel as ETags: a GET's ETag can be sent back in If-Match.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { Collection } from '../../domain/collections.js';
import { MethodNotAllowedError, ValidationError } from '../../domain/errors.js';
import { STATUSES, tagSchema } from '../../domain/fields.js';
import type { ContentService, WriteOptions } from '../../service/content-service.js';
import { parseInput } from '../../service/validation.js';
import type { AppEnv } from '../app-env.js';
import { assertRole } from '../auth.js';
import { metaTimestamp, okBody } from '../envelope.js';
import { actorOf } from '../request-context.js';
import { fallbackOf } from '../../store/fallback-mark.js';
import { pageTag } from '../../store/page-tag.js';
import { readJsonObject } from '../json-body.js';
import { requestHeader } from '../request-header.js';
import type { LastGood } from '../last-good.js';
import { StoreUnavailableError } from '../../domain/errors.js';

export interface ContentRouteOptions {
  service: ContentService;
  /** Seconds a shared cache (CDN) may keep an anonymous response. */
  cacheSeconds: number;
  /** Last good reads, served (marked stale) while the store is unavailable. */
  lastGood: LastGood<unknown>;
}

const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).optional(),
  cursor: z.string().min(1).max(512).optional(),
  featured: z.enum(['true', 'false']).transform((value) => value === 'true').optional(),
  tag: tagSchema.optional(),
  status: z.enum([...STATUSES, 'any']).optional(),
});

/** In the query string, digits only: `?expectedVersion=` is not version 0. */
const queryVersionSchema = z
  .string()
  .regex(/^\d{1,15}$/, 'a version is a whole number, such as 3')
  .transform(Number);
/** In a JSON body, a number or the same digits as text (`"3"`): `true`, `null` or `[]` are not read as 1 or 0. */
const bodyVersionSchema = z.union([z.number().int().min(0), queryVersionSchema], { error: 'a version is a whole number, such as 3' });

function etagOf(doc: { version: number; checksum: string }): string {
  return `W/"${doc.version}-${doc.checksum.slice(0, 16)}"`;
}

/**
 * A page's ETag: from the store's revision for a token holder (any write to the collection moves
 * it), from what the page shows for anyone else (see page-tag.ts), and from the query either way.
 */
function listEtag(basis: string, query: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < query.length; index += 1) hash = Math.imul(hash ^ query.charCodeAt(index), 0x01000193) >>> 0;
  return `W/"${basis}-${hash.toString(36)}"`;
}

const ENVELOPE_HEAD = '{"success":true,"data":';

/**
 * A read's answer with every header in one plain object (the request id included, since this
 * replaces the context's response): on Node no Headers object is built, a measurable share of a
 * cached read. `headers` is the caller's own, made for this answer, and is completed in place
 * rather than copied. The body is the envelope around document JSON the store already holds as
 * text, spliced, not parsed and serialized again.
 */
function readResponse(
  c: Context<AppEnv>,
  headers: Record<string, string>,
  body: { dataJson: string; dataBytes?: number | undefined; meta: Record<string, unknown> } | 'not modified',
): Response {
  headers['X-Request-Id'] = c.get('requestId');
  if (body === 'not modified') return new Response(null, { status: 304, headers });
  const tail = `,"meta":${JSON.stringify(body.meta)}}`;
  headers['Content-Type'] = 'application/json';
  // Given the data's byte length, the server need not scan the whole text to count it.
  if (body.dataBytes !== undefined) headers['Content-Length'] = String(ENVELOPE_HEAD.length + body.dataBytes + Buffer.byteLength(tail));
  return new Response(`${ENVELOPE_HEAD}${body.dataJson}${tail}`, { status: 200, headers });
}

/** If-Match carries the version: `W/"7-abc…"`, `"7-abc…"` or a bare `7`. */
function versionFromIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^(?:W\/)?"?(\d{1,15})(?:-[0-9a-f]*)?"?$/.exec(header.trim());
  if (!match) throw new ValidationError('If-Match must be the ETag of a previous GET, such as W/"3-1a2b…"', [{ path: 'If-Match', message: 'unrecognised' }]);
  return Number(match[1]);
}

function expectedVersionOf(c: Context<AppEnv>, fromBody: unknown): number | undefined {
  const header = versionFromIfMatch(requestHeader(c, 'if-match'));
  const query = c.req.query('expectedVersion');
  const candidates = [header, fromBody === undefined ? undefined : parseInput(bodyVersionSchema, fromBody, 'expectedVersion'), query === undefined ? undefined : parseInput(queryVersionSchema, query, 'expectedVersion')].filter(
    (value): value is number => value !== undefined,
  );
  if (new Set(candidates).size > 1) throw new ValidationError('If-Match and expectedVersion disagree; send one of them', [{ path: 'expectedVersion', message: 'conflicting values' }]);
  return candidates[0];
}

function writeOptions(c: Context<AppEnv>, expectedVersion: number | undefined): WriteOptions {
  return { expectedVersion, opId: requestHeader(c, 'idempotency-key') };
}

function metaOf(c: Context<AppEnv>, extra: Record<string, unknown> = {}) {
  return { timestamp: metaTimestamp(), requestId: c.get('requestId'), ...extra };
}

export function contentRoutes(collection: Collection, options: ContentRouteOptions): Hono<AppEnv> {
  const { service } = options;
  const routes = new Hono<AppEnv>();
  const viewer = (c: Context<AppEnv>) => ({ canSeeUnpublished: c.get('role') !== 'anonymous' });
  const scope = (c: Context<AppEnv>) => (c.get('role') === 'anonymous' ? 'public' : 'token');

  const publicCaching = `public, max-age=0, s-maxage=${options.cacheSeconds}, stale-while-revalidate=${options.cacheSeconds * 6}`;
  // A stale answer (the store is down) may have been made wrong since by another instance's
  // write, which this one cannot hear of: no shared cache may keep it.
  const cacheHeaders = (c: Context<AppEnv>, etag: string, extra: Record<string, string>): Record<string, string> => ({
    ...extra,
    Vary: 'Authorization',
    'Cache-Control': c.get('role') === 'anonymous' && extra['X-Contentkv-Stale'] === undefined ? publicCaching : 'private, no-store',
    ETag: etag,
  });

  // A write through this process makes the remembered answers about its document, and every
  // remembered page of its collection, wrong: an unpublished or deleted document must not come
  // back from memory while the store is down.
  const listGroup = `${collection}?`;
  service.onWrite((c, id) => {
    if (c !== collection) return;
    for (const scoped of ['public', 'token']) options.lastGood.forget(`${scoped}|${collection}/${id}`);
    options.lastGood.forgetGroup(listGroup);
  });

  const notModified = (c: Context<AppEnv>, etag: string) => {
    const ifNoneMatch = requestHeader(c, 'if-none-match');
    return ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*');
  };

  /**
   * Runs a read; on success remembers it, and while the store is unavailable answers with the
   * last good result for the same read, marked stale with its age (Age, X-Contentkv-Stale). The
   * headers that say where the answer came from are returned with it.
   */
  async function readWithFallback<T>(scoped: string, read: () => Promise<T>, bytesOf: (value: T) => number, group?: string): Promise<{ value: T; headers: Record<string, string> }> {
    try {
      const value = await read();
      const fallback = fallbackOf(value);
      if (fallback) return { value, headers: { 'X-Contentkv-Fallback': fallback } };
      options.lastGood.remember(scoped, value, bytesOf(value), group);
      return { value, headers: {} };
    } catch (error) {
      const last = error instanceof StoreUnavailableError ? options.lastGood.recall(scoped) : undefined;
      if (!last) throw error;
      const age = Math.max(0, Math.floor((Date.now() - last.at) / 1000));
      return { value: last.value as T, headers: { Age: String(age), 'X-Contentkv-Stale': `the store is unavailable; this is the last good answer, ${age} s old` } };
    }
  }

  routes.get('/', async (c) => {
    const query = parseInput(listQuerySchema, c.req.query(), 'the query');
    // The parsed query, not the URL: junk parameters neither multiply the remembered pages nor
    // change the ETag. Scoped by role, since the same query shows a token holder more.
    const key = `${scope(c)}|${collection}?${query.status ?? ''}|${query.featured ?? ''}|${query.tag ?? ''}|${query.limit ?? ''}|${query.cursor ?? ''}`;
    const { value: page, headers } = await readWithFallback(key, () => service.listRaw(collection, query, viewer(c)), (raw) => raw.itemsJson.length, listGroup);
    const etag = listEtag(c.get('role') === 'anonymous' ? (page.tag ?? pageTag(page)) : page.revision, key);
    return readResponse(
      c,
      cacheHeaders(c, etag, headers),
      notModified(c, etag) ? 'not modified' : { dataJson: page.itemsJson, dataBytes: page.itemsBytes, meta: metaOf(c, { total: page.total, limit: query.limit ?? 20, nextCursor: page.nextCursor }) },
    );
  });

  routes.get('/:id', async (c) => {
    const id = c.req.param('id');
    const { value: raw, headers } = await readWithFallback(`${scope(c)}|${collection}/${id}`, () => service.getRaw(collection, id, viewer(c)), (raw) => raw.json.length);
    const etag = etagOf(raw);
    return readResponse(c, cacheHeaders(c, etag, headers), notModified(c, etag) ? 'not modified' : { dataJson: raw.json, meta: metaOf(c) });
  });

  routes.post('/', async (c) => {
    assertRole(c.get('role'), 'write');
    const body = await readJsonObject(c);
    const { doc, duplicate } = await service.create(collection, body, actorOf(c), writeOptions(c, undefined));
    c.header('Location', `/api/${collection}/${doc.id}`);
    c.header('ETag', etagOf(doc.metadata));
    return c.json(okBody(doc, metaOf(c, duplicate ? { duplicate } : {})), duplicate ? 200 : 201);
  });

  routes.patch('/:id', async (c) => {
    assertRole(c.get('role'), 'write');
    const { expectedVersion, ...patch } = await readJsonObject(c);
    const outcome = await service.update(collection, c.req.param('id'), patch, actorOf(c), writeOptions(c, expectedVersionOf(c, expectedVersion)));
    c.header('ETag', etagOf(outcome.doc.metadata));
    return c.json(okBody(outcome.doc, metaOf(c, outcome.duplicate ? { duplicate: true } : {})));
  });

  routes.delete('/:id', async (c) => {
    assertRole(c.get('role'), 'write');
    const id = c.req.param('id');
    const outcome = await service.delete(collection, id, actorOf(c), writeOptions(c, expectedVersionOf(c, undefined)));
    return c.json(okBody({ id, deleted: true, version: outcome.version }, metaOf(c, outcome.duplicate ? { duplicate: true } : {})));
  });

  routes.get('/:id/history', async (c) => {
    assertRole(c.get('role'), 'read');
    const limit = parseInput(z.coerce.number().int().min(1).max(100).optional(), c.req.query('limit'), 'limit');
    return c.json(okBody(await service.history(collection, c.req.param('id'), limit ?? 20), metaOf(c)));
  });

  routes.post('/:id/restore', async (c) => {
    assertRole(c.get('role'), 'write');
    const body = parseInput(z.strictObject({ version: z.number().int().min(1), expectedVersion: z.number().int().min(0).optional() }), await readJsonObject(c), 'the restore request');
    const outcome = await service.restore(collection, c.req.param('id'), body.version, actorOf(c), writeOptions(c, expectedVersionOf(c, body.expectedVersion)));
    c.header('ETag', etagOf(outcome.doc.metadata));
    return c.json(okBody(outcome.doc, metaOf(c, outcome.duplicate ? { duplicate: true } : {})));
  });

  // Any other method on these paths is 405 with the methods they take, not the 404 of a path
  // that does not exist. Registered last, so the routes above answer their own methods first.
  const only = (allowed: readonly string[]) => (c: Context<AppEnv>) => {
    throw new MethodNotAllowedError(c.req.method, c.req.path, allowed);
  };
  routes.all('/', only(['GET', 'HEAD', 'POST']));
  routes.all('/:id', only(['GET', 'HEAD', 'PATCH', 'DELETE']));
  routes.all('/:id/history', only(['GET', 'HEAD']));
  routes.all('/:id/restore', only(['POST']));
  return routes;
}

