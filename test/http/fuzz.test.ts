/**
 * Property tests: generated malformed input against the REST write routes, the list queries, every
 * MCP tool's arguments and the JSON-RPC envelope. Whatever arrives, the server must answer below
 * 500, in parseable JSON with a stable error code, without leaking a stack trace or an internal
 * path, and a refused request must leave every document and the audit log exactly as they were.
 *
 * Every generator is seeded, so a failure names a reproducible counterexample. REST inputs are
 * built to be invalid (a broken or unknown field, a wrong type, a wrong content type...), so
 * each one must be refused; MCP arguments drawn from arbitrary JSON may now and then be valid
 * for a read tool, so for those the check is "refused, or changed nothing".
 */
import { tmpdir } from 'node:os';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS, AUDIT_SOURCES, ENTITY_TYPES } from '../../src/domain/audit.js';
import type { Collection } from '../../src/domain/collections.js';
import { ID_PATTERN, OP_ID_PATTERN } from '../../src/domain/ids.js';
import { projectInput, resourceInput } from '../fixtures/inputs.js';
import { bearer, json, READ_TOKEN, WRITE_TOKEN } from './app-fixture.js';
import { makeMcpApp, MCP_HEADERS, snapshotStore, toolCall, type McpAppFixture, type StoreSnapshot } from './auth-mcp-fixture.js';

// ---------------------------------------------------------------------------------------------
// How many generated inputs each property sends (at least 1,000 in all), and its seed.
// ---------------------------------------------------------------------------------------------

const RUNS = {
  create: 500,
  patch: 500,
  query: 300,
  mcpArbitrary: 400,
  mcpMutation: 500,
  mcpEnvelope: 400,
} as const;
const SEED = 20_260_101;
/** What each property actually sent, counted as it sent it, for the total below. */
const sentBy: Partial<Record<keyof typeof RUNS, number>> = {};

// ---------------------------------------------------------------------------------------------
// The contract the responses are checked against.
// ---------------------------------------------------------------------------------------------

/** DESIGN.md, "HTTP": the stable error codes a client may see, and their statuses. */
const STABLE_STATUS: Record<string, number> = {
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  VALIDATION_FAILED: 400,
  PAYLOAD_TOO_LARGE: 413,
  VERSION_CONFLICT: 409,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
};

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What must never reach a client: stack frames, internal paths, raw exception texts. */
const LEAKS: [string, RegExp][] = [
  ['a stack frame', /\bat (?:async )?(?:[^\s()"]+ )?\(?(?:file:\/\/|node:|\/)[^\s()"]*:\d+:\d+\)?/],
  ['an anonymous stack frame', /\(<anonymous>\)/],
  // The checkout's own path, wherever it is, and the temporary data directories the tests use.
  ['an internal path', new RegExp(`${literal(process.cwd())}|${literal(tmpdir())}/|node_modules|file://`)],
  ['an internal exception name', /\b(?:Type|Range|Syntax|Reference|Zod)?Error:/],
  ['a JSON.parse message', /Unexpected token|Unexpected end of JSON|in JSON at position|Maximum call stack/],
];

function leakIn(text: string): string | null {
  for (const [what, pattern] of LEAKS) if (pattern.test(text)) return what;
  return null;
}

function expectNoLeak(text: string): void {
  const leak = leakIn(text);
  expect(leak, `the response shows ${leak}: ${text.slice(0, 500)}`).toBeNull();
}

// ---------------------------------------------------------------------------------------------
// The app, a fresh one per property, and the check that nothing was stored.
// ---------------------------------------------------------------------------------------------

let fixture: McpAppFixture;
let prototypeKeys: string[];
beforeEach(async () => {
  fixture = await makeMcpApp();
  prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
});
afterEach(async () => {
  // `{"__proto__":{"polluted":1}}` and its cousins were sent; nothing may have reached Object.prototype.
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
  await fixture.close();
});

async function expectUnchanged(before: StoreSnapshot): Promise<void> {
  expect(await snapshotStore(fixture.store)).toEqual(before);
}

const TARGET: Record<Collection, string> = { projects: 'law-firm-rag-knowledge-base', resources: 'rag-readiness-checklist' };
/** The ids of the sample content (data/*.json). */
const SAMPLE_IDS: Record<Collection, string[]> = {
  projects: [
    'ecommerce-ai-support-assistant', 'accounting-invoice-processing', 'saas-lead-qualification-chatbot', 'law-firm-rag-knowledge-base', 'clinic-scheduling-automation',
    'real-estate-listing-generator', 'recruiting-cv-screening-assistant', 'restaurant-whatsapp-ordering-bot',
  ],
  resources: [
    'ai-support-assistant-playbook', 'n8n-invoice-extraction-template', 'lead-qualification-prompt-pack', 'rag-readiness-checklist', 'automation-roi-calculator',
    'hiring-automation-compliance-checklist', 'chatgpt-prompts-small-business-2024',
  ],
};
const EXISTING_IDS = new Set([...SAMPLE_IDS.projects, ...SAMPLE_IDS.resources]);

/** A request to send, with a note saying what makes it malformed (shown in a counterexample). */
interface Probe {
  note: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | undefined;
}

async function send(probe: Probe): Promise<Response> {
  return fixture.app.request(probe.path, { method: probe.method, headers: probe.headers, ...(probe.body === undefined ? {} : { body: probe.body }) });
}

/** Drops generated inputs that would themselves contain a leak marker, so an echo is never mistaken for a leak. */
const noMarkers = (probe: Probe) => leakIn(`${probe.path}\n${probe.body ?? ''}\n${JSON.stringify(probe.headers)}`) === null;

// ---------------------------------------------------------------------------------------------
// Building blocks: wrong values of every kind.
// ---------------------------------------------------------------------------------------------

const DANGEROUS_KEYS = ['__proto__', 'constructor', 'prototype'] as const;
const TAG_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} .+#&/_-]*$/u;
const LINK_PATTERN = /^https?:\/\/[^\s]+$/i;

const printable = fc.string({ maxLength: 24 });
const unicodeText = fc.string({ unit: 'grapheme', maxLength: 24 });
const smallJson = fc.jsonValue({ maxDepth: 2 });
const nonIntegerDouble = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }).filter((value) => !Number.isInteger(value));

/** Strings far longer than a field allows: `min` to `max` UTF-16 units of one repeated character. */
const hugeString = (min: number, max: number) =>
  fc.tuple(fc.integer({ min, max }), fc.constantFrom('x', 'é', '漢', ' y')).map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)));

/** A value nested `depth` levels deep (arrays, or objects under the key "a"). */
function nested(depth: number, arrays: boolean): unknown {
  let value: unknown = 1;
  for (let level = 0; level < depth; level += 1) value = arrays ? [value] : { a: value };
  return value;
}
// Deeper nesting is the subject of the tests at the end of this file.
const deepValue = fc.tuple(fc.integer({ min: 20, max: 500 }), fc.boolean()).map(([depth, arrays]) => nested(depth, arrays));

