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

it('reports a listener that throws apart, and neither marks the read failed nor skips the next listener', async () => {
  const answering = {
    async readState() {
      return {
        collections: { projects: { stage: 'redis', readPercent: 100 }, resources: { stage: null, readPercent: 0 } },
        paused: false,
        fenceUntil: 0,
        epoch: 3,
        changedAt: null,
      };
    },
  } as unknown as MigrationStateStore;
  const reported: unknown[] = [];
  const view = new StageView({ state: answering, override: {}, defaultStage: 'json', onListenerError: (error) => reported.push(error) });
  const heard: number[] = [];
  view.onRefresh(() => {
    throw new Error('listener fault');
  });
  view.onRefresh((snapshot) => heard.push(snapshot.epoch));

  const snapshot = await view.refresh();

  expect(snapshot.error).toBeNull();
  expect(snapshot.collections.projects).toMatchObject({ stage: 'redis', source: 'redis' });
  expect(heard).toEqual([3]);
  expect(reported).toHaveLength(1);
  expect((reported[0] as Error).message).toBe('listener fault');
});
