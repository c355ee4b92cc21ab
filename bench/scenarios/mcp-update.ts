/**
 * MCP tools/call update_project with expectedVersion: each call is a full write (validation,
 * compare-and-set, indexes, audit entry, history, cache invalidation). Only applied updates
 * count; conflicts are reported apart. The comparison is with naive MCP's read throughput.
 */
import type { Bench } from '../lib/bench.js';
import { measureLoad } from '../lib/load.js';
import type { Target } from '../lib/requests.js';
import { openStore } from '../lib/seed.js';
import { fromLoad, ratioAtLeast, type Row } from '../lib/table.js';
import { UpdatePool } from '../lib/update-pool.js';
import { naiveMcpLoad } from './baseline-loads.js';
import { loadNotes } from '../lib/notes.js';

/** Documents updated by the write scenarios: the oldest published projects, 4 per connection. */
export async function updateIds(bench: Bench, connections: number): Promise<string[]> {
  const published = (await bench.mainData()).projects.publishedIds;
  return published.slice(published.length - connections * 4);
}

/** Measures update_project against a server, re-reading versions before each run. */
export async function measureUpdates(bench: Bench, target: Target, connections: number, timing = bench.timing) {
  const ids = await updateIds(bench, connections);
  const store = openStore(bench.redis.url, (await bench.mainData()).prefix);
  await store.open();
  let pool: UpdatePool | null = null;
  try {
    const result = await measureLoad(async () => {
      pool = await UpdatePool.load(store, ids);
      return pool.plan(target, bench.token, connections);
    }, timing);
    const used = pool as UpdatePool | null;
    return { result, conflicts: used?.conflicts ?? 0, otherFailures: used?.otherFailures ?? 0 };
  } finally {
    await store.close();
  }
}

export async function mcpUpdate(bench: Bench): Promise<Row> {
  const ours = await bench.oursOnMainData();
  const { result, conflicts, otherFailures } = await measureUpdates(bench, bench.withRedis(ours), bench.connections);
  const naive = await naiveMcpLoad(bench);
  return {
    scenario: 'mcp-update',
    title: 'MCP tools/call update_project (expectedVersion)',
    ours: fromLoad(result, 'updates/s'),
    checks: [ratioAtLeast('read throughput', result.throughput, 'naive MCP', fromLoad(naive, 'calls/s'), naive.throughput, 3)],
    notes: [`${result.successes.toLocaleString('en-US')} updates applied, ${conflicts} version conflicts, ${otherFailures} other failures`, ...loadNotes({ ...result, failures: 0 }), ...loadNotes(naive, 'naive MCP')],
  };
}
