/**
 * The list pages a list scenario cycles through: the first page and pages starting a quarter,
 * half, three quarters and 95% of the way into the published documents. Cursors are collected
 * by walking the list through the store before the load starts, so they are real cursors the
 * server handed out, and the walk does not touch the server whose memory is being measured.
 */
import { openStore } from './seed.js';

const FRACTIONS = [0.25, 0.5, 0.75, 0.95];
const WALK_PAGE = 100;

export interface ListPages {
  paths: string[];
  /** Published documents, as the store counts them. */
  total: number;
}

export async function listPages(redisUrl: string, keyPrefix: string, pageSize = 20): Promise<ListPages> {
  const store = openStore(redisUrl, keyPrefix);
  try {
    await store.open();
    let page = await store.list('projects', { status: 'published', limit: WALK_PAGE, cursor: null });
    const total = page.total ?? 0;
    const wanted = FRACTIONS.map((fraction) => Math.max(WALK_PAGE, Math.floor((fraction * total) / WALK_PAGE) * WALK_PAGE));
    const cursors: string[] = [];
    let offset = WALK_PAGE;
    while (cursors.length < wanted.length && page.nextCursor) {
      while (wanted[cursors.length] === offset) cursors.push(page.nextCursor);
      if (cursors.length === wanted.length) break;
      page = await store.list('projects', { status: 'published', limit: WALK_PAGE, cursor: page.nextCursor });
      offset += WALK_PAGE;
    }
    const query = `limit=${pageSize}`;
    return { paths: [`/api/projects?${query}`, ...cursors.map((cursor) => `/api/projects?${query}&cursor=${encodeURIComponent(cursor)}`)], total };
  } finally {
    await store.close();
  }
}
