// An Upstash-compatible REST endpoint in front of a real redis-server, so the real
// `@upstash/redis` client (and our REST driver) can be tested end to end without the network.
// It follows the protocol as `@upstash/redis` 1.39 uses it (see shared/NOTES-redis.md):
// POST <base>, <base>/pipeline, <base>/multi-exec; RESP2-shaped results; base64 when asked.
// The read-only token is a Redis ACL user, so Redis itself refuses writes, inside scripts too.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { RespConnection, RespError } from './redis-server.js';
import type { RespValue } from './redis-server.js';

export interface UpstashBridgeOptions {
  /** redis://[user:pass@]host:port[/db] of the server behind the bridge. */
  redisUrl: string;
  token?: string;
  readOnlyToken?: string;
  /** Delay added to every HTTP request, to stand in for a remote Upstash. */
  latencyMs?: number;
  /** Path prefix the bridge serves under (e.g. '/v1'); the client posts to url, url/pipeline. */
  basePath?: string;
}

export interface UpstashBridgeHandle {
  /** http://127.0.0.1:port[basePath], what `new Redis({ url })` takes. */
  readonly url: string;
  readonly token: string;
  readonly readOnlyToken: string;
  /** HTTP requests received so far (all of them, refused ones too). */
  readonly requests: number;
  resetCount(): void;
  setLatency(ms: number): void;
  stop(): Promise<void>;
}

type Endpoint = 'single' | 'pipeline' | 'multi-exec';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const OK_BYTES = Buffer.from('OK');
const MAX_BODY_BYTES = 64 * 1024 * 1024;

// Commands that would change the shared connection's state for every later request (or take it
// over for good); Upstash does not offer them over REST either. Transactions go to /multi-exec.
const REFUSED = new Set([
  'SUBSCRIBE', 'PSUBSCRIBE', 'SSUBSCRIBE', 'UNSUBSCRIBE', 'PUNSUBSCRIBE', 'SUNSUBSCRIBE',
  'MONITOR', 'SYNC', 'PSYNC', 'QUIT', 'RESET', 'HELLO', 'AUTH', 'SELECT',
  'MULTI', 'EXEC', 'DISCARD', 'WATCH', 'UNWATCH',
]);

function checkAllowed(cmd: string[]): void {
  const name = (cmd[0] ?? '').toUpperCase();
  const sub = (cmd[1] ?? '').toUpperCase();
  if (REFUSED.has(name) || (name === 'CLIENT' && sub === 'REPLY')) {
    const hint = ['MULTI', 'EXEC', 'DISCARD'].includes(name) ? ' (use /multi-exec)' : '';
    throw new HttpError(400, `ERR Command is not allowed over REST: ${name.toLowerCase()}${hint}`);
  }
}

function toCommand(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new HttpError(400, 'ERR failed to parse command: expected a non-empty JSON array');
  }
  return value.map((arg: unknown) => {
    if (typeof arg === 'string') return arg;
    if (typeof arg === 'number' || typeof arg === 'boolean') return String(arg);
    throw new HttpError(400, `ERR failed to parse command: unsupported argument ${JSON.stringify(arg)}`);
  });
}

function toCommands(value: unknown): string[][] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new HttpError(400, 'ERR failed to parse pipeline: expected a non-empty array of commands');
  }
  return value.map(toCommand);
}

/**
 * RESP2 reply to JSON. With base64, every string at any depth (status replies too) is the base64
 * of its bytes, except a top-level "OK": the client passes that one through undecoded, while it
 * decodes every string inside an array, so a nested "OK" must be encoded like any other.
 */
function toJson(value: RespValue, base64: boolean, topLevel: boolean): unknown {
  if (value === null || typeof value === 'number') return value;
  if (Array.isArray(value)) return value.map((v) => toJson(v, base64, false));
  // An error nested in a script's table reply; top-level ones never get here.
  const bytes =
    value instanceof RespError ? Buffer.from(value.message) : typeof value === 'string' ? Buffer.from(value) : value;
  if (!base64) return bytes.toString('utf8');
  if (topLevel && bytes.equals(OK_BYTES)) return 'OK';
  return bytes.toString('base64');
}

function entry(value: RespValue, base64: boolean): { result: unknown } | { error: string } {
  return value instanceof RespError ? { error: value.message } : { result: toJson(value, base64, true) };
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'ERR request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function randomToken(): string {
  return randomBytes(24).toString('base64url');
}

