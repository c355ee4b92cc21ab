/** Reads a JSON request body, turning a wrong content type or malformed JSON into VALIDATION_FAILED. */
import type { Context } from 'hono';
import { ValidationError } from '../domain/errors.js';

export async function readJsonBody(c: Context): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  // application/json, with parameters (charset) or not; not application/json-patch+json and the like.
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new ValidationError('send the body as JSON with Content-Type: application/json', [{ path: 'Content-Type', message: 'expected application/json' }]);
  }
  try {
    return await c.req.json();
  } catch {
    throw new ValidationError('the body is not valid JSON', [{ path: '(body)', message: 'malformed JSON' }]);
  }
}

/** The body as a JSON object; arrays, strings and null are refused. */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  const body = await readJsonBody(c);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('the body must be a JSON object', [{ path: '(body)', message: 'expected an object' }]);
  }
  return body as Record<string, unknown>;
}
