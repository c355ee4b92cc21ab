/**
 * Per-request context: a request id (the caller's X-Request-Id when it is sane, else a new one),
 * the logger, and how many proxies are trusted for the client's address. The actor recorded on
 * writes (source, client id, user agent, address) is read only by the routes that write, through
 * actorOf(); header values are bounded before they reach an audit entry. Reads, the hot path, pay
 * for neither.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { Logger } from 'pino';
import type { Actor } from '../domain/audit.js';
import type { AppEnv } from './app-env.js';
import { clientAddress, peerAddress, type RequestOrigin } from './client-address.js';
import { requestHeader } from './request-header.js';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

function bounded(value: string | undefined, max: number): string | undefined {
  if (value === undefined || value === '') return undefined;
  return value.length > max ? value.slice(0, max) : value;
}

/**
 * Sets a request's context (request-pipeline.ts calls it first) and returns its id. trustProxy:
 * proxy hops whose X-Forwarded-For entries are believed (see client-address.ts).
 */
export function startRequest(c: Context<AppEnv>, logger: Logger, trustProxy: number): string {
  const given = requestHeader(c, 'x-request-id');
  const requestId = given && SAFE_ID.test(given) ? given : randomUUID();
  c.set('requestId', requestId);
  c.set('logger', logger);
  c.set('trustProxy', trustProxy);
  c.header('X-Request-Id', requestId);
  return requestId;
}

/** Who is making this request, for the audit entry of a write. */
export function actorOf(c: Context<AppEnv>, source: Actor['source'] = 'api'): Actor {
  return actorFromOrigin({ header: (name) => requestHeader(c, name), peerAddress: peerAddress(c) }, source, c.get('trustProxy'));
}

/** The same from any request's origin (the MCP endpoint reads it from the Node request). */
export function actorFromOrigin(origin: RequestOrigin, source: Actor['source'], trustProxy: number): Actor {
  const clientId = origin.header('x-client-id');
  return {
    source,
    clientId: clientId && SAFE_ID.test(clientId) ? clientId : undefined,
    userAgent: bounded(origin.header('user-agent'), 200),
    ipAddress: bounded(clientAddress(origin, trustProxy), 64),
  };
}
