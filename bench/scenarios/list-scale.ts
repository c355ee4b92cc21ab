/**
 * Does a list page cost the same at 100,000 documents as at 1,000? Two collections under their
 * own key prefixes in the same Redis, each served by its own server process, loaded with the
 * same page mix (first page and cursor pages at the same relative depths). The 100,000 run also
 * samples the server's RSS, which is the memory row: a server that loaded the collection to page
 * it would show here.
 */
import type { Bench } from '../lib/bench.js';
import { listPages } from '../lib/cursors.js';
import { measureLoad, type LoadResult } from '../lib/load.js';
import { getPlan } from '../lib/requests.js';
import { rssMb, sampleRss } from '../lib/rss.js';
import { seed } from '../lib/seed.js';
import { atMost, fromLoad, type Row } from '../lib/table.js';
import { loadNotes } from '../lib/notes.js';

const SMALL = { prefix: '{bench1k}:', count: 1_000 };
const LARGE = { prefix: '{bench100k}:', count: 100_000 };

interface ListRun {
  result: LoadResult;
  total: number;
  idleRssMb: number;
  maxRssMb: number;
}

async function listRun(bench: Bench, collection: { prefix: string; count: number }): Promise<ListRun> {
  const seeded = await seed(bench.redis.url, collection.prefix, 'projects', collection.count);
  bench.progress(`loaded ${collection.count.toLocaleString('en-US')} projects under ${collection.prefix} in ${seeded.seconds.toFixed(1)} s`);
  const pages = await listPages(bench.redis.url, collection.prefix);
  const server = await bench.startOurs({ prefix: collection.prefix, name: `contentkv serve (${collection.prefix})` });
  try {
    const idleRssMb = rssMb(server.pid) ?? Number.NaN;
    // Sampled through the warm-up too: peak RSS is what a memory limit would meet.
    const sampler = sampleRss(server.pid);
    let maxRssMb = idleRssMb;
    const result = await measureLoad(getPlan(bench.withRedis(server), pages.paths, bench.connections), bench.timing).finally(() => {
      maxRssMb = sampler.stop().maxMb;
    });
    return { result, total: pages.total, idleRssMb, maxRssMb };
  } finally {
    await server.stop();
  }
}

function runs(bench: Bench): Promise<{ small: ListRun; large: ListRun }> {
  return bench.once('list-scale', async () => ({ small: await listRun(bench, SMALL), large: await listRun(bench, LARGE) }));
}

export async function listScale(bench: Bench): Promise<Row> {
  const { small, large } = await runs(bench);
  const ratio = large.result.p50 / small.result.p50;
  const smallFigures = fromLoad(small.result);
  return {
    scenario: 'list-scale',
    title: `list page at ${LARGE.count.toLocaleString('en-US')} vs ${SMALL.count.toLocaleString('en-US')} documents`,
    ours: fromLoad(large.result),
    checks: [atMost('p50 ratio', ratio, 1.5, '×', { name: `${SMALL.count.toLocaleString('en-US')} docs`, figures: smallFigures })],
    notes: [`published: ${large.total.toLocaleString('en-US')} vs ${small.total.toLocaleString('en-US')}; same page mix`, ...loadNotes(large.result), ...loadNotes(small.result, 'small')],
  };
}

export async function memory(bench: Bench): Promise<Row> {
  const { large } = await runs(bench);
  return {
    scenario: 'memory',
    title: `server RSS under list load, ${LARGE.count.toLocaleString('en-US')} documents`,
    ours: { value: large.maxRssMb, valueUnit: 'MB max', raw: { idleRssMb: large.idleRssMb, maxRssMb: large.maxRssMb } },
    checks: [atMost('max RSS', large.maxRssMb, 200, 'MB')],
    notes: [`RSS before the load ${large.idleRssMb.toFixed(0)} MB, sampled every 100 ms from /proc/<pid>/status`],
  };
}
