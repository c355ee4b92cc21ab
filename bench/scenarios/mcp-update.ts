/**
 * MCP tools/call update_project with expectedVersion: each call is a full write (validation,
 * compare-and-set, indexes, audit entry, history, cache invalidation). Only applied updates
 * count; conflicts are reported apart. The comparison is with naive MCP's read throughput.
 */
import type { Bench } from '../lib/bench.js';
import { measureLoad, type LoadPlan, type RunOptions } from '../lib/load.js';
import type { Target } from '../lib/requests.js';
import { openStore } from '../lib/seed.js';
import { fromLoad, ratioAtLeast, type Row } from '../lib/table.js';
import { UpdatePool } from '../lib/update-pool.js';
import { pairedWithNaiveMcp } from './baseline-loads.js';
import { loadNotes, roundNotes } from '../lib/notes.js';

/** Documents updated by the write scenarios: the oldest published projects, 4 per connection. */
export async function updateIds(bench: Bench, connections: number): Promise<string[]> {
  const published = (await bench.mainData()).projects.publishedIds;
  return published.slice(published.length - connections * 4);
}

/**
 * Runs `measure` with a plan of update_project calls that re-reads the documents' versions
 * before each run, and counts the conflicts and other failures of the measured runs (every run
 * but the warm-up, which comes first).
 */
async function withUpdatePlans<T>(bench: Bench, target: Target, connections: number, timing: RunOptions, measure: (plan: () => Promise<LoadPlan>) => Promise<T>) {
  const ids = await updateIds(bench, connections);
  const store = openStore(bench.redis.url, (await bench.mainData()).prefix);
  await store.open();
  const pools: UpdatePool[] = [];
  try {
    const measured = await measure(async () => {
      const pool = await UpdatePool.load(store, ids);
      pools.push(pool);
      return pool.plan(target, bench.token, connections);
    });
    const counted = timing.warmupSeconds > 0 ? pools.slice(1) : pools;
    return {
      measured,
      conflicts: counted.reduce((total, pool) => total + pool.conflicts, 0),
      otherFailures: counted.reduce((total, pool) => total + pool.otherFailures, 0),
    };
  } finally {
    await store.close();
  }
}

/** Measures update_project against a server on its own. */
export async function measureUpdates(bench: Bench, target: Target, connections: number, timing = bench.timing) {
  const { measured, conflicts, otherFailures } = await withUpdatePlans(bench, target, connections, timing, (plan) => measureLoad(plan, timing));
  return { result: measured, conflicts, otherFailures };
}

export async function mcpUpdate(bench: Bench): Promise<Row> {
  const ours = await bench.oursOnMainData();
  const { measured, conflicts, otherFailures } = await withUpdatePlans(bench, bench.withRedis(ours), bench.connections, bench.timing, (plan) => pairedWithNaiveMcp(bench, plan));
  const { ours: result, baseline: naive, roundRatios } = measured;
  return {
    scenario: 'mcp-update',
    title: 'MCP tools/call update_project (expectedVersion)',
    ours: fromLoad(result, 'updates/s'),
    checks: [ratioAtLeast('read throughput', result.throughput, 'naive MCP', fromLoad(naive, 'calls/s'), naive.throughput, 3)],
    notes: [
      `${result.successes.toLocaleString('en-US')} updates applied, ${conflicts} version conflicts, ${otherFailures} other failures`,
      ...roundNotes(roundRatios, bench.timing.seconds, 'naive MCP (read)'),
      ...loadNotes({ ...result, failures: 0 }),
      ...loadNotes(naive, 'naive MCP'),
    ],
  };
}
