/**
 * MCP tools/call get_project as a 2025-era client sends it, against the SDK's documented
 * stateless pattern serving the same tool from the same Redis (naive MCP), in alternating rounds.
 */
import type { Bench } from '../lib/bench.js';
import { mcpGetPlan } from '../lib/requests.js';
import { atMost, fromLoad, ratioAtLeast, type Row } from '../lib/table.js';
import { mcpGetIds, pairedWithNaiveMcp } from './baseline-loads.js';
import { loadNotes, roundNotes } from '../lib/notes.js';

export async function mcpGet(bench: Bench): Promise<Row> {
  const ours = await bench.oursOnMainData();
  const ids = await mcpGetIds(bench);
  const { ours: result, baseline: naive, roundRatios } = await pairedWithNaiveMcp(bench, mcpGetPlan(bench.withRedis(ours), ids, bench.token, bench.connections));
  return {
    scenario: 'mcp-get',
    title: 'MCP tools/call get_project',
    ours: fromLoad(result, 'calls/s'),
    checks: [
      ratioAtLeast('throughput', result.throughput, 'naive MCP', fromLoad(naive, 'calls/s'), naive.throughput, 5),
      atMost('p99', result.p99, 25, 'ms'),
    ],
    notes: [...roundNotes(roundRatios, bench.timing.seconds, 'naive MCP'), ...loadNotes(result), ...loadNotes(naive, 'naive MCP')],
  };
}
