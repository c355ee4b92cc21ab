/**
 * Whether a document matches a list query's filters. Stores that cannot answer a filter from an
 * index use this to filter what they read, so every store agrees on what a query means.
 */
import type { Doc } from '../domain/collections.js';
import type { ListQuery } from './port.js';

export function normalizeTag(tag: string): string {
  return tag.trim().toLowerCase();
}

export function matchesQuery(doc: Doc, query: Pick<ListQuery, 'status' | 'featured' | 'tag'>): boolean {
  if (query.status !== 'any' && doc.metadata.status !== query.status) return false;
  if (query.featured !== undefined && doc.metadata.featured !== query.featured) return false;
  if (query.tag !== undefined) {
    const wanted = normalizeTag(query.tag);
    if (!doc.tags.some((tag) => normalizeTag(tag) === wanted)) return false;
  }
  return true;
}
