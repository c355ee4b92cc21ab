/** The REST API over the embedded JSON store, through app.request(): envelope, paging, caching, writes. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Metrics } from '../../src/observability/metrics.js';
import { projectInput, resourceInput } from '../fixtures/inputs.js';
import { bearer, json, makeApp, READ_TOKEN, WRITE_TOKEN } from './app-fixture.js';

let fixture: Awaited<ReturnType<typeof makeApp>>;
beforeEach(async () => {
  fixture = await makeApp();
});
afterEach(() => fixture.cleanup());

const get = (path: string, headers: Record<string, string> = {}) => fixture.app.request(path, { headers });

describe('reading', () => {
  it('lists published projects in the original envelope with total and cursor', async () => {
    const response = await get('/api/projects?limit=2');
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.success).toBe(true);
    expect(body.data).toHaveLength(2);
    expect(body.data.every((doc: { metadata: { status: string } }) => doc.metadata.status === 'published')).toBe(true);
    expect(body.meta).toMatchObject({ total: 5, limit: 2, requestId: expect.any(String), timestamp: expect.any(String) });
    const next = await (await get(`/api/projects?limit=2&cursor=${body.meta.nextCursor}`)).json();
    const seen = new Set(body.data.map((doc: { id: string }) => doc.id));
    expect(next.data.length).toBeGreaterThan(0);
    expect(next.data.filter((doc: { id: string }) => seen.has(doc.id))).toEqual([]);
  });

  it('filters by featured and tag', async () => {
    const featured = await (await get('/api/projects?featured=true')).json();
    expect(featured.meta.total).toBe(3);
    const tagged = await (await get('/api/resources?tag=ai')).json();
    expect(tagged.data.length).toBeGreaterThan(0);
  });

  it('gets one document with an ETag, and answers 304 to a matching If-None-Match', async () => {
    const list = await (await get('/api/projects?limit=1')).json();
    const id = list.data[0].id;
    const first = await get(`/api/projects/${id}`);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^W\/"1-[0-9a-f]{16}"$/);
    expect(first.headers.get('cache-control')).toContain('public');
    const second = await get(`/api/projects/${id}`, { 'If-None-Match': etag });
    expect(second.status).toBe(304);
    const listEtag = (await get('/api/projects')).headers.get('etag') as string;
    expect((await get('/api/projects', { 'If-None-Match': listEtag })).status).toBe(304);
    // The same page whatever unrelated parameters ride along; a different one (drafts too) for a token holder.
    expect((await get('/api/projects?utm_source=newsletter')).headers.get('etag')).toBe(listEtag);
    expect((await get('/api/projects', { ...bearer(READ_TOKEN), 'If-None-Match': listEtag })).status).toBe(200);
  });

  it('hides drafts from anonymous callers and shows them to token holders', async () => {
    const all = await (await get('/api/projects?status=any&limit=100', bearer(READ_TOKEN))).json();
    const draft = all.data.find((doc: { metadata: { status: string } }) => doc.metadata.status === 'draft');
    expect(draft).toBeDefined();
    expect((await get(`/api/projects/${draft.id}`)).status).toBe(404);
    const seen = await get(`/api/projects/${draft.id}`, bearer(READ_TOKEN));
    expect(seen.status).toBe(200);
    expect(seen.headers.get('cache-control')).toBe('private, no-store');
    expect((await get('/api/projects?status=draft')).status).toBe(401);
  });

  it('keeps an anonymous page\'s ETag through edits of drafts, which would otherwise show when they happen', async () => {
    const edit = (id: string, title: string) =>
      fixture.app.request(`/api/projects/${id}`, { method: 'PATCH', headers: { ...json, ...bearer(WRITE_TOKEN) }, body: JSON.stringify({ title }) });
    const etagOf = async (headers: Record<string, string> = {}) => (await get('/api/projects', headers)).headers.get('etag') as string;
    const all = await (await get('/api/projects?status=any&limit=100', bearer(READ_TOKEN))).json();
    const draft = all.data.find((doc: { metadata: { status: string } }) => doc.metadata.status === 'draft');
    const published = (await (await get('/api/projects?limit=1')).json()).data[0];
    const anonymous = await etagOf();
    const tokenHolder = await etagOf(bearer(READ_TOKEN));

    expect((await edit(draft.id, 'Retitled while still a draft')).status).toBe(200);
    expect(await etagOf()).toBe(anonymous);
    expect((await get('/api/projects', { 'If-None-Match': anonymous })).status).toBe(304);
    // A token holder's page shows drafts, so it moves.
    expect(await etagOf(bearer(READ_TOKEN))).not.toBe(tokenHolder);

    expect((await edit(published.id, 'Retitled in public')).status).toBe(200);
    expect(await etagOf()).not.toBe(anonymous);
    expect((await get('/api/projects', { 'If-None-Match': anonymous })).status).toBe(200);
  });

  it('answers bad queries with VALIDATION_FAILED and unknown ids with NOT_FOUND', async () => {
    for (const query of ['limit=0', 'limit=500', 'limit=abc', 'featured=maybe', 'cursor=garbage', 'status=deleted']) {
      const response = await get(`/api/projects?${query}`);
      expect(response.status, query).toBe(400);
      expect((await response.json()).error.code).toBe('VALIDATION_FAILED');
    }
    const missing = await get('/api/projects/no-such-project');
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('NOT_FOUND');
    expect((await get('/api/projects/Bad_Id')).status).toBe(400);
    // A path no route serves answers in the same envelope, meta included.
    const noRoute = await get('/api/nothing-here');
    expect(noRoute.status).toBe(404);
    expect(await noRoute.json()).toEqual({
      success: false,
      error: { code: 'NOT_FOUND', message: 'no route for GET /api/nothing-here' },
      meta: { timestamp: expect.any(String), requestId: noRoute.headers.get('x-request-id') },
    });
  });
});

describe('methods', () => {
  it('answers a method a path does not take with 405 and Allow, and leaves unknown paths at 404', async () => {
    const cases: [string, string, string][] = [
      ['PUT', '/api/projects/ecommerce-ai-support-assistant', 'GET, HEAD, PATCH, DELETE'],
      ['POST', '/api/resources/some-id', 'GET, HEAD, PATCH, DELETE'],
      ['DELETE', '/api/projects', 'GET, HEAD, POST'],
      ['PATCH', '/api/projects/some-id/history', 'GET, HEAD'],
      ['GET', '/api/projects/some-id/restore', 'POST'],
    ];
    for (const [method, path, allow] of cases) {
      const response = await fixture.app.request(path, { method, headers: { ...json, ...bearer(WRITE_TOKEN) }, ...(method === 'GET' ? {} : { body: '{}' }) });
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get('allow')).toBe(allow);
      expect((await response.json()).error).toEqual({ code: 'METHOD_NOT_ALLOWED', message: `${path} does not take ${method}; it takes ${allow}`, details: { allowed: allow.split(', ') } });
    }
    // The methods a path takes still answer as before, HEAD included.
    expect((await fixture.app.request('/api/projects/ecommerce-ai-support-assistant', { method: 'HEAD' })).status).toBe(200);
    expect((await fixture.app.request('/api/projects/some-id/nothing', { method: 'PUT', headers: bearer(WRITE_TOKEN) })).status).toBe(404);
  });
});

describe('writing', () => {
  const send = (method: string, path: string, body: unknown, headers: Record<string, string> = bearer(WRITE_TOKEN)) =>
    fixture.app.request(path, { method, headers: { ...json, ...headers }, body: JSON.stringify(body) });

  it('refuses an expectedVersion that is not a whole number, instead of reading it as 1 or 0', async () => {
    const id = (await (await get('/api/projects?limit=1')).json()).data[0].id as string;
    // true was read as 1, null and [] as 0, and an empty query value as 0.
    for (const expectedVersion of [true, null, [], '', ' 1', 1.5, -1]) {
      const response = await send('PATCH', `/api/projects/${id}`, { title: 'Never written', expectedVersion });
      expect(response.status, JSON.stringify(expectedVersion)).toBe(400);
      expect((await response.json()).error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/^expectedVersion is not valid/) });
    }
    // What was wrong, said plainly: zod's union alone answered "(root): Invalid input".
    const text = await send('PATCH', `/api/projects/${id}`, { title: 'Never written', expectedVersion: 'abc' });
    expect((await text.json()).error.message).toBe('expectedVersion is not valid: a version is a whole number, such as 3');
    for (const query of ['', ' 1', 'true', '0x1', '1e1']) {
      const response = await fixture.app.request(`/api/projects/${id}?expectedVersion=${encodeURIComponent(query)}`, { method: 'DELETE', headers: bearer(WRITE_TOKEN) });
      expect(response.status, query).toBe(400);
    }
    expect((await (await get(`/api/projects/${id}`)).json()).data.title).not.toBe('Never written');
    // The version as digits in text is still a version.
    const version = (await (await get(`/api/projects/${id}`, bearer(READ_TOKEN))).json()).data.metadata.version as number;
    expect((await send('PATCH', `/api/projects/${id}`, { title: 'Written', expectedVersion: String(version) })).status).toBe(200);
  });

  it('creates, updates with If-Match, and deletes', async () => {
    const created = await send('POST', '/api/projects', projectInput({ id: 'new-project', metadata: { status: 'published' } }));
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/api/projects/new-project');
    const etag = created.headers.get('etag') as string;

    const updated = await send('PATCH', '/api/projects/new-project', { title: 'Renamed' }, { ...bearer(WRITE_TOKEN), 'If-Match': etag });
    expect(updated.status).toBe(200);
    expect((await updated.json()).data.metadata.version).toBe(2);

    const stale = await send('PATCH', '/api/projects/new-project', { title: 'Again' }, { ...bearer(WRITE_TOKEN), 'If-Match': etag });
    expect(stale.status).toBe(409);
    const conflict = await stale.json();
    expect(conflict.error).toMatchObject({ code: 'VERSION_CONFLICT', details: { currentVersion: 2 } });

    const viaBody = await send('PATCH', '/api/projects/new-project', { title: 'Third', expectedVersion: 2 });
    expect(viaBody.status).toBe(200);

    const deleted = await fixture.app.request('/api/projects/new-project?expectedVersion=3', { method: 'DELETE', headers: bearer(WRITE_TOKEN) });
    expect(deleted.status).toBe(200);
    expect((await deleted.json()).data).toEqual({ id: 'new-project', deleted: true, version: 4 });
    expect((await get('/api/projects/new-project', bearer(READ_TOKEN))).status).toBe(404);
  });

  it('answers a restore of a version not in the history with NOT_FOUND naming the versions there are', async () => {
    expect((await send('POST', '/api/projects', projectInput({ id: 'restore-me' }))).status).toBe(201);
    // The history keeps the versions an edit replaced: version 1 once the document is at 2.
    expect((await send('PATCH', '/api/projects/restore-me', { title: 'Second' })).status).toBe(200);
    const response = await send('POST', '/api/projects/restore-me/restore', { version: 99 });
    expect(response.status).toBe(404);
    expect((await response.json()).error).toEqual({
      code: 'NOT_FOUND',
      message: 'version 99 of project "restore-me" does not exist; versions in its history: 1',
      // The id alone, as in every other NOT_FOUND; the hint went into it before.
      details: { id: 'restore-me', versions: [1] },
    });
  });

  it('answers the history of a document that never existed with NOT_FOUND, and of one never edited with none', async () => {
    const unknown = await fixture.app.request('/api/projects/never-was-here/history', { headers: bearer(READ_TOKEN) });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toMatchObject({ code: 'NOT_FOUND', message: 'project "never-was-here" does not exist' });
    expect((await send('POST', '/api/projects', projectInput({ id: 'never-edited' }))).status).toBe(201);
    const fresh = await fixture.app.request('/api/projects/never-edited/history', { headers: bearer(READ_TOKEN) });
    expect(fresh.status).toBe(200);
    expect((await fresh.json()).data).toEqual([]);
  });

  it('replays a create with the same Idempotency-Key without creating twice', async () => {
    const headers = { ...bearer(WRITE_TOKEN), 'Idempotency-Key': 'create-once-0001' };
    expect((await send('POST', '/api/projects', projectInput({ id: 'once' }), headers)).status).toBe(201);
    const replay = await send('POST', '/api/projects', projectInput({ id: 'once' }), headers);
    expect(replay.status).toBe(200);
    expect((await replay.json()).meta.duplicate).toBe(true);
  });

  it('answers a replayed create or update whose document was deleted since with NOT_FOUND, not an error', async () => {
    const createKey = { ...bearer(WRITE_TOKEN), 'Idempotency-Key': 'create-then-gone-1' };
    expect((await send('POST', '/api/projects', projectInput({ id: 'gone-later' }), createKey)).status).toBe(201);
    const updateKey = { ...bearer(WRITE_TOKEN), 'Idempotency-Key': 'update-then-gone-1' };
    expect((await send('PATCH', '/api/projects/gone-later', { title: 'Renamed', expectedVersion: 1 }, updateKey)).status).toBe(200);
    expect((await fixture.app.request('/api/projects/gone-later?expectedVersion=2', { method: 'DELETE', headers: bearer(WRITE_TOKEN) })).status).toBe(200);
    for (const replay of [
      await send('POST', '/api/projects', projectInput({ id: 'gone-later' }), createKey),
      await send('PATCH', '/api/projects/gone-later', { title: 'Renamed', expectedVersion: 1 }, updateKey),
    ]) {
      expect(replay.status).toBe(404);
      expect((await replay.json()).error.code).toBe('NOT_FOUND');
    }
  });

  it('refuses an Idempotency-Key reused for another document with 400, naming the document it was used for', async () => {
    const headers = { ...bearer(WRITE_TOKEN), 'Idempotency-Key': 'used-once-0001' };
    expect((await send('POST', '/api/projects', projectInput({ id: 'first-use' }), headers)).status).toBe(201);
    const reused = await send('POST', '/api/resources', resourceInput({ id: 'second-use' }), headers);
    expect(reused.status).toBe(400);
    expect((await reused.json()).error).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('already used for a write to projects/first-use'),
      details: { usedFor: 'projects/first-use', issues: [{ path: 'idempotencyKey', message: 'already used for projects/first-use' }] },
    });
    expect((await get('/api/resources/second-use', bearer(READ_TOKEN))).status).toBe(404);
  });

  it('refuses writes without the read-write token', async () => {
    expect((await send('POST', '/api/projects', projectInput(), {})).status).toBe(401);
    expect((await send('POST', '/api/projects', projectInput(), bearer(READ_TOKEN))).status).toBe(403);
    expect((await send('POST', '/api/projects', projectInput(), bearer('wrong-token-0123456789abcdef'))).status).toBe(401);
  });

  it('answers malformed bodies with 400 and oversized ones with 413, changing nothing', async () => {
    const before = await (await get('/api/projects?status=any&limit=100', bearer(READ_TOKEN))).json();
    const raw = (body: string, type = 'application/json') =>
      fixture.app.request('/api/projects', { method: 'POST', headers: { ...bearer(WRITE_TOKEN), 'Content-Type': type }, body });
    expect((await raw('{not json')).status).toBe(400);
    expect((await raw('null')).status).toBe(400);
    expect((await raw('[]')).status).toBe(400);
    expect((await raw('{}', 'text/plain')).status).toBe(400);
    expect((await raw(JSON.stringify({ ...projectInput(), description: 'x'.repeat(300 * 1024) }))).status).toBe(413);
    expect((await send('PATCH', '/api/projects/does-not-exist', null)).status).toBe(400);
    const after = await (await get('/api/projects?status=any&limit=100', bearer(READ_TOKEN))).json();
    expect(after.meta.total).toBe(before.meta.total);
  });

  it('takes application/json with or without parameters, and no media type that only begins like it', async () => {
    const post = (id: string, type: string) =>
      fixture.app.request('/api/projects', { method: 'POST', headers: { ...bearer(WRITE_TOKEN), 'Content-Type': type }, body: JSON.stringify(projectInput({ id })) });
    const patchType = await post('json-patch-typed', 'application/json-patch+json');
    expect(patchType.status).toBe(400);
    expect((await patchType.json()).error.message).toBe('send the body as JSON with Content-Type: application/json');
    expect((await post('json-dot-typed', 'application/json.x')).status).toBe(400);
    expect((await post('json-with-charset', 'application/json; charset=utf-8')).status).toBe(201);
    expect((await post('json-upper-case', 'Application/JSON')).status).toBe(201);
  });

  it('times and logs a request refused for its token like any other, under its request id', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const own = await makeApp({ metrics });
    try {
      const response = await own.app.request('/api/projects', { headers: { ...bearer('wrong-token-0123456789abcdef'), 'X-Request-Id': 'refused-1' } });
      expect(response.status).toBe(401);
      expect(response.headers.get('x-request-id')).toBe('refused-1');
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(((await response.json()) as { meta: { requestId: string } }).meta.requestId).toBe('refused-1');
      expect(await metrics.registry.metrics()).toMatch(/contentkv_http_request_duration_seconds_count\{method="GET",route="[^"]*",status="401"\} 1/);
      expect(own.logs.lines.some((line) => line.includes('"requestId":"refused-1"') && line.includes('"status":401'))).toBe(true);
    } finally {
      own.cleanup();
    }
  });

  it('never logs a token', async () => {
    await send('POST', '/api/projects', projectInput({ id: 'logged' }));
    await get('/api/projects', bearer(READ_TOKEN));
    const text = fixture.logs.lines.join('\n');
    expect(fixture.logs.lines.length).toBeGreaterThan(0);
    expect(text).not.toContain(WRITE_TOKEN);
    expect(text).not.toContain(READ_TOKEN);
  });
});
