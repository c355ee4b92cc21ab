/**
 * Per-request context: a request id (the caller's X-Request-Id when it is sane, else a new one),
 * a child logger carrying it, and the actor recorded on writes (source, client id, user agent,
 * address). Header values are bounded before they reach an audit entry.
 */
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { AppEnv } from './app-env.js';
import { withRequestNotes, type RequestNotes } from '../observability/request-notes.js';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

function bounded(value: string | undefined, max: number): string | undefined {
  if (value === undefined || value === '') return undefined;
  return value.length > max ? value.slice(0, max) : value;
}

export function requestContext(logger: Logger): MiddlewareHandler<AppEnv> {
  return async function requestContextHandler(c, next) {
    const given = c.req.header('x-request-id');
    const requestId = given && SAFE_ID.test(given) ? given : randomUUID();
    c.set('requestId', requestId);
    c.set('logger', logger.child({ requestId }));
    const clientId = c.req.header('x-client-id');
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim() ?? c.req.header('x-real-ip');
    c.set('actor', {
      source: 'api',
      clientId: clientId && SAFE_ID.test(clientId) ? clientId : undefined,
      userAgent: bounded(c.req.header('user-agent'), 200),
      ipAddress: bounded(forwarded, 64),
    });
    c.header('X-Request-Id', requestId);
    const notes: RequestNotes = {};
    await withRequestNotes(notes, () => next());
    if (notes.fallback) c.res.headers.set('X-Contentkv-Fallback', notes.fallback);
  };
}
