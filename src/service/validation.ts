/**
 * Turning untrusted input into typed values. zod issues become one ValidationError whose issues
 * name the path and the problem, so a REST client or an assistant can fix exactly that field.
 */
import type { z } from 'zod';
import { MAX_DOCUMENT_BYTES } from '../domain/fields.js';
import { PayloadTooLargeError, ValidationError, type Issue } from '../domain/errors.js';
import { assertSafeKeys } from '../domain/patch.js';

export function issuesOf(error: z.ZodError): Issue[] {
  return error.issues.slice(0, 20).map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
}

export function parseInput<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  assertSafeKeys(input);
  const result = schema.safeParse(input);
  if (!result.success) {
    const issues = issuesOf(result.error);
    const first = issues[0];
    // The value itself (a query parameter, a version) has no path worth naming in the sentence.
    const where = first && first.path !== '(root)' ? `${first.path}: ` : '';
    throw new ValidationError(`${what} is not valid${first ? `: ${where}${first.message}` : ''}`, issues);
  }
  return result.data;
}

export function assertDocumentSize(doc: unknown): void {
  const bytes = Buffer.byteLength(JSON.stringify(doc), 'utf8');
  if (bytes > MAX_DOCUMENT_BYTES) throw new PayloadTooLargeError(MAX_DOCUMENT_BYTES);
}
