/**
 * DNS-rebinding protection for the MCP and admin endpoints: the Host header must name this
 * server, and a browser's Origin, when present, must too. A page on an attacker's domain that
 * rebinds to 127.0.0.1 then gets 403 instead of a session with a local server.
 */
import type { MiddlewareHandler } from 'hono';
import { ContentKvError } from '../domain/errors.js';
import type { AppEnv } from './app-env.js';

const LOCAL = ['localhost', '127.0.0.1', '::1', '[::1]'];

function hostnameOf(hostHeader: string): string {
  const value = hostHeader.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1);
  return value.split(':')[0] ?? '';
}

export class HostNotAllowedError extends ContentKvError {
  constructor(what: 'Host' | 'Origin', value: string) {
    super('FORBIDDEN', `the ${what} "${value}" is not allowed; add its host name to CONTENTKV_ALLOWED_HOSTS`);
  }
}

export function allowedHostnames(extra: readonly string[]): Set<string> {
  return new Set([...LOCAL, ...extra.map((host) => host.toLowerCase())]);
}

export function hostCheck(allowed: Set<string>): MiddlewareHandler<AppEnv> {
  return async function hostCheckHandler(c, next) {
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    if (!allowed.has(hostnameOf(host))) throw new HostNotAllowedError('Host', host);
    const origin = c.req.header('origin');
    if (origin !== undefined && origin !== 'null') {
      let hostname = '';
      try {
        hostname = new URL(origin).hostname.toLowerCase();
      } catch {
        throw new HostNotAllowedError('Origin', origin);
      }
      if (!allowed.has(hostname) && !allowed.has(`[${hostname}]`)) throw new HostNotAllowedError('Origin', origin);
    } else if (origin === 'null') {
      throw new HostNotAllowedError('Origin', origin);
    }
    await next();
  };
}
