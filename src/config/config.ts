/**
 * All configuration comes from the environment, read once in main() and passed down; nothing
 * deeper reads process.env. Every variable is documented in the README's Configuration table.
 */
import { resolve } from 'node:path';
import type { Collection } from '../domain/collections.js';
import { parseStageOverride, type StageSetting } from '../migration/override.js';
import { DEFAULT_KEY_PREFIX, hasHashTag, validatePrefix } from '../store/redis/keys.js';
import { DEFAULT_RESILIENCE, type ResilienceOptions } from '../store/redis/resilient-driver.js';
import { ConfigError, redisConnectionFromEnv, type RedisConnection } from './redis-env.js';

export type Env = Record<string, string | undefined>;

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  keyPrefix: string;
  redis: RedisConnection | null;
  /** Read-write API token; when absent, `serve` generates one. */
  token: string | undefined;
  /** Read-only API token. */
  readToken: string | undefined;
  /** Forced migration stage per collection (CONTENTKV_STAGE), the emergency override. */
  stageOverride: Partial<Record<Collection, StageSetting>>;
  logLevel: string;
  /** Host names accepted in Host and Origin headers besides localhost: CONTENTKV_ALLOWED_HOSTS and Vercel's own. */
  allowedHosts: string[];
  /** Timeout, retries and circuit breaker around every Redis call. */
  resilience: ResilienceOptions;
  /** Share of reads compared between the stores in shadow and live (CONTENTKV_SHADOW_SAMPLE, 0 to 1). */
  shadowSampleRate: number;
  /** How often each instance rereads the migration stage from Redis. */
  stageRefreshMs: number;
  /** Bytes of recent Redis reads kept in process, invalidated by client tracking (CONTENTKV_NEAR_CACHE_MB; 0: off). */
  nearCacheBytes: number;
  alerts: {
    /** Where alerts are POSTed as JSON (CONTENTKV_ALERT_WEBHOOK); none when unset. */
    webhook: string | undefined;
    /** Shadow mismatch rate above which to alert (CONTENTKV_ALERT_MISMATCH_RATE). */
    mismatchRate: number;
    /** How often conditions are evaluated (CONTENTKV_ALERT_INTERVAL_MS). */
    intervalMs: number;
    /** The window the shadow mismatch rate is measured over (CONTENTKV_ALERT_WINDOW_MS). */
    windowMs: number;
  };
  /** Serve /metrics without a token (CONTENTKV_METRICS_PUBLIC=1), for a scraper inside a private network. */
  metricsPublic: boolean;
  /** `contentkv mcp` offers only the read tools (CONTENTKV_READ_ONLY=1, like --read-only). */
  readOnly: boolean;
  /** Proxies of the operator's own in front of the server (CONTENTKV_TRUST_PROXY); see http/client-address.ts. */
  trustProxy: number;
}

/** What differs with where the app runs, when the environment does not say. */
export interface ConfigDefaults {
  /**
   * Proxy hops trusted when CONTENTKV_TRUST_PROXY is unset: none for a server on its own port,
   * whose clients can write any X-Forwarded-For; one behind a platform edge (Vercel) that sets it.
   */
  trustProxy?: number;
}

/** More hops than any real chain of proxies; a larger number is a mistake, not a topology. */
const MAX_TRUSTED_PROXIES = 10;

/**
 * An on/off setting: 1, true, yes or on; 0, false, no, off or unset. Anything else is refused
 * rather than read as off: a misspelt CONTENTKV_READ_ONLY must not hand out the write tools.
 */
function flag(env: Env, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '' || ['0', 'false', 'no', 'off'].includes(raw)) return false;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  throw new ConfigError(`${name} must be 1, true, yes or on (or 0, false, no, off); got "${env[name]}"`);
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}; got "${raw}"`);
  return value;
}

function fraction(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new ConfigError(`${name} must be a number from 0 to 1; got "${raw}"`);
  return value;
}

function webhookUrl(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  try {
    const url = new URL(value.trim());
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.toString();
  } catch {
    // fall through
  }
  throw new ConfigError('CONTENTKV_ALERT_WEBHOOK must be an http(s) URL');
}

/** pino's levels; its own error for any other ("default level:x must be included in custom levels") names neither the variable nor the choices. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function logLevel(env: Env): string {
  const level = env.LOG_LEVEL?.trim().toLowerCase() || 'info';
  if (!LOG_LEVELS.includes(level)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got "${env.LOG_LEVEL}"`);
  return level;
}

