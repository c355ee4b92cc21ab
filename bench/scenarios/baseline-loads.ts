/**
 * The baselines' load runs. Bare and naive MCP are measured in alternating rounds with the row's
 * own load (load.ts, measurePaired), so each row that compares with them measures them anew, in
 * the same minutes as ours; the legacy baseline and the page-sized reference are measured once.
 * Each baseline process is started for its measurement and stopped right after.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticDocs } from '../../src/sample/synthetic.js';
import type { Bench } from '../lib/bench.js';
import { measureLoad, measurePaired, type LoadPlan, type LoadResult, type PairedResult } from '../lib/load.js';
import { shuffled } from '../lib/random.js';
import { getPlan, mcpGetPlan } from '../lib/requests.js';

export async function restGetPaths(bench: Bench): Promise<string[]> {
  const data = await bench.mainData();
  return shuffled(data.projects.publishedIds).map((id) => `/api/projects/${id}`);
}

export async function mcpGetIds(bench: Bench): Promise<string[]> {
  return shuffled((await bench.mainData()).projects.publishedIds, 7);
}

/** Our load in alternating rounds with bare answering GETs of a 2 KB body. */
export async function pairedWithBare(bench: Bench, ours: LoadPlan): Promise<PairedResult> {
  const paths = await restGetPaths(bench);
  return bench.withBaseline('bare', {}, (server) => measurePaired(ours, getPlan(server, paths, bench.connections), bench.timing));
}

/**
 * Not a baseline but a reference for the list row: the same bare handler answering a body the
 * size of our list page, to show what serving that many bytes costs by itself on this machine.
 */
export function barePageLoad(bench: Bench, bytes: number): Promise<LoadResult> {
  return bench.once(`load:bare-page:${bytes}`, async () => {
    const paths = await restGetPaths(bench);
    return bench.withBaseline('bare', { BARE_BODY_BYTES: String(bytes) }, (server) => measureLoad(getPlan(server, paths, bench.connections), bench.timing));
  });
}

/**
 * Not a baseline but a reference for the REST GET row: the same bare handler spending a given
 * number of microseconds of CPU on each request before it answers, to show what that much work
 * per request costs by itself on this machine, whoever does it. It is measured in alternating
 * rounds with plain bare, so its ratio to bare comes from the same minutes.
 */
export function bareWorkPaired(bench: Bench, workUs: number): Promise<PairedResult> {
  return bench.once(`load:bare-work:${workUs}`, async () => {
    const paths = await restGetPaths(bench);
    return bench.withBaseline('bare', { BARE_WORK_US: String(workUs) }, (working) =>
      bench.withBaseline('bare', {}, (plain) => measurePaired(getPlan(working, paths, bench.connections), getPlan(plain, paths, bench.connections), bench.timing)),
    );
  });
}

export function legacyLoad(bench: Bench): Promise<LoadResult> {
  return bench.once('load:legacy', async () => {
    const paths = await restGetPaths(bench);
    const dir = mkdtempSync(join(tmpdir(), 'contentkv-bench-legacy-'));
    try {
      const file = join(dir, 'projects.json');
      writeFileSync(file, JSON.stringify(syntheticDocs('projects', 10_000), null, 2));
      // Each request parses ~25 MB (~100 ms of CPU), so at 50 connections a request waits
      // seconds: the run counts a fixed number of responses (a few per connection) instead of a
      // window that would end before most of them, and a long timeout keeps slow answers
      // counted as slow rather than as errors. No warm-up: JIT is noise beside a 100 ms parse.
      const timing = { ...bench.timing, warmupSeconds: 0, requests: bench.connections * (bench.quick ? 2 : 4) };
      return await bench.withBaseline('legacy', { LEGACY_PROJECTS_FILE: file }, (server) =>
        measureLoad({ ...getPlan(server, paths, bench.connections), timeoutSeconds: 120 }, timing),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** Our load (built anew for each run when a function) in alternating rounds with naive MCP's get_project calls. */
export async function pairedWithNaiveMcp(bench: Bench, ours: LoadPlan | (() => Promise<LoadPlan>)): Promise<PairedResult> {
  const ids = await mcpGetIds(bench);
  const env = { REDIS_URL: bench.redis.url, CONTENTKV_KEY_PREFIX: (await bench.mainData()).prefix };
  return bench.withBaseline('naive-mcp', env, (server) => measurePaired(ours, mcpGetPlan(bench.withRedis(server), ids, bench.token, bench.connections), bench.timing));
}
