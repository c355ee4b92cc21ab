/**
 * A backfill keeps Redis busy: the next batch is sent while the previous one is applied, and
 * neither a checkpoint's write nor the pause flag's read holds it back, though both travel the
 * same connection behind the batches. And its checkpoints' counts match their cursor. The source
 * is a real JSON store; the target and state are stand-ins that share one first-in-first-out
 * queue, as a Redis connection does, and record how many batches were still unapplied whenever
 * a batch was sent.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/domain/errors.js';
import { backfill } from '../../src/migration/backfill.js';
import type { MigrationStateStore } from '../../src/migration/state-store.js';
import { syntheticDocs } from '../../src/sample/synthetic.js';
import type { ContentStore, ReplicaItem } from '../../src/store/port.js';
import { JsonStore } from '../../src/store/json/json-store.js';

const dirs: string[] = [];
const sources: JsonStore[] = [];
afterEach(async () => {
  for (const source of sources.splice(0)) await source.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function sourceOf(count: number): Promise<JsonStore> {
  const dir = mkdtempSync(join(tmpdir(), 'contentkv-backfill-pipeline-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'projects.json'), JSON.stringify(syntheticDocs('projects', count)));
  writeFileSync(join(dir, 'resources.json'), '[]');
  const source = new JsonStore({ dir });
  await source.open();
  sources.push(source);
  return source;
}

/**
 * One connection: operations run one at a time, in the order sent. A batch is applied only once
 * the next batch has been sent, as when Redis is slower than the client, or after a second if
 * none comes (the last batch, or a loop that waits for this one before sending the next). Other
 * operations are quick. No outcome depends on how fast the machine runs: only a loop that holds
 * the next batch back meets the one-second fallback.
 */
function connection() {
  let tail: Promise<unknown> = Promise.resolve();
  const gates: (() => void)[] = [];
  const turn = <T>(ready: Promise<unknown>, work: () => T): Promise<T> => {
    const done = tail.then(() => ready).then(work);
    tail = done.catch(() => undefined);
    return done;
  };
  return {
    run: <T>(work: () => T) => turn(Promise.resolve(), work),
    batch<T>(work: () => T): Promise<T> {
      for (const open of gates.splice(0)) open();
      const gate = new Promise<void>((resolve) => {
        gates.push(resolve);
        setTimeout(resolve, 1_000);
      });
      return turn(gate, work);
    },
  };
}

/**
 * `pauseAfterCopies`: the flag is set once that many documents were applied (0: set from the start).
 * `failBatch`: that batch (1-based) is refused as if Redis went away.
 */
function standIns(pauseAfterCopies = Infinity, failBatch = 0) {
  const redis = connection();
  const copied = new Map<string, number>();
  /** Batches sent and not yet applied, counted when each batch was sent. */
  const unappliedAtSend: number[] = [];
  let unapplied = 0;
  let sent = 0;
  let pausedFlag = pauseAfterCopies === 0;
  /** Batches sent after the pause flag was set. */
  let sentAfterPause = 0;
  const target = {
    putIfNewer(_c: unknown, items: ReplicaItem[]) {
      unappliedAtSend.push(unapplied);
      unapplied += 1;
      sent += 1;
      const number = sent;
      if (pausedFlag) sentAfterPause += 1;
      return redis.batch(() => {
        unapplied -= 1;
        if (number === failBatch) throw new StoreUnavailableError('redis', 1, 'injected: Redis went away');
        const outcomes = items.map((item) => {
          const version = 'doc' in item ? item.doc.metadata.version : 0;
          if ((copied.get(item.id) ?? 0) >= version) return 'skipped';
          copied.set(item.id, version);
          return 'applied';
        });
        if (copied.size >= pauseAfterCopies) pausedFlag = true;
        return outcomes;
      });
    },
  } as unknown as ContentStore;
  const hashes = new Map<string, Record<string, string | number>>();
  const state = {
    getHash: (key: string) => redis.run(() => ({ ...(hashes.get(key) ?? {}) })),
    setHash: (key: string, fields: Record<string, string | number>) => redis.run(() => void hashes.set(key, fields)),
  } as unknown as MigrationStateStore;
  const shouldPause = () => redis.run(() => pausedFlag);
  return { target, state, shouldPause, copied, unappliedAtSend, hashes, sentAfterPause: () => sentAfterPause };
}

