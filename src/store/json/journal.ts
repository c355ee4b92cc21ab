/**
 * The commit journal: `.contentkv/commit-journal.json` holds the plan of the commit under way
 * (commit-plan.ts) from before its first file is replaced until after its last. Only the holder
 * of the directory lock writes or clears it, so there is at most one; one found at the start of a
 * locked write was left by a process that died mid-commit, and is applied again first.
 */
import { mkdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CommitPlan } from './commit-plan.js';
import { readJsonFile, writeFileAtomic } from './files.js';

export class CommitJournal {
  private readonly path: string;

  constructor(dir: string) {
    this.path = join(dir, '.contentkv', 'commit-journal.json');
  }

  /** Durable when it returns: the file and its directory entry are synced. */
  async write(plan: CommitPlan): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await writeFileAtomic(this.path, JSON.stringify(plan));
  }

  /** The plan of a commit that did not finish, if there is one. */
  read(): Promise<CommitPlan | null> {
    return readJsonFile<CommitPlan | null>(this.path, null);
  }

  /**
   * Removes the journal if it still holds `planId`'s plan. A process that lost the lock while it
   * stalled (lock.ts) must not clear the journal of the process that took the lock over.
   */
  async clear(planId: string): Promise<void> {
    if ((await this.read())?.planId !== planId) return;
    await unlink(this.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}
