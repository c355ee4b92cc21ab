/**
 * Two processes writing one data directory at once (the server and a CLI run) do not lose each
 * other's writes: the directory lock serializes them and each rereads what the other wrote.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { JsonStore } from '../../src/store/json/json-store.js';

function run(dir: string, name: string, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/store/processes/json-writer.ts', dir, name, String(count)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${name} exited ${code}: ${stderr}`))));
  });
}

it('keeps every write of two processes writing the same directory at once', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ckv-lock-'));
  await Promise.all([run(dir, 'left', 25), run(dir, 'right', 25), run(dir, 'third', 25)]);
  const store = new JsonStore({ dir });
  await store.open();
  const page = await store.list('projects', { status: 'any', limit: 100 });
  expect(page.total).toBe(75);
  const audit = JSON.parse(await readFile(join(dir, 'audit.json'), 'utf8')) as unknown[];
  expect(audit).toHaveLength(75);
  expect((await store.auditStats()).total).toBe(75);
  await rm(dir, { recursive: true, force: true });
});
