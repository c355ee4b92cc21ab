/**
 * The one place an error becomes an HTTP response. Known errors keep their code and message;
 * anything else is logged with the request id and answered as a bare INTERNAL error, so no stack
 * trace or internal text ever reaches a client.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ContentKvError, type ErrorCode } from '../domain/errors.js';
import { errorBody, metaTimestamp } from './envelope.js';
import type { AppEnv } from './app-env.js';

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  VALIDATION_FAILED: 400,
  PAYLOAD_TOO_LARGE: 413,
  VERSION_CONFLICT: 409,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  STORE_UNAVAILABLE: 503,
  READ_ONLY: 503,
  SCHEMA_TOO_NEW: 503,
  MIGRATION_GUARD: 409,
  METHOD_NOT_ALLOWED: 405,
  INTERNAL: 500,
};

export function errorResponse(error: unknown, c: Context<AppEnv>): Response {
  const meta = { timestamp: metaTimestamp(), requestId: c.get('requestId') ?? 'unknown' };
  if (error instanceof ContentKvError) {
    const status = STATUS[error.code];
    if (status === 503) c.header('Retry-After', String((error.details?.retryAfterSeconds as number | undefined) ?? 5));
    // The client hears our reason; the transport's own words are for the operator.
    if (error.cause !== undefined) c.get('logger')?.warn({ err: error.cause, requestId: meta.requestId, code: error.code }, error.message);
    if (status === 401) c.header('WWW-Authenticate', 'Bearer realm="contentkv"');
    if (status === 405) c.header('Allow', (error.details?.allowed as string[]).join(', '));
    const body = { code: error.code, message: error.message, ...(error.details && { details: error.details }) };
    return c.json(errorBody(body, meta), status);
  }
  if (error instanceof HTTPException) {
    const code = error.status === 413 ? 'PAYLOAD_TOO_LARGE' : error.status === 400 ? 'VALIDATION_FAILED' : 'HTTP_ERROR';
    return c.json(errorBody({ code, message: error.status === 413 ? 'the request body is too large' : error.message || 'bad request' }, meta), error.status as ContentfulStatusCode);
  }
  c.get('logger')?.error({ err: error, requestId: meta.requestId, method: c.req.method, path: c.req.path }, 'unhandled error');
  return c.json(errorBody({ code: 'INTERNAL', message: `internal error; quote request id ${meta.requestId} when reporting it` }, meta), 500);
}
