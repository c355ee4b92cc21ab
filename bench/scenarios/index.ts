/**
 * Every scenario by its --only name, in the order they run. Scenarios that share a measurement
 * (backfill and verify; list-scale and memory) take it from the bench's memo, so selecting both
 * runs it once.
 */
import type { ScenarioId } from '../lib/args.js';
import type { Bench } from '../lib/bench.js';
import type { Row } from '../lib/table.js';
import { coldStartRow } from './cold-start.js';
import { injectedLatency } from './injected-latency.js';
import { listScale, memory } from './list-scale.js';
import { mcpGet } from './mcp-get.js';
import { mcpUpdate } from './mcp-update.js';
import { migration } from './migration.js';
import { restGet } from './rest-get.js';
import { restList } from './rest-list.js';
import { roundTrips } from './round-trips.js';

export const SCENARIO_TITLES: Record<ScenarioId, string> = {
  'rest-get': 'REST GET /api/projects/:id',
  'rest-list': 'REST list page',
  'mcp-get': 'MCP tools/call get_project',
  'mcp-update': 'MCP tools/call update_project',
  backfill: 'backfill',
  verify: 'verify',
  'list-scale': 'list page 100,000 vs 1,000',
  memory: 'server RSS under list load',
  'cold-start': 'cold start',
  'round-trips': 'Redis round trips per operation',
  latency: 'seed targets with 10 ms per round trip',
};

export const SCENARIO_RUNNERS: Record<ScenarioId, (bench: Bench) => Promise<Row | Row[]>> = {
  'rest-get': restGet,
  'rest-list': restList,
  'mcp-get': mcpGet,
  'mcp-update': mcpUpdate,
  backfill: async (bench) => (await migration(bench)).backfill,
  verify: async (bench) => (await migration(bench)).verify,
  'list-scale': listScale,
  memory,
  'cold-start': coldStartRow,
  'round-trips': roundTrips,
  latency: injectedLatency,
};
