/**
 * REST GET /api/projects/:id on the Redis stage, anonymous, cycling through every published
 * project in a shuffled order, against the framework floor (bare, in alternating rounds) and the
 * original's read-the-file-per-request approach (legacy). A reference run of bare doing as much
 * more CPU per request as ours did shows whether that CPU alone accounts for the gap.
 */
import type { Bench } from '../lib/bench.js';
import { getPlan } from '../lib/requests.js';
import { atMost, fromLoad, ratioAtLeast, type Row } from '../lib/table.js';
import { loadNotes, roundNotes } from '../lib/notes.js';
import { bareWorkPaired, legacyLoad, pairedWithBare, restGetPaths } from './baseline-loads.js';

export async function restGet(bench: Bench): Promise<Row> {
  const ours = await bench.oursOnMainData();
  const paths = await restGetPaths(bench);
  const { ours: result, baseline: bare, roundRatios } = await pairedWithBare(bench, getPlan(bench.withRedis(ours), paths, bench.connections));
  const legacy = await legacyLoad(bench);
  // What that much work per request costs by itself here: bare spending as much more CPU per
  // request as ours took over bare's. If ours is near it, our CPU per request explains our rate.
  const extraUs = result.serverCpuUs !== undefined && bare.serverCpuUs !== undefined ? Math.round(result.serverCpuUs - bare.serverCpuUs) : 0;
  const worked = extraUs > 0 ? await bareWorkPaired(bench, extraUs) : null;
  const workedExtraUs = worked?.ours.serverCpuUs !== undefined && worked.baseline.serverCpuUs !== undefined ? Math.round(worked.ours.serverCpuUs - worked.baseline.serverCpuUs) : null;
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
      ...(worked
        ? [
            `reference, apart from the rounds above: ours took ${extraUs} µs more CPU per request than bare; bare spending ${extraUs} µs of CPU on each request before answering ` +
              `(${workedExtraUs ?? '?'} µs more than plain bare, as measured) serves ${(worked.ours.throughput / worked.baseline.throughput).toFixed(2)}x plain bare ` +
              `in ${worked.roundRatios.length} alternating rounds (${worked.roundRatios.map((ratio) => ratio.toFixed(2)).join(', ')}); ours ${(result.throughput / bare.throughput).toFixed(2)}x`,
          ]
        : []),
    ],
  };
}
