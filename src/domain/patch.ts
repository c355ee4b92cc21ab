/**
 * Partial updates. A patch is a deep partial of a document's writable content: nested objects
 * merge, arrays and scalars replace, and `null` removes an optional field (RFC 7386 style).
 * Keys that could reach an object's prototype are refused before anything is merged.
 */
import { z } from 'zod';
import { ValidationError } from './errors.js';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

type Shape = Record<string, z.ZodType>;

/** Builds the patch schema for a strict object schema: every field optional, nested objects patchable too. */
export function patchSchemaOf(schema: z.ZodObject<Shape>): z.ZodObject<Shape> {
  const shape: Shape = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    const optional = field instanceof z.ZodOptional;
    const inner = optional ? (field.unwrap() as z.ZodType) : field;
    const patched = inner instanceof z.ZodObject ? patchSchemaOf(inner as z.ZodObject<Shape>) : inner;
    shape[key] = optional ? patched.nullable().optional() : patched.optional();
  }
  return z.strictObject(shape);
}

/** Documents nest four levels at most; anything far deeper is an attack on the stack, not content. */
export const MAX_DEPTH = 32;

/** Refuses any key that names a prototype, at any depth, and input nested deeper than MAX_DEPTH. */
export function assertSafeKeys(value: unknown, path = '', depth = 0): void {
  if (value === null || typeof value !== 'object') return;
  if (depth >= MAX_DEPTH) {
    throw new ValidationError(`the input is nested more than ${MAX_DEPTH} levels deep`, [{ path: path || '(root)', message: 'too deep' }]);
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => assertSafeKeys(item, `${path}[${index}]`, depth + 1));
    return;
  }
  for (const key of Object.keys(value)) {
    const where = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) {
      throw new ValidationError(`the key "${key}" is not allowed`, [{ path: where, message: 'forbidden key' }]);
    }
    assertSafeKeys((value as Record<string, unknown>)[key], where, depth + 1);
  }
}

/**
 * Whether `value` holds objects or arrays nested more than `limit` levels deep. It looks no
 * deeper than the limit, so it cannot itself overflow the stack on input built to do so.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit <= 0) return true;
  for (const child of Array.isArray(value) ? value : Object.values(value)) if (nestsDeeperThan(child, limit - 1)) return true;
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Applies `patch` to `target` without mutating either; the result is a fresh object tree. */
export function mergePatch<T extends Record<string, unknown>>(target: T, patch: Record<string, unknown>): T {
  assertSafeKeys(patch);
  const result: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete result[key];
    else if (isPlainObject(value) && isPlainObject(result[key])) result[key] = mergePatch(result[key] as Record<string, unknown>, value);
    else result[key] = structuredClone(value);
  }
  return result as T;
}
