/**
 * Child process for the lock fairness test: takes a data directory's lock again and again, as a
 * server under steady writes does, holding it `holdMs` each time and appending a line to
 * `hog.log` inside the lock. It runs until it is killed.
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DirectoryLock } from '../../../src/store/json/lock.js';

const [dir, holdMs] = process.argv.slice(2) as [string, string];
const lock = new DirectoryLock(dir);
for (;;) {
  await lock.run(async () => {
    await appendFile(join(dir, 'hog.log'), 'held\n');
    await sleep(Number(holdMs));
  });
}
