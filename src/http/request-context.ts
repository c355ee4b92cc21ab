/**
 * Per-request context: a request id (the caller's X-Request-Id when it is sane, else a new one)
 * and the logger. The actor recorded on writes (source, client id, user agent, address) is read
 * from the headers only by the routes that write, through actorOf(); header values are bounded
 * before they reach an audit entry. Reads, the hot path, pay for neither.
 */
import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { Actor } from '../domain/audit.js';
import type { AppEnv } from './app-env.js';
import { requestHeader } from './request-header.js';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

function bounded(value: string | undefined, max: number): string | undefined {
  if (value === undefined || value === '') return undefined;
  return value.length > max ? value.slice(0, max) : value;
}

export function requestContext(logger: Logger): MiddlewareHandler<AppEnv> {
  return async function requestContextHandler(c, next) {
    const given = requestHeader(c, 'x-request-id');
    const requestId = given && SAFE_ID.test(given) ? given : randomUUID();
    c.set('requestId', requestId);
    c.set('logger', logger);
    c.header('X-Request-Id', requestId);
    await next();
  };
}

/** Who is making this request, for the audit entry of a write. */
export function actorOf(c: Context<AppEnv>, source: Actor['source'] = 'api'): Actor {
  return actorFromHeaders((name) => requestHeader(c, name), source);
}

/** The same from any request's headers (the MCP endpoint reads them from the Node request). */
export function actorFromHeaders(header: (name: string) => string | undefined, source: Actor['source']): Actor {
  const clientId = header('x-client-id');
  const forwarded = header('x-forwarded-for')?.split(',')[0]?.trim() ?? header('x-real-ip');
  return {
    source,
    clientId: clientId && SAFE_ID.test(clientId) ? clientId : undefined,
    userAgent: bounded(header('user-agent'), 200),
    ipAddress: bounded(forwarded, 64),
  };
}
