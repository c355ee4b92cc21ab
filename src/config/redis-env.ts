/**
 * Finds the Redis connection in the environment, under every name a user may have:
 *   - REDIS_URL (redis:// or rediss://), or REDIS_CLUSTER_NODES (host:port,host:port)
 *   - KV_REST_API_URL / KV_REST_API_TOKEN / KV_REST_API_READ_ONLY_TOKEN (Vercel KV, Upstash)
 *   - <PREFIX>_KV_REST_API_* as Vercel generates them (REDIS_KV_REST_API_URL, ...), with
 *     CONTENTKV_ENV_PREFIX to pick one when there are several
 *   - UPSTASH_REDIS_REST_URL / UPSTASH_REDIS_REST_TOKEN
 * `Redis.fromEnv()` knows only two of these names, so the mapping is done here.
 */

export type RedisConnection =
  | { kind: 'tcp'; url: string }
  | { kind: 'cluster'; nodes: string[] }
  | { kind: 'rest'; url: string; token: string; readOnlyToken?: string | undefined; source: string };

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

function restFrom(env: Env, prefix: string): RedisConnection | null {
  const url = nonEmpty(env[`${prefix}KV_REST_API_URL`]);
  if (!url) return null;
  const token = nonEmpty(env[`${prefix}KV_REST_API_TOKEN`]);
  const readOnlyToken = nonEmpty(env[`${prefix}KV_REST_API_READ_ONLY_TOKEN`]);
  if (!token) {
    throw new ConfigError(`${prefix}KV_REST_API_URL is set but ${prefix}KV_REST_API_TOKEN is not; both are needed (the read-only token alone cannot write)`);
  }
  return { kind: 'rest', url: checkedHttpUrl(url, `${prefix}KV_REST_API_URL`), token, readOnlyToken, source: `${prefix}KV_REST_API_*` };
}

function checkedHttpUrl(value: string, name: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' || url.protocol === 'http:') return value.replace(/\/+$/, '');
  } catch {
    // fall through to the error below
  }
  throw new ConfigError(`${name} must be an http(s) URL, for example https://your-db.upstash.io`);
}

export function redisConnectionFromEnv(env: Env): RedisConnection | null {
  const nodes = nonEmpty(env.REDIS_CLUSTER_NODES);
  if (nodes) {
    const list = nodes.split(',').map((node) => node.trim()).filter(Boolean);
    const bad = list.find((node) => !/^[^:\s]+:\d{1,5}$/.test(node));
    if (bad) throw new ConfigError(`REDIS_CLUSTER_NODES entries are host:port; "${bad}" is not`);
    return { kind: 'cluster', nodes: list };
  }
  const url = nonEmpty(env.REDIS_URL);
  if (url) {
    if (!/^rediss?:\/\//.test(url)) throw new ConfigError('REDIS_URL must start with redis:// or rediss://');
    return { kind: 'tcp', url };
  }
  const chosen = env.CONTENTKV_ENV_PREFIX;
  if (chosen !== undefined) {
    const prefix = chosen === '' || chosen.endsWith('_') ? chosen : `${chosen}_`;
    const found = restFrom(env, prefix);
    if (!found) throw new ConfigError(`CONTENTKV_ENV_PREFIX is "${chosen}" but ${prefix}KV_REST_API_URL is not set`);
    return found;
  }
  const plain = restFrom(env, '');
  if (plain) return plain;
  const upstashUrl = nonEmpty(env.UPSTASH_REDIS_REST_URL);
  if (upstashUrl) {
    const token = nonEmpty(env.UPSTASH_REDIS_REST_TOKEN);
    if (!token) throw new ConfigError('UPSTASH_REDIS_REST_URL is set but UPSTASH_REDIS_REST_TOKEN is not');
    return { kind: 'rest', url: checkedHttpUrl(upstashUrl, 'UPSTASH_REDIS_REST_URL'), token, readOnlyToken: nonEmpty(env.UPSTASH_REDIS_REST_READ_ONLY_TOKEN), source: 'UPSTASH_REDIS_REST_*' };
  }
  const prefixes = Object.keys(env)
    .filter((name) => name.endsWith('_KV_REST_API_URL') && nonEmpty(env[name]))
    .map((name) => name.slice(0, -'KV_REST_API_URL'.length));
  if (prefixes.length > 1) {
    throw new ConfigError(`several Redis REST configurations are set (${prefixes.map((p) => `${p}KV_REST_API_URL`).join(', ')}); set CONTENTKV_ENV_PREFIX to pick one`);
  }
  return prefixes.length === 1 ? restFrom(env, prefixes[0] as string) : null;
}

/** A description with no secrets in it, for logs and health. */
export function describeConnection(connection: RedisConnection | null): string {
  if (!connection) return 'none';
  if (connection.kind === 'cluster') return `cluster ${connection.nodes.join(',')}`;
  if (connection.kind === 'tcp') {
    try {
      const url = new URL(connection.url);
      return `${url.protocol}//${url.hostname}:${url.port || 6379}`;
    } catch {
      return 'redis (unparseable url)';
    }
  }
  return `rest ${new URL(connection.url).origin} (${connection.source}${connection.readOnlyToken ? ', with read-only token' : ''})`;
}
