/**
 * Serializes writers of one data directory. Inside a process a promise chain orders writes;
 * across processes (the server and a CLI run) `proper-lockfile` holds a lock directory, with a
 * stale timeout so a SIGKILLed holder cannot block the store forever, and waiters queue by the
 * time they asked (`lock-queue.ts`), so steady writes from one process cannot keep another out.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreUnavailableError } from '../../domain/errors.js';
import { WaitTicket } from './lock-queue.js';

/** How long a process waits for its turn, by default, before it reports the store as unavailable. */
const GIVE_UP_MS = 30_000;
/** Polls start at 5 ms and grow to this, so the lock sits free for at most this after a release. */
const MAX_POLL_MS = 25;
/** A holder that stops refreshing the lock for this long is taken for dead (SIGKILLed), by default. */
const STALE_MS = 10_000;
/** Failures to take the lock that pass: another holder, or a moment short of file descriptors. */
const TRANSIENT = new Set(['ELOCKED', 'EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY']);

type Lockfile = typeof import('proper-lockfile');

export interface DirectoryLockOptions {
  giveUpMs?: number;
  /** proper-lockfile takes at least 2000. */
  staleMs?: number;
}

export class DirectoryLock {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly lockPath: string;
  private readonly giveUpMs: number;
  private readonly staleMs: number;

  constructor(
    private readonly dir: string,
    options: DirectoryLockOptions = {},
  ) {
    this.lockPath = join(dir, '.contentkv.lock');
    this.giveUpMs = options.giveUpMs ?? GIVE_UP_MS;
    this.staleMs = options.staleMs ?? STALE_MS;
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(() => this.withFileLock(work));
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async withFileLock<T>(work: () => Promise<T>): Promise<T> {
    // Loaded on the first write: a store that is only read never needs it.
    const { default: lockfile } = await import('proper-lockfile');
    // proper-lockfile's default throws from a timer, which would end the process. The lock is
    // lost when its holder stalled past the stale time (a suspended CLI, a machine asleep) and another
    // process took it: the write under way may then have crossed that process's.
    let lost: Error | null = null;
    const release = await this.acquire(lockfile, (error) => {
      lost = error;
    });
    try {
      const result = await work();
      if (lost) throw new StoreUnavailableError('json', 1, 'this write held the directory lock so long that another process took it over; it may or may not have been applied, so read it back', true, lost);
      return result;
    } finally {
      await release().catch(() => undefined);
    }
  }

  private async acquire(lockfile: Lockfile, onCompromised: (error: Error) => void): Promise<() => Promise<void>> {
    // Measured on the monotonic clock, so a change of the wall clock neither ends nor stretches the wait.
    const started = performance.now();
    const ticket = new WaitTicket(this.dir, Date.now());
    let lastError: unknown;
    try {
      for (let attempt = 0; ; attempt += 1) {
        if (!(await ticket.behindAnother())) {
          try {
            return await lockfile.lock(this.dir, { lockfilePath: this.lockPath, realpath: false, stale: this.staleMs, retries: 0, onCompromised });
          } catch (error) {
            if (!TRANSIENT.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
            lastError = error;
          }
        }
        if (performance.now() - started > this.giveUpMs) {
          throw new StoreUnavailableError('json', 5, `its directory stayed locked by other processes writing to it for ${this.giveUpMs / 1000} s; nothing was written`, false, lastError ?? new Error(`queued behind other waiters for ${this.lockPath}`));
        }
        await ticket.touch();
        await sleep(Math.min(5 * 1.2 ** attempt, MAX_POLL_MS));
      }
    } finally {
      await ticket.remove();
    }
  }
}
