import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonStore } from '../../src/store/json/json-store.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('JSON files', {
  async create() {
    const dir = await mkdtemp(join(tmpdir(), 'ckv-json-'));
    return { store: new JsonStore({ dir }), cleanup: () => rm(dir, { recursive: true, force: true }) };
  },
});
