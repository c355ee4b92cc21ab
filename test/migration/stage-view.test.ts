/** The stage each instance follows: a collection pinned by CONTENTKV_STAGE needs no answer from Redis. */
import { expect, it } from 'vitest';
import { StageView } from '../../src/migration/stage-view.js';
import type { MigrationStateStore } from '../../src/migration/state-store.js';
import { StoreUnavailableError } from '../../src/domain/errors.js';

it('lets writes to a pinned collection through while Redis is down, and holds the others', async () => {
  const redisDown = {
    async readState() {
      throw new StoreUnavailableError('redis', 2, 'Redis cannot be reached');
    },
  } as unknown as MigrationStateStore;
  const view = new StageView({ state: redisDown, override: { projects: { stage: 'dual-write', readPercent: 0 } }, defaultStage: 'json' });
  await expect(view.forWrite('projects')).resolves.toMatchObject({ stage: 'dual-write', source: 'override' });
  await expect(view.forWrite('resources')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
});
