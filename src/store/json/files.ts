/**
 * File primitives for the JSON store. A write goes to a temp file in the same directory, is
 * fsynced, renamed over the target and the directory fsynced, so a reader or a crash sees the
 * old file or the new one, never half of one. A read-only file system (Vercel's, or a read-only
 * mount) is told apart from other failures so the store can say READ_ONLY instead of crashing.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const READ_ONLY_CODES = new Set(['EROFS', 'EACCES', 'EPERM']);

export function isReadOnlyFsError(error: unknown): boolean {
  return READ_ONLY_CODES.has((error as NodeJS.ErrnoException | undefined)?.code ?? '');
}

export async function writeFileAtomic(path: string, contents: string): Promise<void> {
  const temp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
  try {
    await handle.writeFile(contents, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    await handle.close();
  }
}

/** A stamp that changes whenever a file is replaced or edited, used to reload only on change. */
export async function fileStamp(path: string): Promise<string | null> {
  try {
    const info = await stat(path, { bigint: true });
    return `${info.ino}:${info.size}:${info.mtimeNs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export async function readJsonFile<T>(path: string, fallback: T): Promise<T> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    if (error instanceof SyntaxError) throw new Error(`${path} is not valid JSON: ${error.message}`);
    throw error;
  }
}

/** True when files can be created in `dir`; false on a read-only file system or directory. */
export async function isWritableDirectory(dir: string): Promise<boolean> {
  try {
    await mkdir(dir, { recursive: true });
    const probe = join(dir, `.contentkv-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
    const handle = await open(probe, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
    await handle.close();
    await rm(probe, { force: true });
    return true;
  } catch (error) {
    if (isReadOnlyFsError(error)) return false;
    throw error;
  }
}