const nonString = fc.oneof(
  fc.integer(),
  nonIntegerDouble,
  fc.boolean(),
  fc.constant(null),
  fc.array(smallJson, { maxLength: 3 }),
  fc.dictionary(printable, smallJson, { maxKeys: 3 }),
  deepValue,
);
const nonArray = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), printable, fc.dictionary(printable, smallJson, { maxKeys: 3 }), deepValue.filter((value) => !Array.isArray(value)));
const nonObject = fc.oneof(fc.integer(), nonIntegerDouble, fc.boolean(), fc.constant(null), printable, fc.array(smallJson, { maxLength: 3 }), deepValue.filter((value) => Array.isArray(value)));
/** Any JSON value but a plain object: what a body or an arguments object must not be. */
const notAnObject = fc.jsonValue().filter((value) => value === null || typeof value !== 'object' || Array.isArray(value));

const whitespaceOnly = fc.string({ unit: fc.constantFrom(' ', '\t', '\n'), minLength: 1, maxLength: 5 });
const badTitle = fc.oneof(nonString, hugeString(201, 5_000), whitespaceOnly);
const badText = fc.oneof(nonString, hugeString(2_001, 30_000));
const badLongText = fc.oneof(nonString, hugeString(20_001, 60_000));
const badLinkString = fc.oneof(
  fc.constantFrom('javascript:alert(1)', 'ftp://example.com/x', 'data:text/html,hi', 'images/no-leading-slash.jpg', 'http://', 'https://has space', 'mailto:a@b.c'),
  printable.filter((value) => value !== '' && !value.startsWith('/') && !LINK_PATTERN.test(value)),
  hugeString(2_049, 5_000).map((value) => `/${value}`),
);
const badLink = fc.oneof(nonString, badLinkString);
const validTag = fc.constantFrom('AI', 'Automation', 'n8n', 'C#', 'Customer Support');
const badTagString = fc.oneof(
  fc.constantFrom('', ' ', '-leading', '<script>', 'a;b', 'x'.repeat(49), '🙂', '"quoted"', 'tag\u0000'),
  unicodeText.filter((value) => {
    const trimmed = value.trim();
    return trimmed.length === 0 || trimmed.length > 48 || !TAG_PATTERN.test(trimmed);
  }),
);
const withOneBad = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown>) =>
  fc.tuple(fc.array(good, { maxLength: 3 }), bad, fc.nat()).map(([items, wrong, at]) => {
    const list: unknown[] = [...items];
    list.splice(at % (list.length + 1), 0, wrong);
    return list;
  });
const badTags = fc.oneof(nonArray, withOneBad(validTag, fc.oneof(nonString, badTagString)), fc.array(validTag, { minLength: 21, maxLength: 30 }));
const badStringArray = fc.oneof(nonArray, withOneBad(fc.constant('A result'), fc.oneof(nonString, whitespaceOnly, hugeString(501, 2_000))), fc.array(fc.constant('A result'), { minLength: 31, maxLength: 40 }));
const badLinkArray = fc.oneof(nonArray, withOneBad(fc.constant('/images/a.jpg'), badLink), fc.array(fc.constant('/images/a.jpg'), { minLength: 31, maxLength: 40 }));
const badPrice = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: -1e-6 }),
  fc.integer({ min: 1_000_001, max: 2 ** 31 - 1 }),
  hugeString(41, 200),
  fc.boolean(),
  fc.constant(null),
  fc.array(smallJson, { maxLength: 3 }),
  fc.dictionary(printable, smallJson, { maxKeys: 3 }),
);
const badId = fc.oneof(
  nonString,
  fc.constantFrom('', 'UPPER-CASE', '-leading-hyphen', 'has space', 'has/slash', '..', 'a'.repeat(129), 'ümlaut', 'snake_case', 'dot.ted', 'x\u0000'),
  unicodeText.filter((value) => !ID_PATTERN.test(value)),
);
const badStatus = fc.oneof(printable.filter((value) => !['published', 'draft', 'archived'].includes(value)), fc.integer(), fc.boolean());
const nonBoolean = fc.oneof(fc.integer(), printable, fc.array(smallJson, { maxLength: 2 }), fc.dictionary(printable, smallJson, { maxKeys: 2 }));

/** Every field name of either collection's documents and of the tools' arguments. */
const KNOWN_KEYS = new Set([
  ...Object.keys(projectInput()), ...Object.keys(resourceInput()), 'id', 'metadata', 'type', 'size', 'objective', 'tools', 'features', 'videoUrl', 'screenshots', 'demoLink',
  'text', 'author', 'avatar', 'resourceLink', 'url', 'status', 'featured', 'expectedVersion', 'changes', 'project', 'resource', 'idempotencyKey', 'confirm', 'collection',
  'version', 'limit', 'cursor', 'tag', 'detail', 'query', 'entityType', 'entityId', 'source', 'action', 'since', 'until', 'includeDocuments',
]);
const unknownKey = fc.oneof(
  { arbitrary: printable.filter((key) => !KNOWN_KEYS.has(key)), weight: 4 },
  { arbitrary: fc.constantFrom(...DANGEROUS_KEYS), weight: 2 },
  { arbitrary: fc.constantFrom('createdAt', 'updatedAt', 'checksum', 'downloadCount', 'polluted', 'toString', 'hasOwnProperty'), weight: 1 },
);
const pollution = fc.oneof(fc.constant<unknown>({ polluted: 1 }), fc.constant<unknown>({ prototype: { polluted: 1 } }), smallJson);

