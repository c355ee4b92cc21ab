import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ContentService } from '../../src/service/content-service.js';
import { JsonStore } from '../../src/store/json/json-store.js';
import { apiActor, projectInput } from '../fixtures/inputs.js';
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
