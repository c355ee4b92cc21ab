/**
 * A process killed in the middle of a JSON commit (SIGKILL, between the files a commit writes)
 * leaves nothing half done once the files are opened again: every document saved has the
 * idempotency record, the audit entry and the history entry of the write that saved it.
 */
import { spawn } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import type { AuditEntry } from '../../src/domain/audit.js';
import type { Doc } from '../../src/domain/collections.js';
import { ContentService } from '../../src/service/content-service.js';
import type { MetaFile } from '../../src/store/json/json-state.js';
import { CommitJournal } from '../../src/store/json/journal.js';
import { JsonStore } from '../../src/store/json/json-store.js';
import { apiActor, projectInput, resourceInput } from '../fixtures/inputs.js';
import { until } from '../support/until.js';

const ROUNDS = 12;

/** Starts the writer, lets it commit for a moment after its first create, and SIGKILLs it. */
async function killMidway(dir: string, prefix: string, afterMs: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/store/processes/json-crash-writer.ts', dir, prefix], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    await until(() => out.length > 0, 'the writer to commit', { timeoutMs: 20_000, intervalMs: 2, detail: () => err });
    await sleep(afterMs);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  // The writer is dead; break its lock as the stale rule would after 10 s.
  await rm(join(dir, '.contentkv.lock'), { recursive: true, force: true });
}

/** Whether the files hold a document whose write has no idempotency record yet: a commit cut off halfway. */
async function savedWithoutRecord(dir: string): Promise<boolean> {
  const docs = JSON.parse(await readFile(join(dir, 'projects.json'), 'utf8')) as Doc[];
  const meta = JSON.parse(await readFile(join(dir, '.contentkv', 'meta.json'), 'utf8').catch(() => '{"ops":{}}')) as MetaFile;
  return docs.some((doc) => meta.ops[`op:${doc.metadata.version === 1 ? 'create' : 'edit'}-${doc.id}`] === undefined);
}

it('leaves every saved document with its idempotency record, audit and history after a SIGKILL mid-commit', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ckv-crash-'));
  let cutOff = 0;
  let halfSaved = 0;
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      await killMidway(dir, `r${round}`, (round * 7) % 40);
      const journal = join(dir, '.contentkv', 'commit-journal.json');
      if (await access(journal).then(() => true, () => false)) cutOff += 1;
      if (await savedWithoutRecord(dir)) halfSaved += 1;
      // Opened again, as a restarted server or the next CLI run would.
      const store = new JsonStore({ dir });
      await store.open();
      expect(await access(journal).then(() => true, () => false), 'the journal, once completed').toBe(false);
      const docs = JSON.parse(await readFile(join(dir, 'projects.json'), 'utf8')) as Doc[];
      const meta = JSON.parse(await readFile(join(dir, '.contentkv', 'meta.json'), 'utf8')) as MetaFile;
      const audit = JSON.parse(await readFile(join(dir, 'audit.json'), 'utf8')) as AuditEntry[];
      for (const doc of docs) {
        const { version } = doc.metadata;
        expect(meta.ops[`op:create-${doc.id}`], `the create of ${doc.id}`).toMatchObject({ id: doc.id, version: 1 });
        if (version === 2) expect(meta.ops[`op:edit-${doc.id}`], `the edit of ${doc.id}`).toMatchObject({ id: doc.id, version: 2 });
        expect((await store.history('projects', doc.id, 20)).map((entry) => entry.version), `the history of ${doc.id}`).toEqual(version === 2 ? [1] : []);
        expect(audit.filter((entry) => entry.entityId === doc.id).length, `the audit of ${doc.id}`).toBe(version);
      }
      // A delete saved leaves no document, and a tombstone, a record and an audit entry for it.
      for (const entry of audit.filter((kept) => kept.action === 'delete')) {
        expect(docs.some((doc) => doc.id === entry.entityId), `${entry.entityId} deleted`).toBe(false);
        expect(meta.tombstones.projects[entry.entityId], `the tombstone of ${entry.entityId}`).toBe(3);
        expect(meta.ops[`op:delete-${entry.entityId}`], `the delete of ${entry.entityId}`).toMatchObject({ version: 3 });
      }
      for (const [id, version] of Object.entries(meta.tombstones.projects)) {
        expect(audit.filter((entry) => entry.entityId === id).length, `the audit of deleted ${id}`).toBe(version);
      }
      expect(Number(meta.counters.total), 'the audit count').toBe(audit.length);
    }
    // The kills did land inside commits, some between the collection file and meta.json, and the
    // next open completed them.
    expect(cutOff).toBeGreaterThan(0);
    expect(halfSaved).toBeGreaterThan(0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('keeps a commit it cannot complete (its file damaged since) pending: reads go on, nothing is dropped, writes say why they wait', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ckv-crash-'));
  try {
    const before = new JsonStore({ dir });
    await before.open();
    const service = new ContentService({ store: before });
    await service.create('projects', projectInput({ id: 'kept' }), apiActor);
    const cutOff = (await service.create('projects', projectInput({ id: 'cut-off' }), apiActor)).doc;
    await service.delete('projects', 'cut-off', apiActor);
    // As a process killed right after journaling the create would leave it, and then someone
    // edits the file by hand, leaving an entry without an id.
    await new CommitJournal(dir).write({ planId: 'from-a-crash', collection: 'projects', docs: [{ id: 'cut-off', doc: { ...cutOff, metadata: { ...cutOff.metadata, version: 3 } } }], history: [], audits: [], ops: {}, owed: [], counters: {} });
    const damaged = [...(JSON.parse(await readFile(join(dir, 'projects.json'), 'utf8')) as unknown[]), { title: 'Added by hand, without an id' }];
    await writeFile(join(dir, 'projects.json'), JSON.stringify(damaged));

    const after = new JsonStore({ dir });
    await after.open();
    expect((await after.get('projects', 'kept'))?.id).toBe('kept');
    await expect(new ContentService({ store: after }).create('resources', resourceInput({ id: 'elsewhere' }), apiActor)).rejects.toMatchObject({
      code: 'READ_ONLY',
      message: expect.stringContaining('a write to projects that a crash cut off cannot be completed'),
    });
    expect(JSON.parse(await readFile(join(dir, 'projects.json'), 'utf8'))).toHaveLength(2);

    // Fixed by hand, the next write completes the commit first.
    await writeFile(join(dir, 'projects.json'), JSON.stringify(damaged.slice(0, 1)));
    await new ContentService({ store: after }).create('resources', resourceInput({ id: 'elsewhere' }), apiActor);
    expect((await after.get('projects', 'cut-off'))?.metadata.version).toBe(3);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
