// Proves the test harness itself: if these fail, failures elsewhere may be the harness's fault.
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from '@upstash/redis';
import { createClient, createCluster } from '@redis/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLatencyProxy } from './latency-proxy.js';
import { RespConnection, redisCommand, startRedisCluster, startRedisServer } from './redis-server.js';
import type { RedisClusterHandle, RedisServerHandle, RespValue } from './redis-server.js';
import { startUpstashBridge } from './upstash-bridge.js';
import type { UpstashBridgeHandle } from './upstash-bridge.js';

const text = (v: RespValue): string => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startRedisServer', () => {
  const started: RedisServerHandle[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.stop()));
  });
  const start = async (opts?: Parameters<typeof startRedisServer>[0]): Promise<RedisServerHandle> => {
    const s = await startRedisServer(opts);
    started.push(s);
    return s;
  };

  it('starts its own server on a free loopback port and answers', async () => {
    const server = await start();
    expect(server.port).not.toBe(6379);
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(existsSync(server.dir)).toBe(true);
    const client = createClient({ url: server.url });
    await client.connect();
    try {
      expect(await client.ping()).toBe('PONG');
      await client.set('greeting', 'hello');
      expect(await client.get('greeting')).toBe('hello');
      // Not persistent by default.
      expect(await client.configGet('appendonly')).toEqual({ appendonly: 'no' });
    } finally {
      client.destroy();
    }
  });

  it('passes extra args to redis-server', async () => {
    const server = await start({ args: ['--maxmemory', '12mb'] });
    const reply = await redisCommand(server, ['CONFIG', 'GET', 'maxmemory']);
    expect((reply as RespValue[]).map(text)).toEqual(['maxmemory', String(12 * 1024 * 1024)]);
  });

  it('keeps data across SIGKILL and restart when persist is on', async () => {
    const server = await start({ persist: true });
    await redisCommand(server, ['SET', 'survivor', 'yes']);
    const firstPid = server.pid;
    await server.kill();
    expect(isAlive(firstPid)).toBe(false);
    await server.restart();
    expect(server.pid).not.toBe(firstPid);
    expect(text(await redisCommand(server, ['GET', 'survivor']))).toBe('yes');
  });

  it('loses data across restart without persist', async () => {
    const server = await start();
    await redisCommand(server, ['SET', 'ephemeral', 'yes']);
    await server.restart();
    expect(await redisCommand(server, ['GET', 'ephemeral'])).toBeNull();
  });

  it('pauses clients with pause(ms)', async () => {
    const server = await start();
    await server.pause(300);
    const t0 = performance.now();
    expect(await redisCommand(server, ['PING'])).toBe('PONG');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(100);
  });

  it('freezes and thaws with sigstop/sigcont', async () => {
    const server = await start();
    server.sigstop();
    const t0 = performance.now();
    const ping = redisCommand(server, ['PING'], 10_000);
    await sleep(250);
    server.sigcont();
    expect(await ping).toBe('PONG');
    // Below the 250 ms frozen on purpose: a timer can fire a hair early against performance.now().
    expect(performance.now() - t0).toBeGreaterThanOrEqual(200);
  });

  it('stop() ends the process and removes its dir, even when frozen', async () => {
    const server = await startRedisServer();
    const { pid, dir } = server;
    server.sigstop();
    await server.stop();
    await server.stop(); // idempotent
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it('says how to install redis-server when it is missing', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent-dir';
    try {
      const err = await startRedisServer().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err?.message).toMatch(/apt-get install redis-server/);
      expect(err?.message).toMatch(/brew install redis/);
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe('startRedisCluster', () => {
  let cluster: RedisClusterHandle;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('reaches cluster_state:ok on every node', async () => {
    expect(cluster.nodes).toHaveLength(3);
    for (const node of cluster.nodes) {
      expect(node.port).not.toBe(6379);
      const info = text(await redisCommand(node, ['CLUSTER', 'INFO']));
      expect(info).toMatch(/cluster_state:ok/);
      expect(info).toMatch(/cluster_slots_assigned:16384/);
    }
  });

  it('runs same-slot multi-key commands and refuses cross-slot ones', async () => {
    const first = cluster.nodes[0];
    if (!first) throw new Error('no nodes');
    const client = createCluster({ rootNodes: [{ url: `redis://${first.host}:${first.port}` }] });
    await client.connect();
    try {
      await client.mSet([
        ['{site}:a', '1'],
        ['{site}:b', '2'],
      ]);
      expect(await client.mGet(['{site}:a', '{site}:b'])).toEqual(['1', '2']);
      // node-redis 6 splits a cross-slot MSET by shard itself, so ask a node directly.
      expect(text(await redisCommand(first, ['CLUSTER', 'KEYSLOT', 'site-a']))).not.toBe(
        text(await redisCommand(first, ['CLUSTER', 'KEYSLOT', 'site-b'])),
      );
      await expect(redisCommand(first, ['MSET', 'site-a', '1', 'site-b', '2'])).rejects.toThrow(/CROSSSLOT/);
      // A script cannot be split: the client sends it whole and Redis refuses it.
      await expect(
        client.eval("return redis.call('MGET', KEYS[1], KEYS[2])", { keys: ['site-a', 'site-b'] }),
      ).rejects.toThrow(/CROSSSLOT/);
    } finally {
      client.destroy();
    }
  });
});

describe('Upstash bridge', () => {
  let server: RedisServerHandle;
  let bridge: UpstashBridgeHandle;
  // Exact round trips: no JSON parsing, one HTTP request per command.
  let raw: Redis;
  // What application code gets by default: auto-pipelining and JSON (de)serialization.
  let defaults: Redis;
  let readOnly: Redis;

  beforeAll(async () => {
    server = await startRedisServer({ persist: true });
    bridge = await startUpstashBridge({ redisUrl: server.url });
    raw = new Redis({
      url: bridge.url,
      token: bridge.token,
      automaticDeserialization: false,
      enableAutoPipelining: false,
      enableTelemetry: false,
    });
    defaults = new Redis({ url: bridge.url, token: bridge.token });
    readOnly = new Redis({
      url: bridge.url,
      token: bridge.readOnlyToken,
      automaticDeserialization: false,
      enableAutoPipelining: false,
      retry: false,
    });
  });
  afterAll(async () => {
    await bridge?.stop();
    await server?.stop();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${bridge.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bridge.token}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('does SET/GET, HGETALL and ZRANGE WITHSCORES without deserialization', async () => {
    expect(await raw.set('s:k', '123')).toBe('OK');
    expect(await raw.get('s:k')).toBe('123'); // a string, not the number 123
    expect(await raw.get('s:missing')).toBeNull();
    expect(await raw.set('s:ok', 'OK')).toBe('OK');
    expect(await raw.get('s:ok')).toBe('OK');
    expect(await raw.set('s:utf8', 'héllo ✓')).toBe('OK');
    expect(await raw.get('s:utf8')).toBe('héllo ✓');

    await raw.hset('h:k', { title: 'Hello', n: '1' });
    // Without deserialization HGETALL stays the flat RESP2 array.
    expect(await raw.hgetall('h:k')).toEqual(['title', 'Hello', 'n', '1']);

    await raw.zadd('z:k', { score: 1, member: 'a' }, { score: 2.5, member: 'b' });
    expect(await raw.zrange('z:k', 0, -1, { withScores: true })).toEqual(['a', '1', 'b', '2.5']);
    expect(await raw.incr('s:counter')).toBe(1);
  });

  it('does the same with the client defaults (auto-pipelining, JSON)', async () => {
    await defaults.set('d:obj', { title: 'Post', tags: ['a', 'b'] });
    expect(await defaults.get('d:obj')).toEqual({ title: 'Post', tags: ['a', 'b'] });
    await defaults.hset('d:h', { title: 'Hello', n: 1 });
    expect(await defaults.hgetall('d:h')).toEqual({ title: 'Hello', n: 1 });
    await defaults.zadd('d:z', { score: 1, member: 'a' }, { score: 2, member: 'b' });
    expect(await defaults.zrange('d:z', 0, -1, { withScores: true })).toEqual(['a', 1, 'b', 2]);
    // Several commands in one tick go out as one /pipeline request.
    const [x, y, z] = await Promise.all([defaults.get('d:obj'), defaults.exists('d:h'), defaults.ping()]);
    expect(x).toEqual({ title: 'Post', tags: ['a', 'b'] });
    expect(y).toBe(1);
    expect(z).toBe('PONG');
  });

  it('runs an explicit pipeline, errors included, in order', async () => {
    const p = raw.pipeline();
    p.set('p:a', 'A');
    p.get('p:a');
    p.incr('p:a'); // not an integer: an error in the middle
    p.del('p:a');
    expect(await p.exec({ keepErrors: true })).toEqual([
      { result: 'OK', error: undefined },
      { result: 'A', error: undefined },
      { result: undefined, error: 'ERR value is not an integer or out of range' },
      { result: 1, error: undefined },
    ]);
  });

  it('runs a multi-exec transaction', async () => {
    const tx = raw.multi();
    tx.set('m:a', '1');
    tx.incr('m:a');
    tx.get('m:a');
    tx.ping();
    expect(await tx.exec()).toEqual(['OK', 2, '2', 'PONG']);
    expect(await defaults.multi().set('m:b', { v: 1 }).get('m:b').exec()).toEqual(['OK', { v: 1 }]);
  });

  it('answers an aborted transaction (EXECABORT) with one error and a non-2xx status', async () => {
    const res = await post('/multi-exec', [
      ['SET', 'm:x', '1'],
      ['NOSUCHCOMMAND'],
    ]);
    expect(res.status).toBeGreaterThanOrEqual(400);
    const body = (await res.json()) as { error: string };
    expect(body.error).toMatch(/^EXECABORT/);
    expect(await raw.exists('m:x')).toBe(0);
    const tx = raw.multi();
    tx.set('m:y', '1');
    tx.hgetall('m:y'); // runtime WRONGTYPE: the transaction still commits
    await expect(tx.exec()).rejects.toThrow(/WRONGTYPE/);
    expect(await raw.get('m:y')).toBe('1');
  });

  it('runs scripts with createScript: EVALSHA, falling back to EVAL on NOSCRIPT', async () => {
    await post('/', ['SCRIPT', 'FLUSH']);
    const script = raw.createScript<string>(
      "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('GET', KEYS[1])",
    );
    bridge.resetCount();
    expect(await script.exec(['sc:k'], ['v1'])).toBe('v1');
    expect(bridge.requests).toBe(2); // EVALSHA -> NOSCRIPT, then EVAL
    bridge.resetCount();
    expect(await script.exec(['sc:k'], ['v2'])).toBe('v2');
    expect(bridge.requests).toBe(1); // cached now
    // Scripts returning tables, status replies and nil come back intact.
    expect(await raw.eval("return {1, 'two', redis.call('SET', KEYS[1], 'x'), false}", ['sc:t'], [])).toEqual([
      1,
      'two',
      'OK',
      null,
    ]);
  });

  it('lets the read-only token read but not write, in scripts neither', async () => {
    await raw.set('ro:k', 'v');
    expect(await readOnly.get('ro:k')).toBe('v');
    expect(await readOnly.exists('ro:k')).toBe(1);
    await expect(readOnly.set('ro:k', 'w')).rejects.toThrow(/NOPERM/);
    await expect(readOnly.del('ro:k')).rejects.toThrow(/NOPERM/);
    // Redis 7.0 words a refused write inside a script without the NOPERM prefix.
    await expect(readOnly.eval("return redis.call('SET', KEYS[1], 'w')", ['ro:k'], [])).rejects.toThrow(
      /NOPERM|can't run this command/,
    );
    expect(await readOnly.eval("return redis.call('GET', KEYS[1])", ['ro:k'], [])).toBe('v');
    const ro = readOnly.createScript<string, true>("return redis.call('GET', KEYS[1])", { readonly: true });
    expect(await ro.exec(['ro:k'], [])).toBe('v'); // EVALSHA_RO, then EVAL_RO
    expect(await ro.exec(['ro:k'], [])).toBe('v');
    const tx = readOnly.multi();
    tx.get('ro:k');
    tx.set('ro:k', 'w');
    await expect(tx.exec()).rejects.toThrow(/EXECABORT.*NOPERM/);
    expect(await raw.get('ro:k')).toBe('v');
  });

  it('counts requests', async () => {
    bridge.resetCount();
    expect(bridge.requests).toBe(0);
    await raw.get('c:a');
    await raw.get('c:b');
    await raw.pipeline().get('c:a').get('c:b').exec();
    expect(bridge.requests).toBe(3);
  });

  it('refuses a bad or missing token (401) and a wrong method (405)', async () => {
    const bad = await post('/', ['PING'], { authorization: 'Bearer nope' });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ error: 'WRONGPASS invalid or missing auth token' });
    const missing = await fetch(bridge.url, { method: 'POST', body: '["PING"]' });
    expect(missing.status).toBe(401);
    const get = await fetch(bridge.url, { headers: { authorization: `Bearer ${bridge.token}` } });
    expect(get.status).toBe(405);
    const wrongToken = new Redis({ url: bridge.url, token: 'nope', retry: false });
    await expect(wrongToken.get('x')).rejects.toThrow(/WRONGPASS/);
  });

  it('speaks the wire format: result key, errors, base64 and the sync token', async () => {
    const nil = await post('/', ['GET', 'w:missing']);
    expect(await nil.text()).toBe('{"result":null}');
    const err = await post('/', ['INCR', 'w:missing', 'extra']);
    expect(err.status).toBe(400);
    expect(((await err.json()) as { error: string }).error).toMatch(/^ERR /);

    await post('/', ['SET', 'w:k', 'OK']);
    const b64 = { 'upstash-encoding': 'base64' };
    const json = async (r: Promise<Response>): Promise<unknown> => (await r).json();
    expect(await json(post('/', ['SET', 'w:s', 'v'], b64))).toEqual({ result: 'OK' });
    expect(await json(post('/', ['PING'], b64))).toEqual({ result: Buffer.from('PONG').toString('base64') });
    expect(await json(post('/', ['GET', 'w:s'], b64))).toEqual({ result: 'dg==' });
    expect(await json(post('/', ['GET', 'w:k'], b64))).toEqual({ result: 'OK' });
    expect(await json(post('/', ['INCR', 'w:n'], b64))).toEqual({ result: 1 });
    // Nested strings are all encoded, a status "OK" too: the client decodes every nested string.
    expect(
      await json(post('/', ['EVAL', "return {redis.call('SET', KEYS[1], 'x'), 'a', 7, false}", '1', 'w:e'], b64)),
    ).toEqual({ result: ['T0s=', 'YQ==', 7, null] });
    expect(await json(post('/pipeline', [['PING'], ['GET', 'w:missing'], ['INCR', 'w:s']], b64))).toEqual([
      { result: 'UE9ORw==' },
      { result: null },
      { error: 'ERR value is not an integer or out of range' },
    ]);
    expect(await json(post('/multi-exec', [['SET', 'w:t', 'v'], ['GET', 'w:t']], b64))).toEqual([
      { result: 'OK' },
      { result: 'dg==' },
    ]);
    // Numbers and booleans in a command become strings.
    expect(await json(post('/', ['SET', 'w:num', 42]))).toEqual({ result: 'OK' });
    expect(await json(post('/', ['GET', 'w:num']))).toEqual({ result: '42' });

    const synced = await post('/', ['PING'], { 'upstash-sync-token': '' });
    expect(synced.headers.get('upstash-sync-token')).toMatch(/^\d+$/);
    const unsynced = await post('/', ['PING']);
    expect(unsynced.headers.get('upstash-sync-token')).toBeNull();
  });

  it('keeps the read-only token working across a Redis restart', async () => {
    await raw.set('r:k', 'kept');
    await server.restart();
    expect(await readOnly.get('r:k')).toBe('kept');
    await expect(readOnly.set('r:k', 'w')).rejects.toThrow(/NOPERM/);
  });

  it('answers 503 while Redis is down, and recovers', async () => {
    await server.kill();
    const res = await post('/', ['PING']);
    expect(res.status).toBe(503);
    await server.restart();
    expect(await raw.ping()).toBe('PONG');
  });

  it('serves under a path prefix and adds latency', async () => {
    const slow = await startUpstashBridge({ redisUrl: server.url, basePath: '/v1/db', latencyMs: 60 });
    try {
      expect(slow.url).toMatch(/\/v1\/db$/);
      const client = new Redis({ url: slow.url, token: slow.token, enableAutoPipelining: false });
      const t0 = performance.now();
      expect(await client.set('l:k', 'v')).toBe('OK');
      expect(performance.now() - t0).toBeGreaterThanOrEqual(60);
      expect(await client.pipeline().get('l:k').exists('l:k').exec()).toEqual(['v', 1]);
      expect(await client.multi().get('l:k').exec()).toEqual(['v']);
      const outside = await fetch(slow.url.replace('/v1/db', '/'), {
        method: 'POST',
        headers: { authorization: `Bearer ${slow.token}` },
        body: '["PING"]',
      });
      expect(outside.status).toBe(404);
    } finally {
      await slow.stop();
    }
  });
});

describe('latency proxy', () => {
  let server: RedisServerHandle;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('passes data through intact and delays each round trip', async () => {
    const latencyMs = 40;
    const proxy = await startLatencyProxy({ targetHost: server.host, targetPort: server.port, latencyMs });
    const conn = new RespConnection({ host: proxy.host, port: proxy.port });
    try {
      await conn.call('PING'); // connect first so only the round trip is timed
      const t0 = performance.now();
      expect(await conn.call('PING')).toBe('PONG');
      expect(performance.now() - t0).toBeGreaterThanOrEqual(latencyMs);

      // Large enough to be split into many chunks, which must arrive in order.
      const big = Buffer.alloc(2 * 1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 251;
      expect(await conn.call('SET', 'big', big)).toBe('OK');
      proxy.setLatency(0); // lowering the delay mid-stream must not reorder anything
      const back = await conn.call('GET', 'big');
      expect(Buffer.isBuffer(back)).toBe(true);
      expect(Buffer.compare(back as Buffer, big)).toBe(0);

      const client = createClient({ socket: { host: proxy.host, port: proxy.port } });
      await client.connect();
      try {
        proxy.setLatency(latencyMs);
        const t1 = performance.now();
        expect(await client.get('missing')).toBeNull();
        expect(performance.now() - t1).toBeGreaterThanOrEqual(latencyMs);
      } finally {
        client.destroy();
      }
    } finally {
      conn.close();
      await proxy.stop();
    }
  });
});
