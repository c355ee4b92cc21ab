/**
 * The benchmark's paired measurement (bench/lib/load.ts): two real HTTP servers loaded by
 * autocannon in alternating rounds. What is checked is the bookkeeping, never a speed: the order
 * of the runs, and that each side's merged figures count exactly the responses its server sent.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { measurePaired } from '../../bench/lib/load.js';

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
    // Warm-ups (ours, baseline), then three rounds: ours-baseline, baseline-ours, ours-baseline.
    expect(runs).toEqual(['ours', 'baseline', 'ours', 'baseline', 'baseline', 'ours', 'ours', 'baseline']);

    expect(result.roundRatios).toHaveLength(3);
    for (const ratio of result.roundRatios) expect(Number.isFinite(ratio) && ratio > 0).toBe(true);
    // The merged figures hold the measured rounds only, so they count fewer responses than the
    // servers sent (which includes the warm-ups), and at least one per measured round.
    for (const [side, server] of [[result.ours, ours], [result.baseline, baseline]] as const) {
      expect(side.successes).toBeGreaterThan(3);
      expect(side.successes).toBeLessThan(server.answered());
      expect(side.failures).toBe(0);
      expect(side.seconds).toBeGreaterThan(2.5);
      expect(side.throughput).toBeCloseTo(side.successes / side.seconds, 6);
      expect(side.roundThroughputs).toHaveLength(3);
      expect(side.p50).toBeLessThanOrEqual(side.p99);
      expect(side.p99).toBeLessThanOrEqual(side.max);
    }
  });

  it('counts what the check refuses as failures of its side only', async () => {
    const ours = await countingServer('ours');
    const baseline = await countingServer('baseline', 503);
    servers.push(ours.server, baseline.server);
    const plan = (target: Counted) => ({ url: target.url, method: 'GET' as const, path: '/', connections: 1 });

    const result = await measurePaired(plan(ours), plan(baseline), { warmupSeconds: 0, seconds: 3, quietSeconds: 0 });

    // A run ends with up to one request in flight per connection, answered but not counted.
    const inFlight = (answered: number, counted: number) => answered - counted;
    expect(result.ours.failures).toBe(0);
    expect(result.ours.successes).toBeGreaterThan(0);
    expect(inFlight(ours.answered(), result.ours.successes)).toBeGreaterThanOrEqual(0);
    expect(inFlight(ours.answered(), result.ours.successes)).toBeLessThanOrEqual(3);
    expect(result.baseline.successes).toBe(0);
    expect(result.baseline.failures).toBeGreaterThan(0);
    expect(inFlight(baseline.answered(), result.baseline.failures)).toBeGreaterThanOrEqual(0);
    expect(inFlight(baseline.answered(), result.baseline.failures)).toBeLessThanOrEqual(3);
  });
});
