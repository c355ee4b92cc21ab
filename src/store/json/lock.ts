/**
 * Serializes writers of one data directory. Inside a process a promise chain orders writes;
 * across processes (the server and a CLI run) `proper-lockfile` holds a lock directory, with a
 * stale timeout so a SIGKILLed holder cannot block the store forever, and waiters queue by the
 * time they asked (`lock-queue.ts`), so steady writes from one process cannot keep another out.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WaitTicket } from './lock-queue.js';

/** How long a process waits for its turn before it reports the directory as locked. */
const GIVE_UP_MS = 30_000;
/** Polls start at 5 ms and grow to this, so the lock sits free for at most this after a release. */
const MAX_POLL_MS = 25;

type Lockfile = typeof import('proper-lockfile');

export class DirectoryLock {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly lockPath: string;

  constructor(private readonly dir: string) {
    this.lockPath = join(dir, '.contentkv.lock');
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(() => this.withFileLock(work));
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async withFileLock<T>(work: () => Promise<T>): Promise<T> {
    // Loaded on the first write: a store that is only read never needs it.
    const { default: lockfile } = await import('proper-lockfile');
    const release = await this.acquire(lockfile);
    try {
      return await work();
    } finally {
      await release().catch(() => undefined);
    }
  }

  private async acquire(lockfile: Lockfile): Promise<() => Promise<void>> {
    const since = Date.now();
    const ticket = new WaitTicket(this.dir, since);
    try {
      for (let attempt = 0; ; attempt += 1) {
        if (!(await ticket.behindAnother())) {
          try {
            return await lockfile.lock(this.dir, { lockfilePath: this.lockPath, realpath: false, stale: 10_000, retries: 0 });
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
          }
        }
        if (Date.now() - since > GIVE_UP_MS) {
          throw Object.assign(
            new Error(`other processes held or queued for the data directory ${this.dir} for ${GIVE_UP_MS / 1000} s (lock: ${this.lockPath}); nothing was written, try again`),
            { code: 'ELOCKED' },
          );
        }
        await ticket.touch();
        await sleep(Math.min(5 * 1.2 ** attempt, MAX_POLL_MS));
      }
    } finally {
      await ticket.remove();
    }
  }
}