export async function startUpstashBridge(opts: UpstashBridgeOptions): Promise<UpstashBridgeHandle> {
  const target = new URL(opts.redisUrl);
  const host = target.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(target.port || 6379);
  if (port === 6379) {
    throw new Error('the test bridge never fronts the machine\'s own Redis on 6379: use startRedisServer()');
  }
  const username = target.username ? decodeURIComponent(target.username) : undefined;
  const password = target.password ? decodeURIComponent(target.password) : undefined;
  const db = Number(target.pathname.replace(/^\//, '') || 0);
  if (db !== 0) throw new Error('the bridge serves db 0 only, as Upstash does');

  const token = opts.token ?? randomToken();
  const readOnlyToken = opts.readOnlyToken ?? randomToken();
  if (token === readOnlyToken) throw new Error('token and readOnlyToken must differ');
  const basePath = (opts.basePath ?? '').replace(/\/+$/, '');
  if (basePath !== '' && !basePath.startsWith('/')) throw new Error('basePath must start with /');
  let latencyMs = opts.latencyMs ?? 0;
  let requests = 0;
  let syncSeq = 0;

  const adminAuth = password === undefined ? {} : { username, password };
  // ACL changes go over their own connection so a slow command in a request cannot hold them up.
  const control = new RespConnection({ host, port, ...adminAuth });
  const full = new RespConnection({ host, port, ...adminAuth });
  const roUser = `contentkv-ro-${randomBytes(6).toString('hex')}`;
  const roPassword = randomToken();
  const ensureReadOnlyUser = async (): Promise<void> => {
    await control.call(
      'ACL', 'SETUSER', roUser, 'reset', 'on', `>${roPassword}`, '~*', '&*',
      '+@read', '-@dangerous', '-keys', '-scan',
      // Read-only transactions and scripts: Redis checks every command a script runs against
      // this user, so a write inside EVAL is still refused by Redis itself.
      '+multi', '+exec', '+discard', '+ping',
      '+eval', '+evalsha', '+eval_ro', '+evalsha_ro', '+script|load', '+script|exists',
    );
  };
  // Re-run before every reconnect: ACL users live in memory and vanish when Redis restarts.
  const readOnly = new RespConnection({
    host,
    port,
    username: roUser,
    password: roPassword,
    beforeConnect: ensureReadOnlyUser,
  });
  try {
    await ensureReadOnlyUser();
  } catch (err) {
    control.close();
    throw new Error(`upstash bridge: cannot set up the read-only ACL user on ${host}:${port}: ${String(err)}`);
  }

  const route = (pathname: string): Endpoint | undefined => {
    const path = pathname.replace(/\/+$/, '');
    if (path === basePath) return 'single';
    if (path === `${basePath}/pipeline`) return 'pipeline';
    if (path === `${basePath}/multi-exec`) return 'multi-exec';
    return undefined;
  };

  const connectionFor = (req: http.IncomingMessage, url: URL): RespConnection => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    const given = match?.[1] ?? url.searchParams.get('_token') ?? undefined;
    if (given === token) return full;
    if (given === readOnlyToken) return readOnly;
    throw new HttpError(401, 'WRONGPASS invalid or missing auth token');
  };

  const run = async (conn: RespConnection, commands: string[][]): Promise<RespValue[]> => {
    try {
      return await conn.send(commands);
    } catch (err) {
      if (err instanceof RespError) throw new HttpError(400, err.message); // e.g. AUTH refused
      throw new HttpError(503, `ERR upstash bridge cannot reach redis: ${(err as Error).message}`);
    }
  };

  const execute = async (
    endpoint: Endpoint,
    conn: RespConnection,
    body: unknown,
    base64: boolean,
  ): Promise<{ status: number; payload: unknown }> => {
    if (endpoint === 'single') {
      const cmd = toCommand(body);
      checkAllowed(cmd);
      const [reply = null] = await run(conn, [cmd]);
      if (reply instanceof RespError) return { status: 400, payload: { error: reply.message } };
      return { status: 200, payload: { result: toJson(reply, base64, true) } };
    }
    const cmds = toCommands(body);
    cmds.forEach(checkAllowed);
    if (endpoint === 'pipeline') {
      const replies = await run(conn, cmds);
      return { status: 200, payload: replies.map((r) => entry(r, base64)) };
    }
    // One write, so no other request's commands can land inside this transaction.
    const replies = await run(conn, [['MULTI'], ...cmds, ['EXEC']]);
    const multi = replies[0];
    const queued = replies.slice(1, -1);
    const exec = replies[replies.length - 1] ?? null;
    if (multi instanceof RespError) return { status: 400, payload: { error: multi.message } };
    if (exec instanceof RespError) {
      const cause = queued.find((r): r is RespError => r instanceof RespError);
      const error = cause ? `${exec.message} First error: ${cause.message}` : exec.message;
      return { status: 400, payload: { error } };
    }
    if (!Array.isArray(exec)) return { status: 400, payload: { error: 'EXECABORT Transaction aborted' } };
    return { status: 200, payload: exec.map((r) => entry(r, base64)) };
  };

  const server = http.createServer((req, res) => {
    requests++;
    const respond = (status: number, payload: unknown): void => {
      if (req.headers['upstash-sync-token'] !== undefined) {
        res.setHeader('upstash-sync-token', String(++syncSeq));
      }
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    void (async () => {
      try {
        if (latencyMs > 0) await sleep(latencyMs);
        const url = new URL(req.url ?? '/', 'http://bridge.invalid');
        const endpoint = route(url.pathname);
        if (!endpoint) throw new HttpError(404, `ERR unknown endpoint ${url.pathname}`);
        if (req.method !== 'POST') {
          res.setHeader('allow', 'POST');
          throw new HttpError(405, `ERR method ${req.method ?? ''} not allowed, use POST`);
        }
        const conn = connectionFor(req, url);
        const text = await readBody(req);
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          throw new HttpError(400, 'ERR failed to parse request body as JSON');
        }
        const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
        const { status, payload } = await execute(endpoint, conn, body, base64);
        respond(status, payload);
      } catch (err) {
        if (err instanceof HttpError) respond(err.status, { error: err.message });
        else respond(500, { error: `ERR upstash bridge: ${(err as Error).message}` });
      }
    })();
  });
  // Longer than the client's idle reuse, so it rarely sends on a socket we are closing.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: httpPort } = server.address() as AddressInfo;

  let stopped = false;
  return {
    url: `http://127.0.0.1:${httpPort}${basePath}`,
    token,
    readOnlyToken,
    get requests() {
      return requests;
    },
    resetCount() {
      requests = 0;
    },
    setLatency(ms: number) {
      latencyMs = ms;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      full.close();
      readOnly.close();
      // Best effort: the server may already be gone (or frozen) when a test tears down.
      await Promise.race([control.call('ACL', 'DELUSER', roUser).catch(() => undefined), sleep(1_000)]);
      control.close();
    },
  };
}
