/**
 * Cold start: from spawning the process to the first 200 from /api/health, the median of
 * several spawns, for our server (full readiness: Redis connected and answering) and for the bare
 * Hono baseline. Spawns alternate between the two so a slow moment of the machine hits both.
 */
import type { Bench } from '../lib/bench.js';
import { spawnServer, stopChild, waitHealthy, type StartOptions } from '../lib/server-process.js';
import { atMost, type Figures, type Row } from '../lib/table.js';

/**
 * Starts of each, alternating. Five gave medians 15% apart between two full runs on a machine
 * whose single starts ranged from 399 to 603 ms; nine cost a few seconds more.
 */
const SPAWNS = 9;

async function coldStart(options: StartOptions): Promise<number> {
  const spawned = await spawnServer(options);
  try {
    return await waitHealthy(spawned, options.name);
  } finally {
    await stopChild(spawned.child, spawned.exited);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export async function coldStartRow(bench: Bench): Promise<Row> {
  await bench.mainData();
  const ours = bench.oursOptions();
  const bare = bench.baselineOptions('bare');
  const oursMs: number[] = [];
  const bareMs: number[] = [];
  // One unmeasured spawn of each first: the first read of the files from disk is not a cold start.
  await coldStart(ours);
  await coldStart(bare);
  for (let index = 0; index < SPAWNS; index += 1) {
    oursMs.push(await coldStart(ours));
    bareMs.push(await coldStart(bare));
  }
  const oursMedian = median(oursMs);
  const bareMedian = median(bareMs);
  const bareFigures: Figures = { value: bareMedian, valueUnit: 'ms median', raw: bareMs };
  return {
    scenario: 'cold-start',
    title: 'cold start: spawn to first 200 /api/health',
    ours: { value: oursMedian, valueUnit: 'ms median', raw: oursMs },
    checks: [atMost('cold start / bare', oursMedian / bareMedian, 2, '×', { name: 'bare', figures: bareFigures })],
    notes: [`${SPAWNS} spawns each, alternating, after one unmeasured spawn of each; ours ${oursMs.map((ms) => ms.toFixed(0)).join(', ')} ms; bare ${bareMs.map((ms) => ms.toFixed(0)).join(', ')} ms`],
  };
}
