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
  if (canonicalJson(before ?? null) === canonicalJson(after ?? null) && (before === undefined) === (after === undefined)) return [];
  const change: FieldChange = { field: prefix || '*' };
  if (before !== undefined) change.oldValue = clip(before);
  if (after !== undefined) change.newValue = clip(after);
  return [change];
}