/** `{...object, [key]: value}`: a computed key, so even "__proto__" becomes an own property. */
const withKey = (object: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> => ({ ...object, [key]: value });
const without = (object: Record<string, unknown>, key: string): Record<string, unknown> => Object.fromEntries(Object.entries(object).filter(([name]) => name !== key));

// ---------------------------------------------------------------------------------------------
// Invalid documents: a valid create body with exactly one thing broken.
// ---------------------------------------------------------------------------------------------

type FieldKind = 'title' | 'text' | 'longText' | 'link' | 'tags' | 'stringArray' | 'linkArray' | 'object' | 'price';

const FIELDS: Record<Collection, Record<string, FieldKind>> = {
  projects: {
    title: 'title', result: 'text', tags: 'tags', image: 'link', client: 'object', challenge: 'longText', solution: 'object',
    description: 'longText', testimonial: 'object', results: 'stringArray', insight: 'object',
  },
  resources: { title: 'title', description: 'text', longDescription: 'longText', image: 'link', tags: 'tags', price: 'price', downloadLink: 'link', gallery: 'linkArray' },
};

const validInput = (collection: Collection): Record<string, unknown> => (collection === 'projects' ? projectInput() : resourceInput());

function badValueFor(collection: Collection, field: string, kind: FieldKind): fc.Arbitrary<unknown> {
  switch (kind) {
    case 'title':
      return badTitle;
    case 'text':
      return badText;
    case 'longText':
      return badLongText;
    case 'link':
      return badLink;
    case 'tags':
      return badTags;
    case 'stringArray':
      return badStringArray;
    case 'linkArray':
      return badLinkArray;
    case 'price':
      return badPrice;
    case 'object': {
      // Sub-objects are strict: a non-object, or the valid one with an unknown key, is refused.
      const valid = validInput(collection)[field] as Record<string, unknown>;
      return fc.oneof(nonObject, fc.tuple(unknownKey, pollution).map(([key, value]) => withKey(valid, key, value)));
    }
  }
}

/** A required content field with a value its schema refuses (never null-for-optional, which a patch may send). */
function brokenField(collection: Collection): fc.Arbitrary<{ field: string; value: unknown }> {
  const fields = Object.entries(FIELDS[collection]);
  return fc.constantFrom(...fields).chain(([field, kind]) => badValueFor(collection, field, kind).map((value) => ({ field, value })));
}

const badMetadata = fc.oneof(
  nonObject.filter((value) => value !== null),
  badStatus.map((status) => ({ status })),
  nonBoolean.map((featured) => ({ featured })),
  fc.tuple(fc.constantFrom('version', 'checksum', 'createdAt', 'updatedAt', 'downloadCount', ...DANGEROUS_KEYS), smallJson).map(([key, value]) => withKey({}, key, value)),
  fc.tuple(unknownKey, smallJson).map(([key, value]) => withKey({ status: 'published' }, key, value)),
);

/** A create body (an object) that the collection's schema must refuse. */
function invalidDocument(collection: Collection): fc.Arbitrary<{ note: string; doc: Record<string, unknown> }> {
  const valid = validInput(collection);
  const required = Object.keys(FIELDS[collection]);
  return fc.oneof(
    { arbitrary: brokenField(collection).map(({ field, value }) => ({ note: `${field} is wrong`, doc: withKey(valid, field, value) })), weight: 6 },
    { arbitrary: fc.tuple(unknownKey, pollution).map(([key, value]) => ({ note: `unknown key ${key}`, doc: withKey(valid, key, value) })), weight: 3 },
    { arbitrary: fc.constantFrom(...required).map((field) => ({ note: `${field} is missing`, doc: without(valid, field) })), weight: 2 },
    { arbitrary: badId.map((id) => ({ note: 'the id is not a slug', doc: withKey(valid, 'id', id) })), weight: 2 },
    { arbitrary: badMetadata.map((metadata) => ({ note: 'metadata is wrong', doc: withKey(valid, 'metadata', metadata) })), weight: 2 },
    {
      arbitrary: fc.constantFrom(...Object.keys(FIELDS[collection]).filter((field) => FIELDS[collection][field] === 'object'), 'metadata').map((field) => ({
        note: `__proto__ inside ${field}`,
        doc: withKey(valid, field, withKey((valid[field] as Record<string, unknown> | undefined) ?? {}, '__proto__', { polluted: 1 })),
      })),
      weight: 1,
    },
    { arbitrary: fc.constant({ note: 'constructor.prototype', doc: withKey(valid, 'constructor', { prototype: { polluted: 1 } }) }), weight: 1 },
  );
}

/** A patch (an object) the collection's update schema must refuse. */
function invalidPatch(collection: Collection): fc.Arbitrary<{ note: string; patch: Record<string, unknown> }> {
  return fc.oneof(
    // Required fields may be changed but not removed: null is as wrong as any other bad value.
    { arbitrary: brokenField(collection).map(({ field, value }) => ({ note: `${field} is wrong`, patch: withKey({}, field, value) })), weight: 6 },
    { arbitrary: fc.tuple(unknownKey, pollution).map(([key, value]) => ({ note: `unknown key ${key}`, patch: withKey({ title: 'A valid new title' }, key, value) })), weight: 3 },
    { arbitrary: smallJson.map((id) => ({ note: 'the id is not patchable', patch: { id } })), weight: 1 },
    { arbitrary: badMetadata.map((metadata) => ({ note: 'metadata is wrong', patch: { metadata } })), weight: 2 },
    { arbitrary: fc.constant({ note: '__proto__ at the top', patch: withKey({}, '__proto__', { polluted: 1 }) }), weight: 1 },
  );
}

// ---------------------------------------------------------------------------------------------
// Whole REST requests.
// ---------------------------------------------------------------------------------------------

const WRONG_CONTENT_TYPES = ['text/plain', 'text/html', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'json', 'application/jso', ''];
const notJsonText = fc.oneof(
  fc.constantFrom('', ' ', "{'single': 1}", '{"a":1,}', '{', '}', 'undefined', 'NaN', '{"a":1}{"b":2}', '[1,2', '{"title": "x"', 'tru', '\u0000', '<xml/>'),
  printable.filter((text) => {
    try {
      JSON.parse(text);
      return false;
    } catch {
      return true;
    }
  }),
);

/** Body-level malformations shared by POST and PATCH, around a body that would otherwise be valid. */
function malformedBody(validBody: Record<string, unknown>): fc.Arbitrary<{ note: string; body: string; contentType: string | null }> {
  const validText = JSON.stringify(validBody);
  return fc.oneof(
    { arbitrary: notAnObject.map((value) => ({ note: 'the body is not an object', body: JSON.stringify(value), contentType: 'application/json' })), weight: 2 },
    { arbitrary: notJsonText.map((body) => ({ note: 'the body is not JSON', body, contentType: 'application/json' })), weight: 2 },
    {
      arbitrary: fc.nat({ max: validText.length - 1 }).map((cut) => ({ note: 'the body is cut short', body: validText.slice(0, cut), contentType: 'application/json; charset=utf-8' })),
      weight: 1,
    },
    {
      arbitrary: fc.constantFrom(...WRONG_CONTENT_TYPES, null).map((contentType) => ({ note: `Content-Type ${contentType}`, body: validText, contentType })),
      weight: 2,
    },
    {
      arbitrary: fc.integer({ min: 256 * 1024 + 1, max: 400_000 }).map((size) => ({
        note: 'the body is over the size limit',
        body: JSON.stringify(withKey(validBody, 'description', 'x'.repeat(size))),
        contentType: 'application/json',
      })),
      weight: 1,
    },
  );
}

const headersOf = (contentType: string | null, extra: Record<string, string> = {}) => ({ ...(contentType === null ? {} : { 'Content-Type': contentType }), ...bearer(WRITE_TOKEN), ...extra });

const collectionArb = fc.constantFrom<Collection>('projects', 'resources');

const createProbe: fc.Arbitrary<Probe> = collectionArb
  .chain((collection) =>
    fc.oneof(
      { arbitrary: invalidDocument(collection).map(({ note, doc }) => ({ note, body: JSON.stringify(doc), contentType: 'application/json' as string | null })), weight: 5 },
      { arbitrary: malformedBody(validInput(collection)), weight: 2 },
      {
        arbitrary: fc.constantFrom(...SAMPLE_IDS[collection]).map((id) => ({
          note: `the id ${id} exists already`,
          body: JSON.stringify(withKey(validInput(collection), 'id', id)),
          contentType: 'application/json' as string | null,
        })),
        weight: 1,
      },
    ).map(({ note, body, contentType }): Probe => ({ note: `POST ${collection}: ${note}`, method: 'POST', path: `/api/${collection}`, headers: headersOf(contentType), body })),
  )
  .filter(noMarkers);

const badExpectedVersion = fc.oneof(
  fc.integer({ min: -1_000, max: -1 }),
  fc.integer({ min: 2, max: 1_000_000 }),
  nonIntegerDouble,
  fc.constantFrom('abc', 'one', '1.5', '-1', '1e400', 'v1', '0x'),
);
const badIfMatch = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'abcdefWxyz"/-,;: '.split('')), minLength: 1, maxLength: 20 }).filter((value) => value.trim() !== '' && value.trim() !== '*'),
  fc.integer({ min: 2, max: 1_000_000 }).map((version) => `W/"${version}-0123456789abcdef"`),
  fc.integer({ min: 2, max: 1_000_000 }).map(String),
);
const badIdempotencyKey = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'abcXYZ019_-'.split('')), minLength: 1, maxLength: 7 }),
  printable.filter((value) => value.trim() !== '' && !OP_ID_PATTERN.test(value.trim())),
  fc.constant('k'.repeat(129)),
);
const badPathId = fc.oneof(
  printable.filter((value) => !EXISTING_IDS.has(value)).map(encodeURIComponent),
  fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,30}$/).filter((value) => !EXISTING_IDS.has(value)),
  fc.constantFrom('LAW-FIRM-RAG-KNOWLEDGE-BASE', 'law-firm-rag-knowledge-base%20', '%2e%2e', '%00', '-x', 'a'.repeat(129), '%E0%A4%A', '%', 'law-firm-rag-knowledge-base%2Fhistory', '%F0%9F%99%82'),
);

