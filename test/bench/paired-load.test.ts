/**
 * The benchmark's paired measurement (bench/lib/load.ts): two real HTTP servers loaded by
 * autocannon in alternating rounds. What is checked is the bookkeeping, never a speed: the order
 * of the runs, and that each side's merged figures count exactly the responses its server sent.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { measurePaired, merged, type LoadResult, type Run } from '../../bench/lib/load.js';

interface Counted {
  server: Server;
  url: string;
  answered: () => number;
}

/** Every socket's first sight, in order, across both servers: which server and when. */
const opened: { name: string; at: bigint }[] = [];

async function countingServer(name: string, status = 200): Promise<Counted> {
  let answered = 0;
  const server = createServer((_request, response) => {
    answered += 1;
    response.writeHead(status, { 'content-type': 'text/plain' }).end(name);
  });
  server.on('connection', () => opened.push({ name, at: process.hrtime.bigint() }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, answered: () => answered };
}

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  opened.length = 0;
});

describe('measurePaired', () => {
  it('alternates the two sides in rounds, ours first, then the baseline first, and counts each side apart', async () => {
    const ours = await countingServer('ours');
    const baseline = await countingServer('baseline');
    servers.push(ours.server, baseline.server);
    const connections = 2;
    const plan = (target: Counted) => ({ url: target.url, method: 'GET' as const, path: '/', connections });

    const result = await measurePaired(plan(ours), plan(baseline), { warmupSeconds: 1, seconds: 3, quietSeconds: 0 });

    // Each run opens its own connections: group the sockets by run to read the order of the runs.
    const sorted = [...opened].sort((a, b) => (a.at < b.at ? -1 : 1));
    const runs: string[] = [];
    for (let index = 0; index < sorted.length; index += connections) runs.push((sorted[index] as { name: string }).name);
    // Warm-ups (ours, baseline), then four rounds: ours-baseline, baseline-ours, twice.
    expect(runs).toEqual(['ours', 'baseline', 'ours', 'baseline', 'baseline', 'ours', 'ours', 'baseline', 'baseline', 'ours']);

    expect(result.roundRatios).toHaveLength(4);
    for (const ratio of result.roundRatios) expect(Number.isFinite(ratio) && ratio > 0).toBe(true);
    // Each side's figures hold its four measured rounds of 0.75 s: about 3 s, without the warm-up's.
    for (const side of [result.ours, result.baseline]) {
      expect(side.successes).toBeGreaterThan(4);
      expect(side.failures).toBe(0);
      expect(side.seconds).toBeGreaterThan(2.5);
      expect(side.seconds).toBeLessThan(4);
      expect(side.roundThroughputs).toHaveLength(4);
    }
  });

  it('refuses a fixed count of requests, which it cannot cut into rounds', async () => {
    await expect(measurePaired({ url: 'http://127.0.0.1:9', method: 'GET', path: '/', connections: 1 }, { url: 'http://127.0.0.1:9', method: 'GET', path: '/', connections: 1 }, { warmupSeconds: 0, seconds: 3, requests: 10 })).rejects.toThrow(
      /fixed count/,
    );
  });

  it('counts what the check refuses as failures of its side only', async () => {
    const ours = await countingServer('ours');
    const baseline = await countingServer('baseline', 503);
    servers.push(ours.server, baseline.server);
    const plan = (target: Counted) => ({ url: target.url, method: 'GET' as const, path: '/', connections: 1 });

    const result = await measurePaired(plan(ours), plan(baseline), { warmupSeconds: 0, seconds: 3, quietSeconds: 0 });

    // Each of the 8 runs ends with up to one request in flight per connection, answered but not counted.
    const inFlight = (answered: number, counted: number) => answered - counted;
    expect(result.ours.failures).toBe(0);
    expect(result.ours.successes).toBeGreaterThan(0);
    expect(inFlight(ours.answered(), result.ours.successes)).toBeGreaterThanOrEqual(0);
    expect(inFlight(ours.answered(), result.ours.successes)).toBeLessThanOrEqual(4);
    expect(result.baseline.successes).toBe(0);
    expect(result.baseline.failures).toBeGreaterThan(0);
    expect(inFlight(baseline.answered(), result.baseline.failures)).toBeGreaterThanOrEqual(0);
    expect(inFlight(baseline.answered(), result.baseline.failures)).toBeLessThanOrEqual(4);
  });
});

describe('merged', () => {
  const run = (result: Partial<LoadResult>, latencies: number[]): Run => ({
    result: {
      seconds: 1, connections: 2, successes: 0, failures: 0, non2xx: 0, errors: 0, timeouts: 0,
      throughput: 0, p50: 0, p99: 0, max: 0, backgroundCpu: 0, generatorCpu: 0, ...result,
    },
    latencies: Float64Array.from(latencies).sort(),
  });

  it('adds the counts, takes percentiles over every response and weighs CPU by what each run served', () => {
    const first = run({ seconds: 2, successes: 100, failures: 1, non2xx: 1, throughput: 50, backgroundCpu: 0.1, generatorCpu: 0.5, serverCpuUs: 100, redisCpuUs: 10 }, [3, 1, 2]);
    const second = run({ seconds: 1, successes: 300, timeouts: 2, throughput: 300, backgroundCpu: 0.4, generatorCpu: 0.8, serverCpuUs: 200 }, [10, 0.5, 4]);

    const result = merged([first, second]);

    expect(result.seconds).toBe(3);
    expect(result.successes).toBe(400);
    expect(result.failures).toBe(1);
    expect(result.non2xx).toBe(1);
    expect(result.timeouts).toBe(2);
    expect(result.throughput).toBeCloseTo(400 / 3, 9);
    // Latencies of both runs, sorted as numbers: 0.5, 1, 2, 3, 4, 10.
    expect(result.p50).toBe(2);
    expect(result.p99).toBe(10);
    expect(result.max).toBe(10);
    // 100 responses at 100 µs and 300 at 200 µs: 175 µs each, not the runs' plain mean of 150.
    expect(result.serverCpuUs).toBeCloseTo(175, 9);
    // One run did not measure Redis: no figure rather than half of one.
    expect(result.redisCpuUs).toBeUndefined();
    // Shares of the machine, weighted by each run's time.
    expect(result.backgroundCpu).toBeCloseTo(0.2, 9);
    expect(result.generatorCpu).toBeCloseTo(0.6, 9);
    expect(result.roundThroughputs).toEqual([50, 300]);
  });
});