function token(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  if (value === undefined || value === '') return undefined;
  if (value.length < 16) throw new ConfigError(`${name} must be at least 16 characters; generate one with: openssl rand -hex 32`);
  return value;
}

export function loadConfig(env: Env, cwd = process.cwd(), defaults: ConfigDefaults = {}): Config {
  const keyPrefix = env.CONTENTKV_KEY_PREFIX?.trim() || DEFAULT_KEY_PREFIX;
  try {
    validatePrefix(keyPrefix);
  } catch {
    throw new ConfigError('CONTENTKV_KEY_PREFIX may hold letters, digits and ":_.-{}", at most 64 characters');
  }
  const redis = redisConnectionFromEnv(env);
  if (redis?.kind === 'cluster' && !hasHashTag(keyPrefix)) {
    throw new ConfigError('on Redis Cluster, CONTENTKV_KEY_PREFIX needs a hash tag such as {mysite}: so one site\'s keys share a slot');
  }
  const readToken = token(env, 'CONTENTKV_READ_TOKEN');
  const writeToken = token(env, 'CONTENTKV_TOKEN');
  if (readToken !== undefined && readToken === writeToken) throw new ConfigError('CONTENTKV_READ_TOKEN must differ from CONTENTKV_TOKEN');
  return {
    port: integer(env, 'PORT', 3000, 0, 65_535),
    host: env.HOST?.trim() || '127.0.0.1',
    dataDir: resolve(cwd, env.CONTENTKV_DATA_DIR?.trim() || './data'),
    keyPrefix,
    redis,
    token: writeToken,
    readToken,
    stageOverride: parseStageOverride(env.CONTENTKV_STAGE),
    logLevel: logLevel(env),
    allowedHosts: [env.CONTENTKV_ALLOWED_HOSTS ?? '', env.VERCEL_URL, env.VERCEL_BRANCH_URL, env.VERCEL_PROJECT_PRODUCTION_URL]
      .flatMap((list) => (list ?? '').split(','))
      .map((host) => host.trim().toLowerCase())
      .filter(Boolean),
    resilience: {
      timeoutMs: integer(env, 'CONTENTKV_REDIS_TIMEOUT_MS', DEFAULT_RESILIENCE.timeoutMs, 50, 60_000),
      attempts: integer(env, 'CONTENTKV_REDIS_ATTEMPTS', DEFAULT_RESILIENCE.attempts, 1, 10),
      breakerThreshold: integer(env, 'CONTENTKV_BREAKER_THRESHOLD', DEFAULT_RESILIENCE.breakerThreshold, 1, 1_000),
      halfOpenAfterMs: integer(env, 'CONTENTKV_BREAKER_HALF_OPEN_MS', DEFAULT_RESILIENCE.halfOpenAfterMs, 100, 600_000),
    },
    shadowSampleRate: fraction(env, 'CONTENTKV_SHADOW_SAMPLE', 0.1),
    stageRefreshMs: integer(env, 'CONTENTKV_STAGE_REFRESH_MS', 500, 50, 10_000),
    nearCacheBytes: integer(env, 'CONTENTKV_NEAR_CACHE_MB', 32, 0, 4_096) * 1024 * 1024,
    alerts: {
      webhook: webhookUrl(env.CONTENTKV_ALERT_WEBHOOK),
      mismatchRate: fraction(env, 'CONTENTKV_ALERT_MISMATCH_RATE', 0.01),
      intervalMs: integer(env, 'CONTENTKV_ALERT_INTERVAL_MS', 5_000, 100, 600_000),
      windowMs: integer(env, 'CONTENTKV_ALERT_WINDOW_MS', 300_000, 500, 86_400_000),
    },
    metricsPublic: flag(env, 'CONTENTKV_METRICS_PUBLIC'),
    readOnly: flag(env, 'CONTENTKV_READ_ONLY'),
    trustProxy: integer(env, 'CONTENTKV_TRUST_PROXY', defaults.trustProxy ?? 0, 0, MAX_TRUSTED_PROXIES),
  };
}
