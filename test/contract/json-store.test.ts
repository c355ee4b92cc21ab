import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ContentService } from '../../src/service/content-service.js';
import { JsonFiles } from '../../src/store/json/json-state.js';
import { JsonStore } from '../../src/store/json/json-store.js';
import { apiActor, projectInput, resourceInput } from '../fixtures/inputs.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('JSON files', {
  async create() {
    const dir = await mkdtemp(join(tmpdir(), 'ckv-json-'));
    return { store: new JsonStore({ dir }), cleanup: () => rm(dir, { recursive: true, force: true }) };
  },
});

it('keeps the newest operation ids when the bounded list is full, whatever they look like', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ckv-json-ops-'));
  try {
    const store = new JsonStore({ dir, opsLimit: 2 });
    await store.open();
    const service = new ContentService({ store });
    const keys = ['op-aaaaaaaa', 'op-bbbbbbbb', '12345678'];
    for (const [index, opId] of keys.entries()) await service.create('projects', projectInput({ id: `doc-${index}` }), apiActor, { opId });
    // An id of digits only is the newest: it is remembered, and the oldest is the one forgotten.
    expect((await service.create('projects', projectInput({ id: 'doc-2' }), apiActor, { opId: '12345678' })).duplicate).toBe(true);
    expect((await service.create('projects', projectInput({ id: 'doc-1' }), apiActor, { opId: 'op-bbbbbbbb' })).duplicate).toBe(true);
    await expect(service.create('projects', projectInput({ id: 'doc-0' }), apiActor, { opId: 'op-aaaaaaaa' })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('serves a file with unreadable entries but refuses to edit it, so saving cannot drop them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ckv-json-bad-'));
  try {
    const good = { ...projectInput({ id: 'good-one' }), metadata: { status: 'published', featured: false, createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z' } };
    const file = `${JSON.stringify([good, { title: 'no id here' }, good])}\n`;
    await writeFile(join(dir, 'projects.json'), file);
    await writeFile(join(dir, 'resources.json'), '[]\n');
    const store = new JsonStore({ dir });
    await store.open();
    expect((await store.get('projects', 'good-one'))?.title).toBe(projectInput().title);
    expect((await store.problems('projects')).map((problem) => problem.index)).toEqual([1, 2]);
    const service = new ContentService({ store });
    await expect(service.create('projects', projectInput({ id: 'new-one' }), apiActor)).rejects.toMatchObject({ code: 'READ_ONLY', message: expect.stringMatching(/projects\.json .*entry 1/) });
    expect(await readFile(join(dir, 'projects.json'), 'utf8')).toBe(file);
    // The other collection is fine and takes edits.
    expect((await service.create('resources', resourceInput({ id: 'a-resource' }), apiActor)).doc.id).toBe('a-resource');
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('reads a collection file once for the callers that ask at the same time, and again once it changes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ckv-json-once-'));
  try {
    const docs = (ids: string[]) => `${JSON.stringify(ids.map((id) => ({ ...projectInput({ id }), metadata: { status: 'published', featured: false, createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z' } })))}\n`;
    await writeFile(join(dir, 'projects.json'), docs(['first-one']));
    const files = new JsonFiles(dir);
    // The first use of a collection (after a rollback from `redis`, say) comes from many requests at once.
    const states = await Promise.all(Array.from({ length: 20 }, () => files.collection('projects')));
    for (const state of states) expect(state).toBe(states[0]);
    expect([...(states[0]?.byId.keys() ?? [])]).toEqual(['first-one']);

    await writeFile(join(dir, 'projects.json'), docs(['first-one', 'second-one']));
    const changed = await Promise.all([files.collection('projects'), files.collection('projects')]);
    expect(changed[0]).toBe(changed[1]);
    expect([...(changed[0]?.byId.keys() ?? [])].sort()).toEqual(['first-one', 'second-one']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
