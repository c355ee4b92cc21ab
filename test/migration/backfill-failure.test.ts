/**
 * A backfill keeps two batches in flight. When the newer batch fails while the older one's
 * checkpoint is still being written, the run must end as `failed` with its checkpoint, never as
 * an unhandled rejection that takes the process (the server, for a backfill started from the
 * dashboard) down. The source is a real JSON store; the target and the state are stand-ins that
 * inject exactly that timing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/domain/errors.js';
import { backfill } from '../../src/migration/backfill.js';
import type { MigrationStateStore } from '../../src/migration/state-store.js';
import { syntheticDocs } from '../../src/sample/synthetic.js';
import type { ContentStore } from '../../src/store/port.js';
import { JsonStore } from '../../src/store/json/json-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it('ends as failed, with a checkpoint, when a batch fails while the previous checkpoint is still being written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'contentkv-backfill-failure-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'projects.json'), JSON.stringify(syntheticDocs('projects', 6)));
  writeFileSync(join(dir, 'resources.json'), '[]');
  const source = new JsonStore({ dir });
  await source.open();

  let puts = 0;
  const target = {
    async putIfNewer(_c: unknown, items: unknown[]) {
      puts += 1;
      if (puts === 1) return items.map(() => 'applied');
      throw new StoreUnavailableError('redis', 2, 'injected: Redis went away');
    },
  } as unknown as ContentStore;

  const written: Record<string, string | number>[] = [];
  let writes = 0;
  const state = {
    async getHash() {
      return {};
    },
    async setHash(_key: string, fields: Record<string, string | number>) {
      writes += 1;
      // The checkpoint after the first batch is slow: the second batch fails meanwhile.
      if (writes === 2) await new Promise((resolve) => setTimeout(resolve, 300));
      written.push(fields);
    },
  } as unknown as MigrationStateStore;

  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const result = await backfill({ collection: 'projects', source, target, state, batchSize: 2, retryAttempts: 0, restart: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled).toEqual([]);
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/injected/);
    expect(result.processed).toBe(2);
    expect(written.at(-1)).toMatchObject({ status: 'failed', processed: 2, copied: 2 });
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await source.close();
  }
});
