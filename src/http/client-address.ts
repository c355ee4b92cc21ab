/**
 * The client's address, as the audit log records it. X-Forwarded-For holds whatever the sender
 * wrote, so it is believed only as far as the operator says proxies of their own stand in front
 * of the server (CONTENTKV_TRUST_PROXY, a number of hops). Each proxy appends the address it was
 * connected from, so the entry that many places from the right was written by the outermost
 * trusted proxy: the client as that proxy saw it. Anything left of it may be forged. With no
 * trusted proxy (the default for `contentkv serve`) the socket's peer is the client and the
 * headers are ignored. X-Real-IP is never read: it is one value with no hop to count from.
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

/** Where a request came from, as far as the server itself can tell. */
export interface RequestOrigin {
  /** A header by lower-case name (repeated headers joined by ", "). */
  header(name: string): string | undefined;
  /** The socket's peer address; none on serverless runtimes, which hand over a web Request. */
  peerAddress: string | undefined;
}

export function clientAddress(origin: RequestOrigin, trustedProxies: number): string | undefined {
  if (trustedProxies === 0) return origin.peerAddress;
  const hops = (origin.header('x-forwarded-for') ?? '').split(',').map((hop) => hop.trim()).filter((hop) => hop !== '');
  if (hops.length === 0) return origin.peerAddress;
  // Fewer entries than trusted proxies: the request passed fewer of them, each entry was written by one.
  return hops[Math.max(0, hops.length - trustedProxies)];
}

/** The peer of the request's socket on Node (@hono/node-server puts the IncomingMessage in c.env). */
export function peerAddress(c: Context): string | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress;
}
