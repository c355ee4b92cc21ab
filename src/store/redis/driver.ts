/**
 * The small interface between the Redis store and a connection: send a batch of commands in one
 * round trip, get the replies back in order, with a failed command's error in its own slot.
 * Replies have the RESP2 shape (flat arrays, strings, integers, null) whatever the transport.
 * Implementations: TCP (node-redis, single node or Cluster) and REST (@upstash/redis).
 */
import type { KeyWatch, KeyWatchListener } from './key-watch.js';

export type RedisArg = string | number;
export type RedisCommand = readonly RedisArg[];
export type RedisReply = string | number | null | RedisReply[];
export type RedisResult = RedisReply | Error;

export interface ExecOptions {
  /** The batch only reads: a driver with a read-only credential may serve it with that. */
  readOnly?: boolean;
  /** Sending the batch twice has the effect of sending it once (reads, scripts keyed by an operation id). */
  idempotent?: boolean;
}

export interface RedisDriver {
  readonly kind: 'redis-tcp' | 'redis-cluster' | 'redis-rest';
  /** Where it connects, with no credentials, for logs and health. */
  readonly endpoint: string;
  /** One round trip. Rejects when the batch could not be sent or answered at all. */
  exec(commands: readonly RedisCommand[], options?: ExecOptions): Promise<RedisResult[]>;
  /** Batches sent so far: each one is a round trip. */
  readonly roundTrips: number;
  /**
   * Starts reporting changes to keys under the prefixes, by any client, where the transport can
   * (single-node TCP, see key-watch.ts); null where it cannot. The driver stops it on close.
   */
  watchKeys?(prefixes: readonly string[], listener: KeyWatchListener): KeyWatch | null;
  close(): Promise<void>;
}

/**
 * Redis could not be reached or did not answer. `maybeApplied` tells whether the batch may have
 * reached Redis before the failure (a timeout, a connection lost mid-flight), or surely did not
 * (refused, offline, circuit open): only the latter lets a caller say "nothing was written".
 */
export class RedisUnavailableError extends Error {
  /** What a client may be told; the message (the transport's own text) is for logs. */
  readonly reason: string;
  readonly retryAfterSeconds: number;

  constructor(
    message: string,
    readonly maybeApplied: boolean,
    options: { reason?: string; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'RedisUnavailableError';
    this.reason = options.reason ?? (maybeApplied ? 'Redis did not answer' : 'Redis cannot be reached');
    this.retryAfterSeconds = options.retryAfterSeconds ?? 2;
  }
}

/** Redis answered the command with an error reply (as opposed to the connection failing). */
export class RedisReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisReplyError';
  }
}