const patchProbe: fc.Arbitrary<Probe> = collectionArb
  .chain((collection) => {
    const path = `/api/${collection}/${TARGET[collection]}`;
    const change = { title: 'A valid new title' };
    const patchProbes: fc.Arbitrary<Omit<Probe, 'method'>>[] = [
      invalidPatch(collection).map(({ note, patch }) => ({ note, path, headers: headersOf('application/json'), body: JSON.stringify(patch) })),
      malformedBody(change).map(({ note, body, contentType }) => ({ note, path, headers: headersOf(contentType), body })),
      badExpectedVersion.map((expectedVersion) => ({ note: 'expectedVersion is wrong', path, headers: headersOf('application/json'), body: JSON.stringify({ ...change, expectedVersion }) })),
      badExpectedVersion.map((expectedVersion) => ({ note: '?expectedVersion is wrong', path: `${path}?expectedVersion=${encodeURIComponent(String(expectedVersion))}`, headers: headersOf('application/json'), body: JSON.stringify(change) })),
      badIfMatch.map((ifMatch) => ({ note: 'If-Match is wrong', path, headers: headersOf('application/json', { 'If-Match': ifMatch }), body: JSON.stringify(change) })),
      badIdempotencyKey.map((key) => ({ note: 'Idempotency-Key is wrong', path, headers: headersOf('application/json', { 'Idempotency-Key': key }), body: JSON.stringify(change) })),
      badPathId.map((id) => ({ note: `the path id ${id}`, path: `/api/${collection}/${id}`, headers: headersOf('application/json'), body: JSON.stringify(change) })),
    ];
    return fc
      .oneof({ arbitrary: patchProbes[0] as fc.Arbitrary<Omit<Probe, 'method'>>, weight: 5 }, ...patchProbes.slice(1).map((arbitrary) => ({ arbitrary, weight: 1 })))
      .map((probe): Probe => ({ ...probe, note: `PATCH ${collection}: ${probe.note}`, method: 'PATCH' }));
  })
  .filter(noMarkers);

/** Checks a refused REST request: a 4xx envelope with a stable code, no leak, nothing stored. */
async function expectRefused(response: Response, before: StoreSnapshot): Promise<void> {
  const text = await response.text();
  expectNoLeak(text);
  expect(response.status, text.slice(0, 300)).toBeGreaterThanOrEqual(400);
  expect(response.status, text.slice(0, 300)).toBeLessThan(500);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text);
  expect(body).toMatchObject({ success: false, error: { code: expect.any(String), message: expect.any(String) } });
  expect(Object.keys(STABLE_STATUS), `unexpected code ${body.error.code}`).toContain(body.error.code);
  expect(response.status).toBe(STABLE_STATUS[body.error.code as string]);
  await expectUnchanged(before);
}

describe('REST writes refuse malformed bodies cleanly', () => {
  it(`POST /api/projects and /api/resources refuse ${RUNS.create} generated invalid bodies with a 4xx envelope and store nothing`, async () => {
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(createProbe, async (probe) => {
        sent += 1;
        const before = await snapshotStore(fixture.store);
        await expectRefused(await send(probe), before);
      }),
      { numRuns: RUNS.create, seed: SEED },
    );
    sentBy.create = sent;
  });

  it(`PATCH /api/projects/:id and /api/resources/:id refuse ${RUNS.patch} generated invalid bodies, headers and ids with a 4xx envelope and change nothing`, async () => {
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(patchProbe, async (probe) => {
        sent += 1;
        const before = await snapshotStore(fixture.store);
        await expectRefused(await send(probe), before);
      }),
      { numRuns: RUNS.patch, seed: SEED + 1 },
    );
    sentBy.patch = sent;
  });
});

// ---------------------------------------------------------------------------------------------
// List queries.
// ---------------------------------------------------------------------------------------------

const queryValue = fc.oneof(
  printable,
  unicodeText,
  fc.integer({ min: -1_000, max: 1_000 }).map(String),
  fc.constantFrom('', '0', '-1', '101', '1e3', '1.5', '0x10', ' 5', 'Infinity', 'NaN', 'true', 'TRUE', 'yes', 'published', 'draft', 'archived', 'any', 'ai', 'AI', 'null', '[]', '{}'),
  fc.base64String({ maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('%', 'E', '0', 'A', 'z', '+', '&', '='), maxLength: 8 }).map((raw) => ({ raw })),
);
type QueryValue = string | { raw: string };
const slug = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,30}$/);
/** A cursor in the right format (base64url of "<15-digit ms>:<id>") that may point anywhere. */
const wellFormedCursor = fc.tuple(fc.integer({ min: 0, max: 999_999_999_999_999 }), slug).map(([ms, id]) => Buffer.from(`${String(ms).padStart(15, '0')}:${id}`, 'utf8').toString('base64url'));
const isoTime = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString());

