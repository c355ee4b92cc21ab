/**
 * A process killed in the middle of a JSON commit (SIGKILL, between the files a commit writes)
 * leaves nothing half done once the files are opened again: every document saved has the
 * idempotency record, the audit entry and the history entry of the write that saved it.
 */
import { spawn } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import type { AuditEntry } from '../../src/domain/audit.js';
import type { Doc } from '../../src/domain/collections.js';
import { JsonStore } from '../../src/store/json/json-store.js';
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

it('leaves every saved document with its idempotency record, audit and history after a SIGKILL mid-commit', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ckv-crash-'));
  let cutOff = 0;
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      await killMidway(dir, `r${round}`, (round * 7) % 40);
      const journal = join(dir, '.contentkv', 'commit-journal.json');
      if (await access(journal).then(() => true, () => false)) cutOff += 1;
      // Opened again, as a restarted server or the next CLI run would.
      const store = new JsonStore({ dir });
      await store.open();
      expect(await access(journal).then(() => true, () => false), 'the journal, once completed').toBe(false);
      const docs = JSON.parse(await readFile(join(dir, 'projects.json'), 'utf8')) as Doc[];
      const meta = JSON.parse(await readFile(join(dir, '.contentkv', 'meta.json'), 'utf8')) as { ops: Record<string, { id: string; version: number }> };
      const audit = JSON.parse(await readFile(join(dir, 'audit.json'), 'utf8')) as AuditEntry[];
      for (const doc of docs) {
        const { version } = doc.metadata;
        expect(meta.ops[`op:create-${doc.id}`], `the create of ${doc.id}`).toMatchObject({ id: doc.id, version: 1 });
        if (version === 2) {
          expect(meta.ops[`op:edit-${doc.id}`], `the edit of ${doc.id}`).toMatchObject({ id: doc.id, version: 2 });
          expect((await store.history('projects', doc.id, 1))[0]?.version, `the history of ${doc.id}`).toBe(1);
        }
        expect(audit.filter((entry) => entry.entityId === doc.id).length, `the audit of ${doc.id}`).toBe(version);
      }
    }
    // The kills did land inside commits, which the next open completed.
    expect(cutOff).toBeGreaterThan(0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
