/**
 * Baseline "redis-cli --pipe": Redis's documented mass-insertion path, the floor for loading
 * documents. The same synthetic documents a backfill loads are written as plain SET commands in
 * RESP to a file (not timed), then `redis-cli --pipe` sends the file to a fresh redis-server and
 * the clock runs from its spawn to its exit. No version guard, no indexes, no checkpoints: what
 * a backfill pays for those is what the ratio to this shows.
 *
 * The same pipe also loads the documents in our key layout (`layout: 'contentkv'`): each one as
 * the HSET of its document hash plus its index members, one ZADD per index per 1,000 documents.
 * Still no guard, no script, no checkpoint. It is not the target's baseline but a reference
 * beside it: the fastest any loader could write this layout, so the bench can show how much of
 * the gap to plain SETs is the layout itself.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, openSync, closeSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Collection } from '../../src/domain/collections.js';
import type { Doc } from '../../src/domain/collections.js';
import { syntheticDocs } from '../../src/sample/synthetic.js';
import { sortMember } from '../../src/store/ordering.js';
import { tagToken } from '../../src/store/redis/keys.js';
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

export type PipeLayout = 'set' | 'contentkv';

/** A document as one SET of its JSON. */
function setCommands(docs: readonly Doc[], key: (doc: Doc) => string): string {
  return docs.map((doc) => resp(['SET', key(doc), JSON.stringify(doc)])).join('');
}

/** Documents as our key layout holds them: the document hash, then each index's members in one ZADD. */
function layoutCommands(docs: readonly Doc[], key: (doc: Doc) => string, keyPrefix: string, collection: Collection, indexes: Set<string>): string {
  const members = new Map<string, string[]>();
  const add = (index: string, member: string) => {
    const list = members.get(index) ?? [];
    list.push('0', member);
    members.set(index, list);
  };
  let out = '';
  for (const doc of docs) {
    const member = sortMember(doc);
    const { status, featured, version, checksum } = doc.metadata;
    const tags = [...new Set(doc.tags.map(tagToken))];
    out += resp(['HSET', key(doc), 'doc', JSON.stringify(doc), 'version', String(version), 'checksum', checksum, 'member', member, 'status', status, 'featured', featured ? '1' : '0', 'tags', tags.join('\n')]);
    add(`${keyPrefix}index:all:${collection}`, member);
    add(`${keyPrefix}index:${status}:${collection}`, member);
    if (featured) add(`${keyPrefix}index:featured:${collection}`, `${status}|${member}`);
    for (const tag of tags) add(`${keyPrefix}index:tags:${collection}`, `${status}|${tag}|${member}`);
  }
  for (const [index, list] of members) {
    indexes.add(index);
    out += resp(['ZADD', index, ...list]);
  }
  return out;
}

/** Writes the RESP file; returns how many keys Redis holds once it is loaded. */
async function writeCommands(path: string, collection: Collection, count: number, keyPrefix: string, layout: PipeLayout): Promise<number> {
  const out = createWriteStream(path);
  const indexes = new Set<string>();
  const key = (doc: Doc) => `${keyPrefix}data:${collection}:${doc.id}`;
  for (let start = 0; start < count; start += 1_000) {
    const docs = syntheticDocs(collection, Math.min(1_000, count - start), { start });
    const chunk = layout === 'set' ? setCommands(docs, key) : layoutCommands(docs, key, keyPrefix, collection, indexes);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return count + indexes.size;
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

export async function measureRedisPipe(count: number, layout: PipeLayout = 'set', collection: Collection = 'projects', keyPrefix = '{contentkv}:'): Promise<PipeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'contentkv-bench-pipe-'));
  const server = await startRedisServer();
  try {
    const path = join(dir, 'commands.resp');
    const keys = await writeCommands(path, collection, count, keyPrefix, layout);
    const started = process.hrtime.bigint();
    const { code, output } = await runPipe(server.port, path);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const summary = /errors:\s*(\d+),\s*replies:\s*(\d+)/.exec(output);
    if (code !== 0 || !summary) throw new Error(`redis-cli --pipe failed (exit ${code}):\n${output}`);
    const stored = Number(await redisCommand(server, ['DBSIZE']));
    if (stored !== keys) throw new Error(`redis-cli --pipe left ${stored} keys, expected ${keys}`);
    return { docs: count, bytes: statSync(path).size, seconds, docsPerSecond: count / seconds, replies: Number(summary[2]), errors: Number(summary[1]) };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
