/**
 * The field-level diff recorded in the audit log and in history. Nested objects are walked and
 * named by dotted path; arrays and scalars compare whole. Bookkeeping fields that change on
 * every write are left out, and long values are clipped so one audit entry stays small.
 */
import type { FieldChange } from './audit.js';
import { canonicalJson } from './canonical.js';

const BOOKKEEPING = new Set(['metadata.updatedAt', 'metadata.version', 'metadata.checksum', 'metadata.createdAt']);
const MAX_VALUE_CHARS = 500;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Structural equality of JSON values (key order does not matter). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let index = 0; index < a.length; index += 1) if (!sameValue(a[index], b[index])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left).filter((key) => left[key] !== undefined);
  if (keys.length !== Object.keys(right).filter((key) => right[key] !== undefined).length) return false;
  return keys.every((key) => sameValue(left[key], right[key]));
}

function clip(value: unknown): unknown {
  if (typeof value === 'string' && value.length > MAX_VALUE_CHARS) {
    return `${value.slice(0, MAX_VALUE_CHARS)}… (+${value.length - MAX_VALUE_CHARS} chars)`;
  }
  if (value !== undefined && typeof value === 'object') {
    const text = canonicalJson(value);
    if (text.length > MAX_VALUE_CHARS) return `${text.slice(0, MAX_VALUE_CHARS)}… (+${text.length - MAX_VALUE_CHARS} chars)`;
  }
  return value;
}

export function diffFields(before: unknown, after: unknown, prefix = ''): FieldChange[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffFields(before[key], after[key], prefix ? `${prefix}.${key}` : key));
  }
  if (BOOKKEEPING.has(prefix)) return [];
  if ((before === undefined) === (after === undefined) && sameValue(before ?? null, after ?? null)) return [];
  const change: FieldChange = { field: prefix || '*' };
  if (before !== undefined) change.oldValue = clip(before);
  if (after !== undefined) change.newValue = clip(after);
  return [change];
}