/** Values a parameter accepts, so that a good share of queries pass and the answers are checked too. */
const PLAUSIBLE: Record<string, fc.Arbitrary<string>> = {
  limit: fc.integer({ min: 1, max: 100 }).map(String),
  cursor: wellFormedCursor,
  featured: fc.constantFrom('true', 'false'),
  tag: fc.constantFrom('AI', 'ai', 'Automation', 'n8n', 'RAG', 'No Such Tag'),
  status: fc.constantFrom('published', 'draft', 'archived', 'any'),
  entityType: fc.constantFrom(...ENTITY_TYPES),
  entityId: slug,
  source: fc.constantFrom(...AUDIT_SOURCES),
  action: fc.constantFrom(...AUDIT_ACTIONS),
  since: isoTime,
  until: isoTime,
};
const queryPair = (keys: readonly string[]) =>
  fc.oneof({ arbitrary: fc.constantFrom(...keys), weight: 6 }, { arbitrary: printable, weight: 1 }).chain((key) =>
    // Object.hasOwn, not PLAUSIBLE[key]: a generated key may well be "toString" or "constructor".
    fc.tuple(fc.constant(key), Object.hasOwn(PLAUSIBLE, key) ? fc.oneof({ arbitrary: PLAUSIBLE[key] as fc.Arbitrary<QueryValue>, weight: 3 }, { arbitrary: queryValue, weight: 1 }) : queryValue),
  );
const LIST_KEYS = ['limit', 'cursor', 'featured', 'tag', 'status'] as const;
const AUDIT_KEYS = ['entityType', 'entityId', 'source', 'action', 'since', 'until', 'limit', 'cursor'] as const;

function queryString(pairs: [string, QueryValue][]): string {
  return pairs.map(([key, value]) => `${encodeURIComponent(key)}=${typeof value === 'string' ? encodeURIComponent(value) : value.raw}`).join('&');
}

const queryProbe = fc
  .oneof(
    { arbitrary: fc.tuple(fc.constantFrom('/api/projects', '/api/resources'), fc.array(queryPair(LIST_KEYS), { minLength: 1, maxLength: 4 }), fc.constantFrom('none', 'read')), weight: 4 },
    { arbitrary: fc.tuple(fc.constant('/api/audit'), fc.array(queryPair(AUDIT_KEYS), { minLength: 1, maxLength: 4 }), fc.constant('read')), weight: 1 },
  )
  .map(([route, pairs, credential]): Probe & { anonymous: boolean } => ({
    note: `${route} as ${credential}`,
    method: 'GET',
    path: `${route}?${queryString(pairs)}`,
    headers: credential === 'read' ? bearer(READ_TOKEN) : {},
    anonymous: credential === 'none',
  }))
  .filter(noMarkers);

describe('list routes take any query string without failing', () => {
  it(`GET /api/projects, /api/resources and /api/audit answer ${RUNS.query} generated query strings below 500, in the envelope, never showing drafts to anonymous callers`, async () => {
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(queryProbe, async (probe) => {
        sent += 1;
        const before = await snapshotStore(fixture.store);
        const response = await send(probe);
        const text = await response.text();
        expectNoLeak(text);
        expect(response.status, text.slice(0, 300)).toBeLessThan(500);
        const body = JSON.parse(text);
        if (response.status === 200) {
          expect(body).toMatchObject({ success: true, meta: { requestId: expect.any(String) } });
          expect(Array.isArray(body.data)).toBe(true);
          if (probe.anonymous) expect(body.data.every((doc: { metadata: { status: string } }) => doc.metadata.status === 'published')).toBe(true);
        } else {
          expect(body).toMatchObject({ success: false, error: { code: expect.any(String), message: expect.any(String) } });
          expect(['VALIDATION_FAILED', 'UNAUTHORIZED']).toContain(body.error.code);
          expect(response.status).toBe(STABLE_STATUS[body.error.code as string]);
        }
        await expectUnchanged(before);
      }),
      { numRuns: RUNS.query, seed: SEED + 2 },
    );
    sentBy.query = sent;
  });
});

// ---------------------------------------------------------------------------------------------
// MCP: the tools, their valid arguments, and what each argument must be.
// ---------------------------------------------------------------------------------------------

type ArgKind =
  | { kind: 'id' }
  | { kind: 'int'; min: number; max?: number }
  | { kind: 'bool' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'text'; max: number; nonBlank?: boolean }
  | { kind: 'datetime' }
  | { kind: 'tag' }
  | { kind: 'document'; collection: Collection }
  | { kind: 'patch'; collection: Collection }
  | { kind: 'opId' };

interface ToolSpec {
  name: string;
  access: 'read' | 'write';
  valid: Record<string, unknown>;
  args: Record<string, ArgKind>;
  required: string[];
}

const STATUS_OR_ANY = ['published', 'draft', 'archived', 'any'] as const;
const id: ArgKind = { kind: 'id' };
const version: ArgKind = { kind: 'int', min: 1 };
const limit50: ArgKind = { kind: 'int', min: 1, max: 50 };

function contentToolSpecs(collection: Collection): ToolSpec[] {
  const one = collection === 'projects' ? 'project' : 'resource';
  const target = TARGET[collection];
  return [
    {
      name: `list_${collection}`,
      access: 'read',
      valid: { limit: 2 },
      args: { status: { kind: 'enum', values: STATUS_OR_ANY }, featured: { kind: 'bool' }, tag: { kind: 'tag' }, limit: limit50, cursor: { kind: 'text', max: 512 }, detail: { kind: 'enum', values: ['summary', 'full'] } },
      required: [],
    },
    { name: `get_${one}`, access: 'read', valid: { id: target }, args: { id }, required: ['id'] },
    {
      name: `create_${one}`,
      access: 'write',
      valid: { [one]: { ...validInput(collection), id: `fuzz-created-${one}` } },
      args: { [one]: { kind: 'document', collection }, idempotencyKey: { kind: 'opId' } },
      required: [one],
    },
    {
      name: `update_${one}`,
      access: 'write',
      valid: { id: target, expectedVersion: 1, changes: { title: 'Changed by the fuzzer' } },
      args: { id, expectedVersion: version, changes: { kind: 'patch', collection }, idempotencyKey: { kind: 'opId' } },
      required: ['id', 'expectedVersion', 'changes'],
    },
    { name: `delete_${one}`, access: 'write', valid: { id: target, expectedVersion: 1, confirm: true }, args: { id, expectedVersion: version, confirm: { kind: 'bool' } }, required: ['id', 'expectedVersion'] },
  ];
}

