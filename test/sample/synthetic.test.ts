// The synthetic generator feeds scale tests and benchmarks, and the data/ files are what
// `npm start` serves out of the box; both are only useful if every document is valid.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checksumOf } from '../../src/domain/canonical.js';
import type { Collection, Doc } from '../../src/domain/collections.js';
import { projectSchema } from '../../src/domain/project.js';
import { resourceSchema } from '../../src/domain/resource.js';
import { SYNTHETIC_TAGS, syntheticDocs, syntheticProject, syntheticResource } from '../../src/sample/synthetic.js';

const SCHEMAS = { projects: projectSchema, resources: resourceSchema } as const;
const COLLECTIONS: Collection[] = ['projects', 'resources'];
const COUNT = 1000;
const bytesOf = (doc: unknown): number => Buffer.byteLength(JSON.stringify(doc));

describe.each(COLLECTIONS)('synthetic %s', (collection) => {
  const docs = syntheticDocs(collection, COUNT);
  const schema = SCHEMAS[collection];

  it('validates every document against the schema', () => {
    for (const doc of docs) {
      const result = schema.safeParse(doc);
      expect(result.success, `${doc.id}: ${result.error?.message ?? ''}`).toBe(true);
    }
  });

  // The stricter reading of "KB" on each side: at least 1.8 KiB and at most 2,400 bytes.
  it('keeps each document between 1.8 and 2.4 KB of JSON', () => {
    for (const doc of docs) {
      const size = bytesOf(doc);
      expect(size, doc.id).toBeGreaterThanOrEqual(1.8 * 1024);
      expect(size, doc.id).toBeLessThanOrEqual(2.4 * 1000);
    }
  });

  it('gives the same document for the same index', () => {
    const make = collection === 'projects' ? syntheticProject : syntheticResource;
    for (const index of [0, 1, 42, 999, 123_456]) {
      expect(JSON.stringify(make(index))).toBe(JSON.stringify(make(index)));
    }
    expect(syntheticDocs(collection, 10, { start: 500 })).toEqual(docs.slice(500, 510));
  });

  it('uses unique, zero-padded ids', () => {
    const ids = docs.map((doc) => doc.id);
    expect(new Set(ids).size).toBe(COUNT);
    expect(ids[123]).toBe(`${collection === 'projects' ? 'project' : 'resource'}-000123`);
  });

  it('gives distinct createdAt timestamps', () => {
    expect(new Set(docs.map((doc) => doc.metadata.createdAt)).size).toBe(COUNT);
    for (const doc of docs) expect(doc.metadata.updatedAt >= doc.metadata.createdAt).toBe(true);
  });

  it('has roughly 80% published, 15% draft, 5% archived and 10% featured', () => {
    const share = (predicate: (doc: Doc) => boolean): number => docs.filter(predicate).length / COUNT;
    expect(share((doc) => doc.metadata.status === 'published')).toBeCloseTo(0.8, 1);
    expect(share((doc) => doc.metadata.status === 'draft')).toBeCloseTo(0.15, 1);
    expect(share((doc) => doc.metadata.status === 'archived')).toBeCloseTo(0.05, 1);
    expect(share((doc) => doc.metadata.featured)).toBeCloseTo(0.1, 1);
  });

  it('draws tags from the shared vocabulary, each matching many documents', () => {
    const counts = new Map<string, number>();
    for (const doc of docs) for (const tag of doc.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...SYNTHETIC_TAGS].sort());
    for (const [tag, count] of counts) expect(count, tag).toBeGreaterThan(COUNT / 10);
  });

  it('carries version 1 and a checksum that matches checksumOf', () => {
    for (const doc of docs) {
      expect(doc.metadata.version).toBe(1);
      expect(doc.metadata.checksum).toBe(checksumOf(doc));
    }
  });
});

describe('synthetic options', () => {
  it('honours status, featured and now, and still checksums correctly', () => {
    const now = new Date('2030-06-01T12:00:00.000Z');
    const project = syntheticProject(7, { now, status: 'archived', featured: true });
    expect(project.metadata).toMatchObject({ status: 'archived', featured: true, createdAt: '2030-06-01T11:53:00.000Z' });
    expect(project.metadata.checksum).toBe(checksumOf(project));
    const resource = syntheticResource(7, { status: 'draft', featured: false });
    expect(resource.metadata).toMatchObject({ status: 'draft', featured: false });
    expect(resourceSchema.safeParse(resource).success).toBe(true);
  });

  it('rejects indices that cannot name a document', () => {
    expect(() => syntheticProject(-1)).toThrow(RangeError);
    expect(() => syntheticResource(1.5)).toThrow(RangeError);
  });
});

describe('sample content in data/', () => {
  const load = (collection: Collection): Array<Record<string, unknown> & { id: string; metadata: Record<string, unknown> }> =>
    JSON.parse(readFileSync(fileURLToPath(new URL(`../../data/${collection}.json`, import.meta.url)), 'utf8'));

  describe.each(COLLECTIONS)('%s.json', (collection) => {
    const docs = load(collection);

    it('holds at least 6 documents, with drafts and featured ones among them', () => {
      expect(docs.length).toBeGreaterThanOrEqual(6);
      expect(docs.some((doc) => doc.metadata.status === 'draft')).toBe(true);
      expect(docs.some((doc) => doc.metadata.featured === true)).toBe(true);
      expect(docs.some((doc) => doc.metadata.status === 'published')).toBe(true);
      expect(new Set(docs.map((doc) => doc.id)).size).toBe(docs.length);
    });

    it('is in the original format: no version or checksum yet', () => {
      for (const doc of docs) {
        expect(doc.metadata, doc.id).not.toHaveProperty('version');
        expect(doc.metadata, doc.id).not.toHaveProperty('checksum');
      }
    });

    it('validates once version and checksum are added', () => {
      for (const doc of docs) {
        const full = { ...doc, metadata: { ...doc.metadata, version: 1, checksum: '0'.repeat(64) } };
        const result = SCHEMAS[collection].safeParse(full);
        expect(result.success, `${doc.id}: ${result.error?.message ?? ''}`).toBe(true);
      }
    });
  });

  it('links projects only to resources that exist', () => {
    const resourceIds = new Set(load('resources').map((doc) => doc.id));
    let linked = 0;
    for (const project of load('projects')) {
      const url = (project.insight as { resourceLink?: { url: string } }).resourceLink?.url;
      if (url === undefined) continue;
      linked += 1;
      expect(resourceIds.has(url.replace(/^\/resources\//, '')), `${project.id} -> ${url}`).toBe(true);
    }
    expect(linked).toBeGreaterThan(0);
  });
});