it('sends each batch while the one before is still being applied, checkpoints and pause reads in between', async () => {
  const source = await sourceOf(12);
  const stand = standIns();
  const result = await backfill({ collection: 'projects', source, target: stand.target, state: stand.state, shouldPause: stand.shouldPause, batchSize: 2, restart: true });
  expect(result).toMatchObject({ status: 'done', processed: 12, counts: { copied: 12, skipped: 0, failed: 0 } });
  expect(stand.copied.size).toBe(12);
  // Each batch after the first must be sent while the one before is still unapplied. Had the loop
  // waited for a checkpoint or a pause read, which queue behind the batch before, that batch would
  // have been applied first, and Redis would wait while the next is encoded.
  expect(stand.unappliedAtSend).toEqual([0, 1, 1, 1, 1, 1]);
  expect(stand.hashes.get('backfill:projects')).toMatchObject({ status: 'done', processed: 12, copied: 12 });
});

it('pauses within two batches of the flag being set, with a checkpoint that a second run resumes from', async () => {
  const source = await sourceOf(40);
  const stand = standIns(6);
  const paused = await backfill({ collection: 'projects', source, target: stand.target, state: stand.state, shouldPause: stand.shouldPause, batchSize: 2, restart: true });
  expect(paused.status).toBe('paused');
  expect(stand.sentAfterPause()).toBeLessThanOrEqual(2);
  expect(paused.processed).toBeGreaterThanOrEqual(6);
  const saved = stand.hashes.get('backfill:projects');
  expect(saved).toMatchObject({ status: 'paused', processed: paused.processed });
  // Everything the checkpoint counts as processed was copied; what was sent after it may have been too.
  expect(stand.copied.size).toBeGreaterThanOrEqual(paused.processed);

  const resumed = await backfill({ collection: 'projects', source, target: stand.target, state: stand.state, batchSize: 2 });
  expect(resumed).toMatchObject({ status: 'done', processed: 40 });
  expect(stand.copied.size).toBe(40);
  expect(Number(resumed.counts.copied) + Number(resumed.counts.skipped)).toBe(40);
});

it('sends nothing when the job is paused before it starts', async () => {
  const source = await sourceOf(6);
  const stand = standIns(0);
  const result = await backfill({ collection: 'projects', source, target: stand.target, state: stand.state, shouldPause: stand.shouldPause, batchSize: 2, restart: true });
  expect(result).toMatchObject({ status: 'paused', processed: 0 });
  expect(stand.unappliedAtSend).toEqual([]);
});

it('leaves a finished backfill\'s record alone when run again while paused', async () => {
  // The guard of `advance shadow` reads this record: a paused second run that overwrote it with
  // 'paused at 0' made the operator copy everything again.
  const source = await sourceOf(6);
  const stand = standIns();
  const done = await backfill({ collection: 'projects', source, target: stand.target, state: stand.state, batchSize: 2 });
  expect(done.status).toBe('done');
  const before = stand.hashes.get('backfill:projects');
  const again = await backfill({ collection: 'projects', source, target: stand.target, state: stand.state, shouldPause: () => Promise.resolve(true), batchSize: 2 });
  expect(again.status).toBe('paused');
  expect(stand.hashes.get('backfill:projects')).toEqual(before);
  expect(before).toMatchObject({ status: 'done', processed: 6 });
});

it('records counts that match its cursor when a batch fails while the next one lands', async () => {
  const source = await sourceOf(12);
  const stand = standIns(Infinity, 3);
  const result = await backfill({ collection: 'projects', source, target: stand.target, state: stand.state, shouldPause: stand.shouldPause, batchSize: 2, retryAttempts: 0, restart: true });
  expect(result).toMatchObject({ status: 'failed', error: expect.stringMatching(/injected/) });
  // Batch 4 was in flight behind the failed batch 3 and applied; the checkpoint still counts only
  // the batches before its cursor, so a resumed run's counts add up to the documents.
  expect(stand.copied.size).toBe(6);
  const saved = stand.hashes.get('backfill:projects');
  expect(saved).toMatchObject({ status: 'failed', processed: 4, copied: 4, skipped: 0, failed: 0 });
  const resumed = await backfill({ collection: 'projects', source, target: stand.target, state: stand.state, batchSize: 2 });
  expect(resumed).toMatchObject({ status: 'done', processed: 12 });
  expect(Number(resumed.counts.copied) + Number(resumed.counts.skipped)).toBe(12);
});
