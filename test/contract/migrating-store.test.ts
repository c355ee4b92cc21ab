/**
 * The contract suite against the migrating store at every stage, and in `live` at 0, 50 and 100
 * percent of reads from Redis. Whatever the stage, the router must behave as one store.
 */
import { afterAll } from 'vitest';
import { STAGES, type Stage } from '../../src/migration/stages.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.js';
import { migratingStoreAt } from './migrating-fixture.js';
import { describeStoreContract } from './store-contract.js';

let server: RedisServerHandle | undefined;
afterAll(async () => {
  await server?.stop();
});

const settings: [Stage, number][] = [...STAGES.filter((stage) => stage !== 'live').map((stage): [Stage, number] => [stage, 100]), ['live', 0], ['live', 50], ['live', 100]];

for (const [stage, percent] of settings) {
  describeStoreContract(`migrating store at ${stage}${stage === 'live' ? ` (${percent}% of reads from Redis)` : ''}`, {
    async setup() {
      server ??= await startRedisServer();
    },
    create: () => migratingStoreAt((server as RedisServerHandle).url, stage, percent),
  });
}
