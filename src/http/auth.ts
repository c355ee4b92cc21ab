/**
 * Bearer tokens. Both are compared in constant time (hash, then timingSafeEqual, so lengths leak
 * nothing), and neither is ever logged. A request with a token that matches neither is refused
 * outright rather than treated as anonymous, so a typo does not silently hide drafts.
 */
import { hash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ForbiddenError, UnauthorizedError } from '../domain/errors.js';
import type { AppEnv, Role } from './app-env.js';

export interface Tokens {
  write: string;
  read?: string | undefined;
}

/** One-shot: a Hash object per request cost about twice as much (2.3 against 1.4 µs here). */
function digest(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

function roleOf(authorization: string | undefined, expected: ReturnType<typeof digests>): Role {
  if (authorization === undefined || authorization === '') return 'anonymous';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) throw new UnauthorizedError('the Authorization header must be "Bearer <token>"');
  const given = digest(match[1] as string);
  const isWrite = timingSafeEqual(given, expected.write);
  const isRead = expected.read !== null && timingSafeEqual(given, expected.read);
  if (isWrite) return 'write';
  if (isRead) return 'read';
  throw new UnauthorizedError('the bearer token is not valid');
}

function digests(tokens: Tokens): { write: Buffer; read: Buffer | null } {
  return { write: digest(tokens.write), read: tokens.read === undefined ? null : digest(tokens.read) };
}

/**
 * The caller's role from the Authorization header, for every request (request-pipeline.ts sets
 * it); routes then ask for what they need. Throws UnauthorizedError for a malformed header or a
 * token that matches neither.
 */
export function roleResolver(tokens: Tokens): (authorization: string | undefined) => Role {
  const expected = digests(tokens);
  return (authorization) => roleOf(authorization, expected);
}

/** `what` names what is guarded in the refusal (the admin API, whose reads need the write token too); writing by default. */
export function requireRole(needed: 'read' | 'write', what?: string): MiddlewareHandler<AppEnv> {
  return async function requireRoleHandler(c, next) {
    assertRole(c.get('role'), needed, what);
    await next();
  };
}

export function assertRole(role: Role, needed: 'read' | 'write', what = 'writing'): void {
  if (role === 'anonymous') throw new UnauthorizedError(needed === 'write' ? `${what} needs the read-write token (CONTENTKV_TOKEN)` : 'this needs a token');
  if (needed === 'write' && role !== 'write') throw new ForbiddenError(`this token may only read; ${what} needs the read-write token`);
}
