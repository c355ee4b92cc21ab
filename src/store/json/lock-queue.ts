/**
 * The queue that makes the directory lock fair between processes.
 *
 * The lock itself is a directory that waiters poll for, so a process that releases it and takes
 * it again at once (a server under steady writes) can keep a polling CLI out for as long as the
 * writes go on. A process that finds the lock taken leaves a ticket in the data directory, named
 * after the time it asked, and touches it at every poll. Before taking the lock, a process looks
 * for a fresh ticket older than its own request and, if it finds one, waits its turn.
 *
 * A ticket not touched for `FRESH_MS` is ignored, so a waiter that was SIGKILLed holds nobody up,
 * and one left for `ABANDONED_MS` is removed by whoever sees it. A ticket touched in the future
 * (another host's clock ahead, or this one's set back) is no proof of a live waiter, and is
 * ignored too.
 */
import { randomBytes } from 'node:crypto';
import { readdir, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const PREFIX = '.contentkv.lock.wait.';
const FRESH_MS = 1_000;
const ABANDONED_MS = 60_000;

export class WaitTicket {
  private readonly name: string;
  private readonly path: string;
  private placed = false;

  /** `since` is when this process asked for the lock; earlier tickets go first. */
  constructor(
    private readonly dir: string,
    private readonly since: number,
  ) {
    // Fixed width, so names sort in the order the tickets were asked for.
    this.name = `${PREFIX}${String(since).padStart(15, '0')}.${process.pid}.${randomBytes(4).toString('hex')}`;
    this.path = join(dir, this.name);
  }

  /** Whether a live waiter asked before this one and should take the lock first. */
  async behindAnother(): Promise<boolean> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.startsWith(PREFIX) || name >= this.name) continue;
      const age = await this.ageOf(name);
      if (age === undefined) continue;
      if (age > -FRESH_MS && age < FRESH_MS) return true;
      if (Math.abs(age) > ABANDONED_MS) await unlink(join(this.dir, name)).catch(() => undefined);
    }
    return false;
  }

  /** Places the ticket, or tells the others that its waiter is still alive. */
  async touch(): Promise<void> {
    if (this.placed) {
      const now = new Date();
      await utimes(this.path, now, now).catch(() => this.place());
    } else {
      await this.place();
    }
  }

  async remove(): Promise<void> {
    if (this.placed) await unlink(this.path).catch(() => undefined);
    this.placed = false;
  }

  private async place(): Promise<void> {
    await writeFile(this.path, `${process.pid} asked for the lock at ${new Date(this.since).toISOString()}\n`);
    this.placed = true;
  }

  private async ageOf(name: string): Promise<number | undefined> {
    const info = await stat(join(this.dir, name)).catch(() => undefined);
    return info === undefined ? undefined : Date.now() - info.mtimeMs;
  }
}
