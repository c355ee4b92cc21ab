/**
 * REST list: pages of 20 published projects, the first page (served from the list cache) and
 * pages a quarter, half, three quarters and 95% of the way in (read through their cursors),
 * against the bare floor, in alternating rounds. Anonymous, like the public site.
 */
import type { Bench } from '../lib/bench.js';
import { listPages } from '../lib/cursors.js';
import { getPlan } from '../lib/requests.js';
import { fromLoad, ratioAtLeast, type Row } from '../lib/table.js';
import { barePageLoad, pairedWithBare } from './baseline-loads.js';
import { loadNotes, roundNotes } from '../lib/notes.js';

/** Bytes of a response body, averaged over the pages the load cycles through. */
async function averageBytes(url: string, paths: readonly string[]): Promise<number> {
  let total = 0;
  for (const path of paths) total += Buffer.byteLength(await (await fetch(`${url}${path}`)).text());
  return Math.round(total / paths.length);
}

export async function restList(bench: Bench): Promise<Row> {
  const ours = await bench.oursOnMainData();
  const data = await bench.mainData();
  const pages = await listPages(bench.redis.url, data.prefix);
  const { ours: result, baseline: bare, roundRatios } = await pairedWithBare(bench, getPlan(bench.withRedis(ours), pages.paths, bench.connections));
  const pageBytes = await averageBytes(ours.url, pages.paths);
  const barePage = await barePageLoad(bench, pageBytes);
  const kb = (pageBytes / 1024).toFixed(1);
  return {
    scenario: 'rest-list',
    title: `REST list, page of 20 of ${pages.total.toLocaleString('en-US')} published`,
    ours: fromLoad(result),
    checks: [ratioAtLeast('throughput', result.throughput, 'bare', fromLoad(bare), bare.throughput, 0.5)],
    notes: [
      `${pages.paths.length} pages cycled: the first page and ${pages.paths.length - 1} cursor pages, ${kb} KB per response on average`,
      `reference, measured once apart from the rounds: the bare handler answering a constant ${kb} KB body serves ${Math.round(barePage.throughput).toLocaleString('en-US')} req/s, ` +
        `${(barePage.throughput / bare.throughput).toFixed(2)}x bare (the ceiling of any server sending pages this size here); ours is ${(result.throughput / barePage.throughput).toFixed(2)}x of it`,
      ...roundNotes(roundRatios, bench.timing.seconds, 'bare'),
      ...loadNotes(result),
      ...loadNotes(bare, 'bare'),
      ...loadNotes(barePage, 'bare, page-sized body'),
    ],
  };
}
