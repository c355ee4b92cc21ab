/**
 * A read served by a fallback store carries a mark saying so, as a symbol on the result, which
 * JSON never shows; the HTTP edge turns it into a response header. A mark on the value is free
 * for the reads that need none, unlike per-request async context.
 */
const FALLBACK = Symbol('contentkv.fallback');

export function markFallback<T>(value: T, description: string): T {
  if (value !== null && typeof value === 'object') Object.defineProperty(value, FALLBACK, { value: description, enumerable: false });
  return value;
}

export function fallbackOf(value: unknown): string | undefined {
  return value !== null && typeof value === 'object' ? ((value as Record<symbol, string | undefined>)[FALLBACK] ?? undefined) : undefined;
}
