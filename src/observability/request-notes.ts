/**
 * Per-request notes that deep layers leave for the HTTP edge: today, that a read was served from
 * a fallback store because the usual one failed. AsyncLocalStorage carries them without
 * threading a parameter through every store call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestNotes {
  /** Set when content came from a fallback: which store served it and why. */
  fallback?: string;
}

const storage = new AsyncLocalStorage<RequestNotes>();

export function withRequestNotes<T>(notes: RequestNotes, work: () => T): T {
  return storage.run(notes, work);
}

export function noteFallback(description: string): void {
  const notes = storage.getStore();
  if (notes) notes.fallback = description;
}
