/**
 * The canonical form of a document: JSON with object keys sorted at every depth, no
 * whitespace, and without `metadata.checksum`. The same content gives the same bytes, and
 * so the same checksum, in every store (DESIGN.md, invariant 2).
 */
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  const keys = Object.keys(value).filter((key) => (value as Record<string, unknown>)[key] !== undefined).sort();
  const parts = keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${parts.join(',')}}`;
}

interface WithMetadata {
  metadata: { checksum?: string } & Record<string, unknown>;
}

export function checksumOf(doc: WithMetadata): string {
  const { checksum: _ignored, ...metadata } = doc.metadata;
  return createHash('sha256').update(canonicalJson({ ...doc, metadata })).digest('hex');
}

/** Returns a copy of `doc` whose metadata carries its own checksum. */
export function withChecksum<T extends WithMetadata>(doc: T): T {
  return { ...doc, metadata: { ...doc.metadata, checksum: checksumOf(doc) } };
}
