/**
 * Serializes writers of one data directory. Inside a process a promise chain orders writes;
 * across processes (the server and a CLI run) `proper-lockfile` holds a lock directory, with a
 * stale timeout so a SIGKILLed holder cannot block the store forever.
 */
import { join } from 'node:path';

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
    const release = await lockfile.lock(this.dir, {
      lockfilePath: this.lockPath,
      realpath: false,
      stale: 10_000,
      retries: { retries: 200, factor: 1.2, minTimeout: 5, maxTimeout: 100 },
    });
    try {
      return await work();
    } finally {
      await release().catch(() => undefined);
    }
  }
}