const TOOL_SPECS: ToolSpec[] = [
  ...contentToolSpecs('projects'),
  ...contentToolSpecs('resources'),
  {
    name: 'get_audit_log',
    access: 'read',
    valid: { limit: 5 },
    args: {
      entityType: { kind: 'enum', values: ENTITY_TYPES }, entityId: { kind: 'text', max: 128 }, source: { kind: 'enum', values: AUDIT_SOURCES }, action: { kind: 'enum', values: AUDIT_ACTIONS },
      since: { kind: 'datetime' }, until: { kind: 'datetime' }, limit: limit50, cursor: { kind: 'text', max: 128 },
    },
    required: [],
  },
  { name: 'get_audit_stats', access: 'read', valid: {}, args: {}, required: [] },
  {
    name: 'search_content',
    access: 'read',
    valid: { query: 'invoice' },
    args: {
      query: { kind: 'text', max: 200, nonBlank: true }, collection: { kind: 'enum', values: ['projects', 'resources', 'all'] }, status: { kind: 'enum', values: STATUS_OR_ANY },
      limit: limit50, cursor: { kind: 'text', max: 512 },
    },
    required: ['query'],
  },
  {
    name: 'get_history',
    access: 'read',
    valid: { collection: 'projects', id: TARGET.projects },
    args: { collection: { kind: 'enum', values: ['projects', 'resources'] }, id, limit: limit50, includeDocuments: { kind: 'bool' } },
    required: ['collection', 'id'],
  },
  {
    name: 'restore_version',
    access: 'write',
    valid: { collection: 'projects', id: TARGET.projects, version: 1 },
    args: { collection: { kind: 'enum', values: ['projects', 'resources'] }, id, version, expectedVersion: version },
    required: ['collection', 'id', 'version'],
  },
  { name: 'get_migration_status', access: 'read', valid: {}, args: {}, required: [] },
];
const TOOL_NAMES = TOOL_SPECS.map((tool) => tool.name);
const ACCESS = new Map(TOOL_SPECS.map((tool) => [tool.name, tool.access]));
const ARG_NAMES = [...new Set(TOOL_SPECS.flatMap((tool) => Object.keys(tool.args)))];

/** A value the argument's schema must refuse. */
function badArg(spec: ArgKind): fc.Arbitrary<unknown> {
  switch (spec.kind) {
    case 'id':
      return badId;
    case 'int':
      return fc.oneof(
        fc.integer({ min: -1_000_000, max: spec.min - 1 }),
        ...(spec.max === undefined ? [] : [fc.integer({ min: spec.max + 1, max: 2 ** 31 - 1 })]),
        nonIntegerDouble,
        fc.integer({ min: spec.min, max: spec.max ?? 1_000 }).map(String),
        fc.boolean(),
        fc.constant(null),
        fc.array(smallJson, { maxLength: 2 }),
        fc.dictionary(printable, smallJson, { maxKeys: 2 }),
      );
    case 'bool':
      return fc.oneof(nonBoolean, fc.constant(null), fc.constantFrom('true', 'false', 1, 0));
    case 'enum':
      return fc.oneof(printable.filter((value) => !spec.values.includes(value)), fc.constantFrom(...spec.values.map((value) => value.toUpperCase())), fc.integer(), fc.constant(null));
    case 'text':
      return fc.oneof(nonString, hugeString(spec.max + 1, spec.max + 500), ...(spec.nonBlank ? [whitespaceOnly] : []));
    case 'datetime':
      return fc.oneof(nonString, printable.filter((value) => !/^\d{4}-\d\d-\d\dT/.test(value)), fc.constantFrom('2026-13-01T00:00:00Z', 'yesterday', '2026-01-01', '1700000000'));
    case 'tag':
      return fc.oneof(nonString, badTagString);
    case 'document':
      return fc.oneof({ arbitrary: invalidDocument(spec.collection).map(({ doc }) => doc as unknown), weight: 4 }, { arbitrary: nonObject, weight: 1 });
    case 'patch':
      return fc.oneof({ arbitrary: invalidPatch(spec.collection).map(({ patch }) => patch as unknown), weight: 4 }, { arbitrary: nonObject, weight: 1 });
    case 'opId':
      return badIdempotencyKey;
  }
}

/** Valid arguments with exactly one thing broken, or arguments that are not an object at all. */
function mutatedArguments(tool: ToolSpec): fc.Arbitrary<{ note: string; args: unknown }> {
  type Mutation = { note: string; args: unknown };
  const options: fc.WeightedArbitrary<Mutation>[] = [{ arbitrary: notAnObject.map((args) => ({ note: 'arguments is not an object', args })), weight: 1 }];
  const names = Object.keys(tool.args);
  if (names.length > 0) {
    const wrong = fc.constantFrom(...names).chain((name) => badArg(tool.args[name] as ArgKind).map((value): Mutation => ({ note: `${name} is wrong`, args: withKey(tool.valid, name, value) })));
    options.push({ arbitrary: wrong, weight: 4 });
  }
  if (tool.required.length > 0) {
    options.push({ arbitrary: fc.constantFrom(...tool.required).map((name): Mutation => ({ note: `${name} is missing`, args: without(tool.valid, name) })), weight: 1 });
  }
  return fc.oneof(...options);
}

function mcpProbe(body: unknown, note: string, headers: Record<string, string> = {}, extra: Partial<Probe> = {}): Probe {
  return { note, method: 'POST', path: '/mcp', headers: { ...MCP_HEADERS, ...bearer(WRITE_TOKEN), ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body), ...extra };
}

interface RpcMessage {
  jsonrpc?: unknown;
  id?: unknown;
  result?: { isError?: boolean; [key: string]: unknown };
  error?: { code: unknown; message: unknown };
  /** Set instead when the app refused the request before MCP saw it (the REST envelope). */
  success?: boolean;
}
type RpcBody = RpcMessage | RpcMessage[];

/** Reads an MCP answer: below 500, JSON (or empty for 202), JSON-RPC or the REST error envelope, no leak. */
async function readMcpAnswer(response: Response): Promise<RpcBody | null> {
  const text = await response.text();
  expectNoLeak(text);
  expect(response.status, text.slice(0, 300)).toBeLessThan(500);
  if (response.status === 202) {
    expect(text).toBe('');
    return null;
  }
  const body = JSON.parse(text) as RpcBody;
  for (const message of Array.isArray(body) ? body : [body]) {
    if (message.success === false) {
      expect(message).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
      continue;
    }
    expect(message.jsonrpc).toBe('2.0');
    if (message.error !== undefined) expect(message.error).toMatchObject({ code: expect.any(Number), message: expect.any(String) });
    else expect(message.result).toBeDefined();
  }
  return body;
}

function isRefusal(body: RpcBody | null): boolean {
  if (body === null) return true;
  if (Array.isArray(body)) return body.every((message) => isRefusal(message));
  return body.success === false || body.error !== undefined || body.result?.isError === true;
}

