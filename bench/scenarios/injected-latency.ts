/**
 * The seed's figures (read ≤ 100 ms, write ≤ 200 ms) were set for Upstash over a network, where
 * a round trip costs milliseconds. Here our server talks to the bench's Redis through a proxy
 * that holds every chunk 5 ms in each direction, so each round trip costs 10 ms more (checked
 * with PINGs through the proxy before the run), and a read and an update are measured at low
 * concurrency: the time a single editor or visitor sees.
 */
import { RespConnection } from '../../test/support/redis-server.js';
import { startLatencyProxy } from '../../test/support/latency-proxy.js';
import type { Bench } from '../lib/bench.js';
import { measureLoad } from '../lib/load.js';
import { getPlan } from '../lib/requests.js';
import { atMost, fromLoad, type Row } from '../lib/table.js';
import { restGetPaths } from './baseline-loads.js';
import { measureUpdates } from './mcp-update.js';
import { loadNotes } from '../lib/notes.js';

const ONE_WAY_MS = 5;
const CONNECTIONS = 4;

/** Median PING time through the proxy on one open connection, in ms. */
async function roundTripMs(host: string, port: number): Promise<number> {
  const connection = new RespConnection({ host, port });
  try {
    await connection.call('PING');
    const times: number[] = [];
    for (let index = 0; index < 11; index += 1) {
      const started = performance.now();
      await connection.call('PING');
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b)[5] as number;
  } finally {
    connection.close();
  }
}

export async function injectedLatency(bench: Bench): Promise<Row[]> {
  const data = await bench.mainData();
  const proxy = await startLatencyProxy({ targetHost: bench.redis.host, targetPort: bench.redis.port, latencyMs: ONE_WAY_MS });
  try {
    const rtt = await roundTripMs(proxy.host, proxy.port);
    const server = await bench.startOurs({ redisUrl: `redis://${proxy.host}:${proxy.port}`, prefix: data.prefix, name: 'contentkv serve (10 ms Redis)' });
    try {
      const paths = await restGetPaths(bench);
      const read = await measureLoad(getPlan(bench.withRedis(server), paths, CONNECTIONS), bench.timing);
      const write = await measureUpdates(bench, bench.withRedis(server), CONNECTIONS);
      const context = `Redis round trip through the proxy: ${rtt.toFixed(1)} ms (PING median); ${CONNECTIONS} connections`;
      return [
        {
          scenario: 'latency',
          title: 'read, 10 ms per Redis round trip (REST GET)',
          ours: fromLoad(read),
          checks: [atMost('p99', read.p99, 100, 'ms')],
          notes: [context, ...loadNotes(read)],
        },
        {
          scenario: 'latency',
          title: 'write, 10 ms per Redis round trip (MCP update)',
          ours: fromLoad(write.result, 'updates/s'),
          checks: [atMost('p99', write.result.p99, 200, 'ms')],
          notes: [`${write.conflicts} version conflicts, ${write.otherFailures} other failures`, ...loadNotes({ ...write.result, failures: 0 })],
        },
      ];
    } finally {
      await server.stop();
    }
  } finally {
    await proxy.stop();
  }
}
