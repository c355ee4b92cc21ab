/**
 * The JSON store on a read-only file system, the way Vercel serves a deployment: reads work,
 * every write is refused with READ_ONLY, and the files are left exactly as they were. The
 * read-only view is a real read-only bind mount (root ignores permission bits, so chmod would
 * prove nothing).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentService } from '../../src/service/content-service.js';
import { JsonStore } from '../../src/store/json/json-store.js';
import { apiActor, projectInput } from '../fixtures/inputs.js';
import { mountReadOnly } from '../support/read-only-mount.js';

let source: string;
let mount: { path: string; unmount(): void } | null = null;

beforeAll(() => {
  source = mkdtempSync(join(tmpdir(), 'ckv-ro-src-'));
  cpSync('data/projects.json', join(source, 'projects.json'));
  cpSync('data/resources.json', join(source, 'resources.json'));
  mount = mountReadOnly(source);
});
afterAll(() => {
  mount?.unmount();
  rmSync(source, { recursive: true, force: true });
});

describe('JSON store on a read-only file system', () => {
  it('detects it, serves reads and refuses writes with READ_ONLY', async () => {
    if (!mount) throw new Error('a read-only bind mount could not be made; run the tests as root (mount --bind)');
    const { path } = mount;
    const before = readFileSync(join(path, 'projects.json'), 'utf8');
    const store = new JsonStore({ dir: path });
    await store.open();
    expect(store.isWritable).toBe(false);
    const service = new ContentService({ store });
    const page = await service.list('projects', {}, { canSeeUnpublished: false });
    expect(page.items.length).toBeGreaterThan(0);
    const id = page.items[0]?.id as string;
    // One at a time: started together, a refusal could come before its expect() is attached,
    // an unhandled rejection.
    for (const attempt of [
      () => service.create('projects', projectInput({ id: 'new-one' }), apiActor),
      () => service.update('projects', id, { title: 'Changed' }, apiActor),
      () => service.delete('projects', id, apiActor),
    ]) {
      await expect(attempt()).rejects.toMatchObject({ code: 'READ_ONLY', message: expect.stringMatching(/read-only file system/) });
    }
    expect(readFileSync(join(path, 'projects.json'), 'utf8')).toBe(before);
    expect(() => execFileSync('touch', [join(path, 'probe')], { stdio: 'pipe' })).toThrow();
  });
});

