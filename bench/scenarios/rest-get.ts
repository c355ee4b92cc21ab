/**
 * REST GET /api/projects/:id on the Redis stage, anonymous, cycling through every published
 * project in a shuffled order, against the framework floor (bare, in alternating rounds) and the
 * original's read-the-file-per-request approach (legacy).
 */
import type { Bench } from '../lib/bench.js';
import { getPlan } from '../lib/requests.js';
import { atMost, fromLoad, ratioAtLeast, type Row } from '../lib/table.js';
import { loadNotes, roundNotes } from '../lib/notes.js';
import { legacyLoad, pairedWithBare, restGetPaths } from './baseline-loads.js';

export async function restGet(bench: Bench): Promise<Row> {
  const ours = await bench.oursOnMainData();
  const paths = await restGetPaths(bench);
  const { ours: result, baseline: bare, roundRatios } = await pairedWithBare(bench, getPlan(bench.withRedis(ours), paths, bench.connections));
  const legacy = await legacyLoad(bench);
  return {
    scenario: 'rest-get',
    title: `REST GET /api/projects/:id, Redis stage (${paths.length.toLocaleString('en-US')} ids)`,
    ours: fromLoad(result),
    checks: [
      ratioAtLeast('throughput', result.throughput, 'bare', fromLoad(bare), bare.throughput, 0.75),
      ratioAtLeast('throughput', result.throughput, 'legacy', fromLoad(legacy), legacy.throughput, 10),
      atMost('p99', result.p99, 10, 'ms'),
    ],
    notes: [
      ...roundNotes(roundRatios, bench.timing.seconds, 'bare'),
      ...loadNotes(result),
      ...loadNotes(bare, 'bare'),
      ...loadNotes(legacy, 'legacy'),
      `legacy: ${legacy.successes} responses at ${bench.connections} connections (a fixed count, see baseline-loads.ts)`,
    ],
  };
}
