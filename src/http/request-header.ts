/**
 * One request header. On Node it is read from the headers Node has already parsed: Hono's
 * `c.req.header()` first builds a web `Headers` object from every header of the request, which
 * on a cached read costs more than the rest of the route. Elsewhere (Vercel, tests with
 * `app.request`) it falls back to Hono. Names are lower case.
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming === undefined) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
