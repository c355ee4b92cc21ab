/**
 * A read-only view of a directory, as Vercel's file system is: `mount --bind` then a read-only
 * remount. Needs root (tests run as root here and in CI); returns null where it cannot be made.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function mountReadOnly(dir: string): { path: string; unmount(): void } | null {
  const path = mkdtempSync(join(tmpdir(), 'ckv-ro-mnt-'));
  try {
    execFileSync('mount', ['--bind', dir, path], { stdio: 'pipe' });
    execFileSync('mount', ['-o', 'remount,bind,ro', path], { stdio: 'pipe' });
  } catch {
    try {
      execFileSync('umount', [path], { stdio: 'pipe' });
    } catch {
      // it was never mounted
    }
    rmdirSync(path);
    return null;
  }
  return {
    path,
    unmount() {
      execFileSync('umount', [path], { stdio: 'pipe' });
      rmdirSync(path);
    },
  };
}
