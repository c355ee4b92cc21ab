/**
 * Baseline "redis-cli --pipe": Redis's documented mass-insertion path, the floor for loading
 * documents. The same synthetic documents a backfill loads are written as plain SET commands in
 * RESP to a file (not timed), then `redis-cli --pipe` sends the file to a fresh redis-server and
 * the clock runs from its spawn to its exit. No version guard, no indexes, no checkpoints: what
 * a backfill pays for those is what the ratio to this shows.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, openSync, closeSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Collection } from '../../src/domain/collections.js';
import { syntheticDocs } from '../../src/sample/synthetic.js';
import { redisCommand, startRedisServer } from '../../test/support/redis-server.js';

export interface PipeResult {
  docs: number;
  bytes: number;
  seconds: number;
  docsPerSecond: number;
  replies: number;
  errors: number;
}

function resp(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}

async function writeCommands(path: string, collection: Collection, count: number, keyPrefix: string): Promise<void> {
  const out = createWriteStream(path);
  for (let start = 0; start < count; start += 1_000) {
    const chunk = syntheticDocs(collection, Math.min(1_000, count - start), { start })
      .map((doc) => resp(['SET', `${keyPrefix}data:${collection}:${doc.id}`, JSON.stringify(doc)]))
      .join('');
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

function runPipe(port: number, inputPath: string): Promise<{ code: number | null; output: string }> {
  const input = openSync(inputPath, 'r');
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--pipe'], { stdio: [input, 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      closeSync(input);
      resolve({ code, output });
    });
  });
}

export async function measureRedisPipe(count: number, collection: Collection = 'projects', keyPrefix = '{contentkv}:'): Promise<PipeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'contentkv-bench-pipe-'));
  const server = await startRedisServer();
  try {
    const path = join(dir, 'commands.resp');
    await writeCommands(path, collection, count, keyPrefix);
    const started = process.hrtime.bigint();
    const { code, output } = await runPipe(server.port, path);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const summary = /errors:\s*(\d+),\s*replies:\s*(\d+)/.exec(output);
    if (code !== 0 || !summary) throw new Error(`redis-cli --pipe failed (exit ${code}):\n${output}`);
    const stored = Number(await redisCommand(server, ['DBSIZE']));
    if (stored !== count) throw new Error(`redis-cli --pipe left ${stored} keys, expected ${count}`);
    return { docs: count, bytes: statSync(path).size, seconds, docsPerSecond: count / seconds, replies: Number(summary[2]), errors: Number(summary[1]) };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
