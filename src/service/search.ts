/**
 * Text search over titles, descriptions and tags, for assistants that know roughly what they
 * want but not the id. It scans the collection a page at a time through the store's list (no
 * index to keep in step), stops after a bounded number of documents, and hands back a cursor to
 * go on, so a large collection never makes one call expensive.
 */
import type { Collection, Doc } from '../domain/collections.js';
import { ValidationError } from '../domain/errors.js';
import type { Status } from '../domain/fields.js';
import { encodeCursor, sortMember } from '../store/ordering.js';
import type { ContentStore } from '../store/port.js';

export interface SearchHit {
  collection: Collection;
  id: string;
  title: string;
  status: string;
  score: number;
  snippet: string;
}

export interface SearchQuery {
  text: string;
  collections: Collection[];
  status: Status | 'any';
  limit: number;
  /** Opaque; returned by a previous search. */
  cursor?: string | undefined;
}

const SCAN_PAGE = 100;
const MAX_SCANNED = 2_000;

function fieldsOf(doc: Doc): { weight: number; text: string }[] {
  const body = 'longDescription' in doc ? doc.longDescription : `${doc.result} ${doc.challenge} ${doc.solution.description}`;
  return [
    { weight: 5, text: doc.title },
    { weight: 3, text: doc.tags.join(' ') },
    { weight: 2, text: doc.description },
    { weight: 1, text: body },
  ];
}

function scoreOf(doc: Doc, terms: string[]): { score: number; snippet: string } {
  let score = 0;
  let snippet = '';
  for (const { weight, text } of fieldsOf(doc)) {
    const lower = text.toLowerCase();
    for (const term of terms) {
      const at = lower.indexOf(term);
      if (at < 0) continue;
      score += weight;
      if (!snippet) snippet = `${at > 40 ? '…' : ''}${text.slice(Math.max(0, at - 40), at + 120)}${at + 120 < text.length ? '…' : ''}`;
    }
  }
  return { score, snippet };
}

interface Position {
  collection: number;
  cursor: string | null;
}

/** A cursor from a previous search: which of the searched collections it was in, and where. */
function decode(cursor: string | undefined, collections: number): Position {
  if (!cursor) return { collection: 0, cursor: null };
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Position;
    const inRange = Number.isInteger(parsed.collection) && parsed.collection >= 0 && parsed.collection < collections;
    if (inRange && (parsed.cursor === null || typeof parsed.cursor === 'string')) return parsed;
  } catch {
    // fall through
  }
  throw new ValidationError('the search cursor is not valid; pass back nextCursor from a previous search', [{ path: 'cursor', message: 'invalid' }]);
}

export async function searchContent(store: ContentStore, query: SearchQuery): Promise<{ hits: SearchHit[]; nextCursor: string | null; scanned: number }> {
  const terms = query.text.toLowerCase().split(/\s+/).filter((term) => term.length > 0).slice(0, 10);
  if (terms.length === 0) throw new ValidationError('the search text is empty', [{ path: 'query', message: 'empty' }]);
  let position = decode(query.cursor, query.collections.length);
  const hits: SearchHit[] = [];
  let scanned = 0;
  // Pages are bounded too, not only documents: a page can come back empty (a filter matched none).
  let pages = 0;
  while (position.collection < query.collections.length && scanned < MAX_SCANNED && pages < MAX_SCANNED / SCAN_PAGE + query.collections.length && hits.length < query.limit) {
    pages += 1;
    const collection = query.collections[position.collection] as Collection;
    const page = await store.list(collection, { status: query.status, limit: SCAN_PAGE, cursor: position.cursor });
    let stoppedAt: Doc | null = null;
    for (const doc of page.items) {
      scanned += 1;
      const { score, snippet } = scoreOf(doc, terms);
      if (score > 0) hits.push({ collection, id: doc.id, title: doc.title, status: doc.metadata.status, score, snippet });
      if (hits.length === query.limit && doc !== page.items[page.items.length - 1]) {
        stoppedAt = doc;
        break;
      }
    }
    // A cursor is the sort member of the last document consumed, so the next search resumes right after it.
    if (stoppedAt) position = { collection: position.collection, cursor: encodeCursor(sortMember(stoppedAt)) };
    else position = page.nextCursor ? { collection: position.collection, cursor: page.nextCursor } : { collection: position.collection + 1, cursor: null };
  }
  hits.sort((a, b) => b.score - a.score);
  const more = position.collection < query.collections.length;
  return {
    hits: hits.slice(0, query.limit),
    nextCursor: more ? Buffer.from(JSON.stringify(position), 'utf8').toString('base64url') : null,
    scanned,
  };
}