describe('MCP tools refuse malformed arguments cleanly', () => {
  it(`every tool answers ${RUNS.mcpMutation} mutations of its valid arguments with an error and changes nothing`, async () => {
    let sent = 0;
    const probe = fc
      .constantFrom(...TOOL_SPECS)
      .chain((tool) => fc.tuple(fc.constant(tool.name), mutatedArguments(tool)))
      .map(([name, { note, args }]) => mcpProbe(toolCall(1, name, args), `${name}: ${note}`))
      .filter(noMarkers);
    await fc.assert(
      fc.asyncProperty(probe, async (request) => {
        sent += 1;
        const before = await snapshotStore(fixture.store);
        const body = await readMcpAnswer(await send(request));
        expect(isRefusal(body), JSON.stringify(body).slice(0, 300)).toBe(true);
        await expectUnchanged(before);
      }),
      { numRuns: RUNS.mcpMutation, seed: SEED + 3 },
    );
    sentBy.mcpMutation = sent;
  });

  it(`every tool answers ${RUNS.mcpArbitrary} arbitrary JSON arguments below 500 in JSON-RPC, and a refused call changes nothing`, async () => {
    let sent = 0;
    let refused = 0;
    const argumentKey = fc.oneof({ arbitrary: printable, weight: 3 }, { arbitrary: fc.constantFrom(...ARG_NAMES), weight: 3 }, { arbitrary: fc.constantFrom(...DANGEROUS_KEYS), weight: 1 });
    const args = fc.oneof(
      { arbitrary: fc.dictionary(argumentKey, fc.oneof(fc.jsonValue({ maxDepth: 3 }), pollution), { maxKeys: 6 }), weight: 4 },
      { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 },
    );
    const probe = fc
      .tuple(fc.constantFrom(...TOOL_NAMES), args, fc.constantFrom(READ_TOKEN, WRITE_TOKEN, WRITE_TOKEN))
      .map(([name, value, token]) => ({ name, request: mcpProbe(toolCall(1, name, value), `${name} with arbitrary arguments`, bearer(token)) }))
      .filter(({ request }) => noMarkers(request));
    await fc.assert(
      fc.asyncProperty(probe, async ({ name, request }) => {
        sent += 1;
        const before = await snapshotStore(fixture.store);
        const body = await readMcpAnswer(await send(request));
        if (isRefusal(body)) {
          refused += 1;
          await expectUnchanged(before);
        } else if (ACCESS.get(name) === 'read') {
          await expectUnchanged(before);
        }
      }),
      { numRuns: RUNS.mcpArbitrary, seed: SEED + 4 },
    );
    sentBy.mcpArbitrary = sent;
    // Arbitrary JSON is almost never a valid call; most of these must have been refusals.
    expect(refused).toBeGreaterThan(RUNS.mcpArbitrary * 0.6);
  });
});

// ---------------------------------------------------------------------------------------------
// MCP: malformed JSON-RPC envelopes, each wrapped around a call that would otherwise write.
// ---------------------------------------------------------------------------------------------

const WRITE_CALL = { name: 'update_project', arguments: { id: TARGET.projects, expectedVersion: 1, changes: { title: 'Written through a broken envelope' } } };

const brokenMessage: fc.Arbitrary<{ note: string; message: unknown }> = fc.oneof(
  fc.constantFrom<unknown>('1.0', '2', 2, null, '', ' 2.0', '2.0.0', { v: 2 }).map((jsonrpc) => ({ note: `jsonrpc ${JSON.stringify(jsonrpc)}`, message: { jsonrpc, id: 1, method: 'tools/call', params: WRITE_CALL } })),
  fc.constant({ note: 'no jsonrpc', message: { id: 1, method: 'tools/call', params: WRITE_CALL } }),
  fc.constantFrom<unknown>({}, [], [1], true, false, null).map((id) => ({ note: `id ${JSON.stringify(id)}`, message: { jsonrpc: '2.0', id, method: 'tools/call', params: WRITE_CALL } })),
  fc.oneof(printable.filter((method) => !['tools/call', 'tools/list', 'initialize', 'ping'].includes(method)), fc.constantFrom('tools/Call', 'TOOLS/CALL', 'tools/call ', 'tools.call'), fc.integer(), fc.constant(null)).map((method) => ({
    note: `method ${JSON.stringify(method)}`,
    message: { jsonrpc: '2.0', id: 1, method, params: WRITE_CALL },
  })),
  fc.oneof(
    notAnObject.map((params) => ({ note: 'params is not an object', params })),
    fc.constant({ note: 'params without a name', params: { arguments: WRITE_CALL.arguments } }),
    nonString.map((name) => ({ note: 'the tool name is not a string', params: { name, arguments: WRITE_CALL.arguments } })),
    printable.filter((name) => !TOOL_NAMES.includes(name)).map((name) => ({ note: `no tool ${name}`, params: { name, arguments: WRITE_CALL.arguments } })),
    fc.constantFrom('Update_Project', 'update_project ', 'update-project').map((name) => ({ note: `no tool ${name}`, params: { name, arguments: WRITE_CALL.arguments } })),
    notAnObject.filter((value) => value !== undefined).map((args) => ({ note: 'arguments is not an object', params: { name: WRITE_CALL.name, arguments: args } })),
  ).map(({ note, params }) => ({ note, message: { jsonrpc: '2.0', id: 1, method: 'tools/call', params } })),
  // Without an id it is a notification: the server must not run it.
  fc.constant({ note: 'a tools/call notification', message: { jsonrpc: '2.0', method: 'tools/call', params: WRITE_CALL } }),
  fc.jsonValue({ maxDepth: 3 }).map((message) => ({ note: 'arbitrary JSON', message })),
);

const validWriteBody = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: WRITE_CALL });

