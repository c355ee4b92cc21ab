/**
 * The contract every ContentStore keeps, as one suite run against every adapter and transport
 * (JSON files, Redis over TCP, over REST through the Upstash bridge, on Cluster, and the
 * migrating store at each stage). A store's own test file only says how to make one.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checksumOf } from '../../src/domain/canonical.js';
import type { Doc } from '../../src/domain/collections.js';
import { ContentKvError } from '../../src/domain/errors.js';
import { ContentService } from '../../src/service/content-service.js';
import type { ContentStore } from '../../src/store/port.js';
import { apiActor, mcpActor, projectInput, resourceInput, steppingClock } from '../fixtures/inputs.js';

export interface StoreFixture {
  store: ContentStore;
  /** Removes everything this fixture created. */
  cleanup(): Promise<void>;
}

export interface ContractOptions {
  /** A fresh, empty store for each test. */
  create(): Promise<StoreFixture>;
  /** Anything shared by all tests (a redis-server), started once. */
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
}

const editor = { canSeeUnpublished: true };
const anonymous = { canSeeUnpublished: false };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ContentKvError) return error.code;
    throw error;
  }
  return 'NO_ERROR';
}

export function describeStoreContract(name: string, options: ContractOptions): void {
  describe(`ContentStore contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: ContentStore;
    let service: ContentService;

    beforeAll(async () => {
      await options.setup?.();
    });
    afterAll(async () => {
      await options.teardown?.();
    });
    beforeEach(async () => {
      fixture = await options.create();
      store = fixture.store;
      await store.open();
      service = new ContentService({ store, now: steppingClock() });
      return async () => {
        await fixture.cleanup();
      };
    });

    it('returns null for a document that does not exist', async () => {
      expect(await store.get('projects', 'nothing-here')).toBeNull();
      expect(await store.head('projects', 'nothing-here')).toEqual({ doc: null, version: 0 });
    });

    it('creates a document at version 1 with a checksum of its canonical form', async () => {
      const { doc } = await service.create('projects', projectInput({ id: 'alpha' }), apiActor);
      const stored = (await store.get('projects', 'alpha')) as Doc;
      expect(stored).toEqual(doc);
      expect(stored.metadata.version).toBe(1);
      expect(stored.metadata.checksum).toBe(checksumOf(stored));
      expect(stored.metadata.status).toBe('draft');
    });

    it('refuses to create an id that exists, leaving the document unchanged', async () => {
      await service.create('projects', projectInput({ id: 'alpha' }), apiActor);
      const before = await store.get('projects', 'alpha');
      expect(await codeOf(service.create('projects', projectInput({ id: 'alpha', title: 'Other' }), apiActor))).toBe('ALREADY_EXISTS');
      expect(await store.get('projects', 'alpha')).toEqual(before);
    });

    it('derives a free id from the title when none is given', async () => {
      const first = await service.create('resources', resourceInput({ title: 'Lead Magnet: Checklist!' }), apiActor);
      const second = await service.create('resources', resourceInput({ title: 'Lead Magnet: Checklist!' }), apiActor);
      expect(first.doc?.id).toBe('lead-magnet-checklist');
      expect(second.doc?.id).toBe('lead-magnet-checklist-2');
    });

    it('applies a partial update as a deep merge and bumps the version', async () => {
      await service.create('projects', projectInput({ id: 'alpha' }), apiActor);
      const { doc } = await service.update('projects', 'alpha', { client: { size: '40 people' }, tags: ['AI'] }, mcpActor, { expectedVersion: 1 });
      expect(doc?.metadata.version).toBe(2);
      const stored = (await store.get('projects', 'alpha')) as Doc & { client: Record<string, string> };
      expect(stored.client).toEqual({ type: 'E-commerce', size: '40 people', objective: 'Answer customers faster' });
      expect(stored.tags).toEqual(['AI']);
      expect(stored.metadata.checksum).toBe(checksumOf(stored));
    });

    it('rejects an update at a stale version with VERSION_CONFLICT and the current version', async () => {
      await service.create('projects', projectInput({ id: 'alpha' }), apiActor);
      await service.update('projects', 'alpha', { title: 'Second' }, apiActor, { expectedVersion: 1 });
      const before = await store.get('projects', 'alpha');
      const error = await service.update('projects', 'alpha', { title: 'Third' }, apiActor, { expectedVersion: 1 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'VERSION_CONFLICT', currentVersion: 2 });
      expect(await store.get('projects', 'alpha')).toEqual(before);
    });

    it('rejects a commit whose base version moved, even with an idempotency key', async () => {
      await service.create('projects', projectInput({ id: 'alpha' }), apiActor);
      await service.update('projects', 'alpha', { title: 'Second' }, apiActor);
      expect(await codeOf(service.update('projects', 'alpha', { title: 'Third' }, apiActor, { expectedVersion: 1, opId: 'op-stale-0001' }))).toBe('VERSION_CONFLICT');
    });

    it('answers NOT_FOUND for updating or deleting a missing document', async () => {
      expect(await codeOf(service.update('projects', 'ghost', { title: 'x' }, apiActor))).toBe('NOT_FOUND');
      expect(await codeOf(service.delete('projects', 'ghost', apiActor))).toBe('NOT_FOUND');
    });

    it('rejects invalid content with VALIDATION_FAILED and changes nothing', async () => {
      await service.create('projects', projectInput({ id: 'alpha' }), apiActor);
      const before = await store.get('projects', 'alpha');
      expect(await codeOf(service.update('projects', 'alpha', { title: '' }, apiActor))).toBe('VALIDATION_FAILED');
      expect(await codeOf(service.update('projects', 'alpha', { unknownField: 1 }, apiActor))).toBe('VALIDATION_FAILED');
      expect(await codeOf(service.update('projects', 'alpha', JSON.parse('{"__proto__":{"polluted":1}}'), apiActor))).toBe('VALIDATION_FAILED');
      expect(await codeOf(service.update('projects', 'alpha', { metadata: { version: 99 } }, apiActor))).toBe('VALIDATION_FAILED');
      expect(await codeOf(service.create('projects', projectInput({ id: 'Bad Id!' }), apiActor))).toBe('VALIDATION_FAILED');
      expect(await codeOf(service.create('projects', projectInput({ description: 'x'.repeat(200_000) }), apiActor))).toBe('VALIDATION_FAILED');
      expect(await store.get('projects', 'alpha')).toEqual(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('keeps the replaced version in history with who changed what', async () => {
      await service.create('projects', projectInput({ id: 'alpha', title: 'One' }), apiActor);
      await service.update('projects', 'alpha', { title: 'Two' }, mcpActor, { expectedVersion: 1 });
      const [entry] = await service.history('projects', 'alpha');
      expect(entry?.version).toBe(1);
      expect(entry?.document.title).toBe('One');
      expect(entry?.replacedBy).toMatchObject({ version: 2, action: 'update', source: 'mcp', clientId: 'assistant' });
      expect(entry?.replacedBy.changes).toEqual([{ field: 'title', oldValue: 'One', newValue: 'Two' }]);
    });

    it('records the real field-level diff in the audit log', async () => {
      await service.create('projects', projectInput({ id: 'alpha', title: 'One' }), apiActor);
      await service.update('projects', 'alpha', { title: 'Two', solution: { tools: ['Make'] } }, mcpActor);
      const page = await service.audit({ entityId: 'alpha', limit: 10 });
      expect(page.items.map((entry) => entry.action)).toEqual(['update', 'create']);
      const [update] = page.items;
      expect(update?.source).toBe('mcp');
      expect(update?.metadata.clientId).toBe('assistant');
      expect(update?.metadata.version).toBe(2);
      expect(update?.changes).toEqual([
        { field: 'solution.tools', oldValue: ['OpenAI', 'n8n'], newValue: ['Make'] },
        { field: 'title', oldValue: 'One', newValue: 'Two' },
      ]);
    });

    it('restores a previous version as a new version (undo)', async () => {
      await service.create('projects', projectInput({ id: 'alpha', title: 'One' }), apiActor);
      await service.update('projects', 'alpha', { title: 'Two' }, mcpActor);
      const { doc } = await service.restore('projects', 'alpha', 1, apiActor);
      expect(doc?.title).toBe('One');
      expect(doc?.metadata.version).toBe(3);
      const [latest] = (await service.audit({ entityId: 'alpha', limit: 1 })).items;
      expect(latest?.metadata.restoredFrom).toBe(1);
    });

    it('deletes with a tombstone: versions keep counting, and a delete can be undone', async () => {
      await service.create('projects', projectInput({ id: 'alpha' }), apiActor);
      await service.delete('projects', 'alpha', apiActor, { expectedVersion: 1 });
      expect(await store.get('projects', 'alpha')).toBeNull();
      expect((await store.head('projects', 'alpha')).version).toBe(2);
      const { doc } = await service.restore('projects', 'alpha', 1, apiActor);
      expect(doc?.metadata.version).toBe(3);
      expect((await store.get('projects', 'alpha'))?.title).toBe(doc?.title);
    });

    it('applies a retried write with the same idempotency key only once', async () => {
      const first = await service.create('projects', projectInput({ id: 'alpha' }), apiActor, { opId: 'retry-key-0001' });
      const again = await service.create('projects', projectInput({ id: 'alpha' }), apiActor, { opId: 'retry-key-0001' });
      expect(first.duplicate).toBe(false);
      expect(again.duplicate).toBe(true);
      expect(again.version).toBe(1);
      await service.update('projects', 'alpha', { title: 'Two' }, apiActor, { expectedVersion: 1, opId: 'retry-key-0002' });
      const replay = await service.update('projects', 'alpha', { title: 'Two' }, apiActor, { expectedVersion: 1, opId: 'retry-key-0002' });
      expect(replay).toMatchObject({ duplicate: true, version: 2 });
      expect((await service.audit({ entityId: 'alpha', limit: 10 })).items).toHaveLength(2);
    });

    it('refuses an idempotency key reused for a write to another document, and writes nothing', async () => {
      await service.create('projects', projectInput({ id: 'alpha' }), apiActor, { opId: 'reused-key-0001' });
      await service.create('projects', projectInput({ id: 'gamma' }), apiActor);
      const error = await service.create('projects', projectInput({ id: 'beta' }), apiActor, { opId: 'reused-key-0001' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('already used for a write to projects/alpha'), details: { usedFor: 'projects/alpha' } });
      expect(await store.get('projects', 'beta')).toBeNull();
      // The same id in the other collection is another document; another kind of write to another one as well.
      expect(await codeOf(service.create('resources', resourceInput({ id: 'alpha' }), apiActor, { opId: 'reused-key-0001' }))).toBe('VALIDATION_FAILED');
      expect(await store.get('resources', 'alpha')).toBeNull();
      expect(await codeOf(service.update('projects', 'gamma', { title: 'Changed' }, apiActor, { opId: 'reused-key-0001' }))).toBe('VALIDATION_FAILED');
      expect(await codeOf(service.delete('projects', 'gamma', apiActor, { opId: 'reused-key-0001' }))).toBe('VALIDATION_FAILED');
      expect((await store.get('projects', 'gamma'))?.metadata.version).toBe(1);
      expect((await service.audit({ limit: 10 })).items.map((entry) => entry.entityId)).toEqual(['gamma', 'alpha']);
      // For the document it was used for, it is still a retry.
      expect(await service.create('projects', projectInput({ id: 'alpha' }), apiActor, { opId: 'reused-key-0001' })).toMatchObject({ duplicate: true, version: 1 });
    });

    it('answers a retried create that named no id with the document the first attempt created', async () => {
      const first = await service.create('resources', resourceInput({ title: 'Starter Kit' }), apiActor, { opId: 'derived-key-0001' });
      expect(first.doc.id).toBe('starter-kit');
      // The retry finds the slug taken (by the first attempt) and derives the next free one.
      const again = await service.create('resources', resourceInput({ title: 'Starter Kit' }), apiActor, { opId: 'derived-key-0001' });
      expect(again).toMatchObject({ duplicate: true, version: 1, doc: { id: 'starter-kit' } });
      expect(await store.get('resources', 'starter-kit-2')).toBeNull();
      // The same key with another title is another write.
      expect(await codeOf(service.create('resources', resourceInput({ title: 'Another Kit' }), apiActor, { opId: 'derived-key-0001' }))).toBe('VALIDATION_FAILED');
      expect(await store.get('resources', 'another-kit')).toBeNull();
    });

    it('does not write when an update changes nothing', async () => {
      await service.create('projects', projectInput({ id: 'alpha', title: 'One' }), apiActor);
      const { doc } = await service.update('projects', 'alpha', { title: 'One' }, apiActor);
      expect(doc?.metadata.version).toBe(1);
      expect((await service.audit({ entityId: 'alpha', limit: 10 })).items).toHaveLength(1);
    });

    describe('lists', () => {
      beforeEach(async () => {
        const specs: [string, string, boolean, string[]][] = [
          ['p1', 'published', true, ['AI', 'RAG']],
          ['p2', 'published', false, ['AI']],
          ['p3', 'draft', true, ['Automation']],
          ['p4', 'published', true, ['Automation', 'AI']],
          ['p5', 'archived', false, ['AI']],
          ['p6', 'published', false, ['Sales']],
          ['p7', 'draft', false, ['AI']],
        ];
        for (const [id, status, featured, tags] of specs) {
          await service.create('projects', projectInput({ id, tags, metadata: { status, featured } }), apiActor);
        }
      });

      async function all(query: Record<string, unknown>, limit: number) {
        const ids: string[] = [];
        let cursor: string | null = null;
        let total: number | null = null;
        for (let pages = 0; pages < 20; pages += 1) {
          const page = await service.list('projects', { ...query, limit, cursor }, editor);
          ids.push(...page.items.map((doc) => doc.id));
          total ??= page.total;
          cursor = page.nextCursor;
          if (!cursor) break;
        }
        return { ids, total };
      }

      it('lists newest first with the total', async () => {
        const page = await service.list('projects', { limit: 20 }, editor);
        expect(page.items.map((doc) => doc.id)).toEqual(['p7', 'p6', 'p5', 'p4', 'p3', 'p2', 'p1']);
        expect(page.total).toBe(7);
        expect(page.nextCursor).toBeNull();
      });

      it('shows anonymous callers published documents only', async () => {
        const page = await service.list('projects', {}, anonymous);
        expect(page.items.map((doc) => doc.id)).toEqual(['p6', 'p4', 'p2', 'p1']);
        expect(await codeOf(service.list('projects', { status: 'draft' }, anonymous))).toBe('UNAUTHORIZED');
        expect(await codeOf(service.get('projects', 'p3', anonymous))).toBe('NOT_FOUND');
        expect((await service.get('projects', 'p3', editor)).id).toBe('p3');
      });

      it('pages through every match exactly once with a cursor', async () => {
        for (const limit of [1, 2, 3]) {
          expect(await all({}, limit)).toEqual({ ids: ['p7', 'p6', 'p5', 'p4', 'p3', 'p2', 'p1'], total: 7 });
          expect((await all({ status: 'published' }, limit)).ids).toEqual(['p6', 'p4', 'p2', 'p1']);
        }
      });

      it('filters by status, featured and tag, alone and together', async () => {
        expect(await all({ status: 'draft' }, 2)).toEqual({ ids: ['p7', 'p3'], total: 2 });
        expect(await all({ status: 'published', featured: true }, 1)).toEqual({ ids: ['p4', 'p1'], total: 2 });
        expect(await all({ featured: true }, 2)).toEqual({ ids: ['p4', 'p3', 'p1'], total: 3 });
        expect(await all({ status: 'published', tag: 'ai' }, 2)).toEqual({ ids: ['p4', 'p2', 'p1'], total: 3 });
        expect((await all({ tag: 'AI' }, 2)).ids).toEqual(['p7', 'p5', 'p4', 'p2', 'p1']);
        expect((await all({ status: 'published', tag: 'AI', featured: true }, 1)).ids).toEqual(['p4', 'p1']);
        expect((await all({ status: 'any', featured: false }, 2)).ids).toEqual(['p7', 'p6', 'p5', 'p2']);
        expect((await all({ tag: 'nothing' }, 2)).ids).toEqual([]);
      });

      it('keeps indexes in step with updates and deletes', async () => {
        await service.update('projects', 'p2', { tags: ['Sales'], metadata: { featured: true } }, apiActor);
        await service.setStatus('projects', 'p7', 'published', apiActor);
        await service.delete('projects', 'p6', apiActor);
        expect((await all({ status: 'published', tag: 'AI' }, 5)).ids).toEqual(['p7', 'p4', 'p1']);
        expect((await all({ status: 'published', tag: 'sales' }, 5)).ids).toEqual(['p2']);
        expect((await all({ status: 'published', featured: true }, 5)).ids).toEqual(['p4', 'p2', 'p1']);
        expect((await all({}, 5)).total).toBe(6);
      });

      it('serves the same content as JSON text, with a revision that moves on every write', async () => {
        const query = { status: 'published' as const, limit: 2 };
        const [page, raw] = [await store.list('projects', query), await store.listRaw('projects', query)];
        expect(JSON.parse(raw.itemsJson)).toEqual(page.items);
        expect({ total: raw.total, nextCursor: raw.nextCursor }).toEqual({ total: page.total, nextCursor: page.nextCursor });
        const next = await store.listRaw('projects', { ...query, cursor: raw.nextCursor });
        expect((JSON.parse(next.itemsJson) as Doc[]).map((doc) => doc.id)).toEqual((await store.list('projects', { ...query, cursor: page.nextCursor })).items.map((doc) => doc.id));
        const doc = (await store.get('projects', 'p4')) as Doc;
        const rawDoc = await store.getRaw('projects', 'p4');
        expect(rawDoc && JSON.parse(rawDoc.json)).toEqual(doc);
        expect(rawDoc).toMatchObject({ status: 'published', version: 1, checksum: doc.metadata.checksum });
        expect(await store.getRaw('projects', 'nothing')).toBeNull();
        await service.update('projects', 'p6', { title: 'Moved on' }, apiActor);
        expect((await store.listRaw('projects', query)).revision).not.toBe(raw.revision);
      });

      it('rejects a forged cursor and an out-of-range limit', async () => {
        expect(await codeOf(service.list('projects', { cursor: 'not-a-cursor' }, editor))).toBe('VALIDATION_FAILED');
        expect(await codeOf(service.list('projects', { limit: 101 }, editor))).toBe('VALIDATION_FAILED');
        expect(await codeOf(service.list('projects', { limit: 0 }, editor))).toBe('VALIDATION_FAILED');
      });

      it('lists every id, version and checksum in the manifest', async () => {
        const entries = [];
        let cursor: string | null = null;
        do {
          const page = await store.manifest('projects', cursor, 3);
          entries.push(...page.entries);
          cursor = page.cursor;
        } while (cursor);
        expect(entries.map((entry) => entry.id).sort()).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']);
        const p1 = (await store.get('projects', 'p1')) as Doc;
        expect(entries.find((entry) => entry.id === 'p1')).toEqual({ id: 'p1', version: 1, checksum: p1.metadata.checksum });
      });
    });

    describe('conditional replica writes (migration)', () => {
      it('writes only where the document is absent or older', async () => {
        const { doc } = await service.create('projects', projectInput({ id: 'alpha', title: 'One' }), apiActor);
        const v1 = doc as Doc;
        const v2 = { ...v1, title: 'Two', metadata: { ...v1.metadata, version: 2 } };
        const v2c = { ...v2, metadata: { ...v2.metadata, checksum: checksumOf(v2) } } as Doc;
        const fresh = { ...v1, id: 'beta' } as Doc;
        expect(await store.putIfNewer('projects', [{ id: 'alpha', doc: v2c }, { id: 'beta', doc: fresh }, { id: 'alpha', doc: v1 }])).toEqual(['applied', 'applied', 'skipped']);
        expect((await store.get('projects', 'alpha'))?.title).toBe('Two');
        expect((await store.get('projects', 'beta'))?.id).toBe('beta');
        const list = await service.list('projects', { limit: 10 }, editor);
        expect(list.items.map((d) => d.id).sort()).toEqual(['alpha', 'beta']);
      });

      it('replaces a divergent copy at the same version only when asked, never an older one', async () => {
        const { doc } = await service.create('projects', projectInput({ id: 'alpha', title: 'One' }), apiActor);
        const divergent = { ...(doc as Doc), title: 'Divergent' } as Doc;
        expect(await store.putIfNewer('projects', [{ id: 'alpha', doc: divergent }])).toEqual(['skipped']);
        expect(await store.putIfNewer('projects', [{ id: 'alpha', doc: divergent }], { replaceEqual: true })).toEqual(['applied']);
        expect((await store.get('projects', 'alpha'))?.title).toBe('Divergent');
      });

      it('applies a deletion only over older versions, and never resurrects a deleted document', async () => {
        const { doc } = await service.create('projects', projectInput({ id: 'alpha' }), apiActor);
        await service.delete('projects', 'alpha', apiActor);
        expect(await store.putIfNewer('projects', [{ id: 'alpha', doc: doc as Doc }])).toEqual(['skipped']);
        expect(await store.get('projects', 'alpha')).toBeNull();
        await service.create('projects', projectInput({ id: 'gamma' }), apiActor);
        expect(await store.putIfNewer('projects', [{ id: 'gamma', deletedVersion: 2 }])).toEqual(['applied']);
        expect(await store.get('projects', 'gamma')).toBeNull();
        expect((await store.head('projects', 'gamma')).version).toBe(2);
      });
    });

    describe('audit', () => {
      it('filters by entity type, source and time, and pages without gaps', async () => {
        for (let index = 0; index < 5; index += 1) {
          await service.create('projects', projectInput({ id: `p${index}` }), index % 2 === 0 ? apiActor : mcpActor);
          await service.create('resources', resourceInput({ id: `r${index}` }), apiActor);
        }
        const mcp = await service.audit({ source: 'mcp', limit: 10 });
        expect(mcp.items.map((entry) => entry.entityId)).toEqual(['p3', 'p1']);
        const resources = await service.audit({ entityType: 'resource', limit: 10 });
        expect(resources.items).toHaveLength(5);
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page = await service.audit({ limit: 3, cursor });
          seen.push(...page.items.map((entry) => entry.entityId));
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen).toEqual(['r4', 'p4', 'r3', 'p3', 'r2', 'p2', 'r1', 'p1', 'r0', 'p0']);
        const since = (await service.audit({ entityId: 'p3', limit: 1 })).items[0]?.timestamp as string;
        expect((await service.audit({ since, limit: 20 })).items.map((entry) => entry.entityId)).toEqual(['r4', 'p4', 'r3', 'p3']);
        expect((await service.audit({ until: since, limit: 2 })).items.map((entry) => entry.entityId)).toEqual(['p3', 'r2']);
      });

      it('counts writes by action, source and entity type', async () => {
        await service.create('projects', projectInput({ id: 'alpha' }), apiActor);
        await service.update('projects', 'alpha', { title: 'Two' }, mcpActor);
        await service.delete('projects', 'alpha', mcpActor);
        await store.appendAudit({
          id: 'migration-1', timestamp: new Date().toISOString(), action: 'update', entityType: 'migration', entityId: 'projects', source: 'admin', changes: [], metadata: { forced: true },
        });
        const stats = await service.auditStats();
        expect(stats.total).toBe(4);
        expect(stats.byAction).toMatchObject({ create: 1, update: 2, delete: 1 });
        expect(stats.bySource).toMatchObject({ api: 1, mcp: 2, admin: 1 });
        expect(stats.byEntityType).toMatchObject({ project: 3, migration: 1 });
        expect(stats.lastActivity).not.toBeNull();
      });
    });

    it('answers a ping', async () => {
      const ms = await store.ping();
      expect(Number.isFinite(ms)).toBe(true);
      expect(ms).toBeGreaterThanOrEqual(0);
    });
  });
}
