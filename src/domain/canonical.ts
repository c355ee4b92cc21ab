/**
 * The canonical form of a document: JSON with object keys sorted at every depth, no
 * whitespace, and without `metadata.checksum`. The same content gives the same bytes, and
 * so the same checksum, in every store (DESIGN.md, invariant 2).
 */
import { hash } from 'node:crypto';

function write(value: unknown, out: string[]): void {
  if (value === null || typeof value !== 'object') {
    out.push(JSON.stringify(value) ?? 'null');
    return;
  }
  if (Array.isArray(value)) {
    out.push('[');
    for (let index = 0; index < value.length; index += 1) {
      if (index > 0) out.push(',');
      const item = value[index] as unknown;
      write(item === undefined ? null : item, out);
    }
    out.push(']');
    return;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  out.push('{');
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    if (!first) out.push(',');
    first = false;
    out.push(JSON.stringify(key), ':');
    write(item, out);
  }
  out.push('}');
}

export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out);
  return out.join('');
}

interface WithMetadata {
  metadata: { checksum?: string } & Record<string, unknown>;
}

export function checksumOf(doc: WithMetadata): string {
  const { checksum: _ignored, ...metadata } = doc.metadata;
  return hash('sha256', canonicalJson({ ...doc, metadata }), 'hex');
}

/** Returns a copy of `doc` whose metadata carries its own checksum. */
export function withChecksum<T extends WithMetadata>(doc: T): T {
  return { ...doc, metadata: { ...doc.metadata, checksum: checksumOf(doc) } };
}