const envelopeProbe: fc.Arbitrary<Probe> = fc
  .oneof(
    { arbitrary: brokenMessage.map(({ note, message }) => mcpProbe(message, note)), weight: 8 },
    { arbitrary: fc.array(brokenMessage, { maxLength: 3 }).map((batch) => mcpProbe(batch.map(({ message }) => message), `a batch of ${batch.length} broken messages`)), weight: 2 },
    { arbitrary: notJsonText.map((text) => mcpProbe(text, 'the body is not JSON')), weight: 2 },
    { arbitrary: fc.nat({ max: validWriteBody.length - 1 }).map((cut) => mcpProbe(validWriteBody.slice(0, cut), 'the body is cut short')), weight: 1 },
    { arbitrary: fc.constantFrom(...WRONG_CONTENT_TYPES).map((type) => mcpProbe(validWriteBody, `Content-Type ${type}`, { 'Content-Type': type })), weight: 1 },
    {
      arbitrary: fc.constantFrom('', 'application/json', 'text/event-stream', 'text/html', 'application/xml').map((accept) => mcpProbe(validWriteBody, `Accept ${accept}`, { Accept: accept })),
      weight: 1,
    },
    {
      arbitrary: fc.oneof(printable.filter((value) => value.trim() !== '' && !/^\d{4}-\d\d-\d\d$/.test(value.trim())), fc.constantFrom('1999-01-01', '2030-01-01', '2026-07-28')).map((version) =>
        mcpProbe(validWriteBody, `MCP-Protocol-Version ${version}`, { 'MCP-Protocol-Version': version }),
      ),
      weight: 1,
    },
    { arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH').map((method) => mcpProbe(method === 'GET' ? '' : validWriteBody, `HTTP ${method}`, {}, { method, ...(method === 'GET' ? { body: undefined } : {}) })), weight: 1 },
    { arbitrary: fc.constantFrom('/mcp', '/api/mcp').map((path) => mcpProbe(withKey({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, '__proto__', { polluted: 1 }), '__proto__ in the envelope', {}, { path })), weight: 1 },
  )
  .filter(noMarkers);

describe('MCP refuses malformed JSON-RPC envelopes cleanly', () => {
  it(`answers ${RUNS.mcpEnvelope} malformed envelopes, each around an otherwise valid write, below 500 and without writing`, async () => {
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(envelopeProbe, async (probe) => {
        sent += 1;
        const before = await snapshotStore(fixture.store);
        const body = await readMcpAnswer(await send(probe));
        if (probe.note !== '__proto__ in the envelope') expect(isRefusal(body), JSON.stringify(body).slice(0, 300)).toBe(true);
        await expectUnchanged(before);
      }),
      { numRuns: RUNS.mcpEnvelope, seed: SEED + 5 },
    );
    sentBy.mcpEnvelope = sent;
  });
});

// ---------------------------------------------------------------------------------------------
// The totals, and prototype pollution checked by hand on every route and tool.
// ---------------------------------------------------------------------------------------------

describe('coverage and prototype pollution', () => {
  it('sent at least 1,000 generated malformed inputs in all, every property its share', () => {
    expect(Object.keys(sentBy).sort()).toEqual(Object.keys(RUNS).sort());
    expect(Object.values(sentBy).reduce((sum, sent) => sum + sent, 0)).toBeGreaterThanOrEqual(1_000);
  });

  const POLLUTING_BODIES = ['{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '{"title":"x","__proto__":{"polluted":1}}', '{"metadata":{"__proto__":{"polluted":1}}}'];

  it('refuses __proto__ and constructor.prototype bodies on every REST write route, and Object.prototype stays clean', async () => {
    for (const collection of ['projects', 'resources'] as const) {
      const target = `/api/${collection}/${TARGET[collection]}`;
      for (const [method, path] of [['POST', `/api/${collection}`], ['PATCH', target], ['POST', `${target}/restore`]] as const) {
        for (const body of POLLUTING_BODIES) {
          const before = await snapshotStore(fixture.store);
          const response = await fixture.app.request(path, { method, headers: { ...json, ...bearer(WRITE_TOKEN) }, body });
          await expectRefused(response, before);
        }
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses __proto__ inside a document or a patch for every write tool that takes one, and Object.prototype stays clean', async () => {
    const nestedTools = TOOL_SPECS.filter((spec) => spec.access === 'write' && Object.values(spec.args).some((arg) => arg.kind === 'document' || arg.kind === 'patch'));
    expect(nestedTools.map((tool) => tool.name).sort()).toEqual(['create_project', 'create_resource', 'update_project', 'update_resource']);
    for (const tool of nestedTools) {
      const nestedKey = Object.keys(tool.args).find((name) => ['document', 'patch'].includes((tool.args[name] as ArgKind).kind)) as string;
      for (const payload of ['"__proto__":{"polluted":1}', '"constructor":{"prototype":{"polluted":1}}']) {
        const args = JSON.stringify(tool.valid).replace(`"${nestedKey}":{`, `"${nestedKey}":{${payload},`);
        const before = await snapshotStore(fixture.store);
        const body = await readMcpAnswer(await send(mcpProbe(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${tool.name}","arguments":${args}}}`, tool.name)));
        expect(isRefusal(body), `${tool.name}: ${JSON.stringify(body).slice(0, 300)}`).toBe(true);
        await expectUnchanged(before);
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers every tool called with a top-level __proto__ argument below 500, and Object.prototype stays clean', async () => {
    for (const tool of TOOL_SPECS) {
      const args = `{"__proto__":{"polluted":1},${JSON.stringify(tool.valid).slice(1)}`.replace(',}', '}');
      await readMcpAnswer(await send(mcpProbe(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${tool.name}","arguments":${args}}}`, tool.name)));
      expect(({} as Record<string, unknown>).polluted, tool.name).toBeUndefined();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Deep nesting: a small body can be deep enough to overflow a recursive walk.
// ---------------------------------------------------------------------------------------------

describe('deeply nested bodies', () => {
  /** 30,000 levels of {"a":...}: about 180 KB, well under the 256 KB body limit. */
  const DEEP = `${'{"a":'.repeat(30_000)}1${'}'.repeat(30_000)}`;

  // A body nested ~10,000 levels deep is only ~60 KB, far under the body limit; it once overflowed
  // the stack of the prototype-key check and answered 500. It must be refused as bad input.
  const routes: [string, string, (collection: Collection) => string][] = [
    ['POST', '/api/:collection', (collection) => `/api/${collection}`],
    ['PATCH', '/api/:collection/:id', (collection) => `/api/${collection}/${TARGET[collection]}`],
    ['POST', '/api/:collection/:id/restore', (collection) => `/api/${collection}/${TARGET[collection]}/restore`],
  ];
  for (const collection of ['projects', 'resources'] as const) {
    for (const [method, pattern, pathOf] of routes) {
      const field = pattern.endsWith('restore') ? 'version' : 'title';
      it(`${method} ${pattern.replace(':collection', collection)} refuses a body nested 30,000 levels deep with a 4xx, not a 500`, async () => {
        const before = await snapshotStore(fixture.store);
        const response = await fixture.app.request(pathOf(collection), { method, headers: { ...json, ...bearer(WRITE_TOKEN) }, body: `{"${field}":${DEEP}}` });
        await expectRefused(response, before);
      });
    }
  }

  it('MCP refuses update_project changes nested 30,000 levels deep with a tool error, not a 500', async () => {
    const before = await snapshotStore(fixture.store);
    const args = `{"id":"${TARGET.projects}","expectedVersion":1,"changes":${DEEP}}`;
    const body = await readMcpAnswer(await send(mcpProbe(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"update_project","arguments":${args}}}`, 'deep changes')));
    expect(isRefusal(body)).toBe(true);
    await expectUnchanged(before);
  });
});
