/**
 * The TCP driver, over node-redis: one Redis (`REDIS_URL`) or a Redis Cluster
 * (`REDIS_CLUSTER_NODES`). Commands issued in the same tick leave in one socket write, so a
 * batch is one round trip. The offline queue is off and every command has a timeout: during an
 * outage a request fails fast instead of piling up in memory (node-redis would otherwise queue
 * without bound).
 */
// node-redis's own modules rather than its index, which also loads its Cluster and Sentinel
// clients: a single node never loads the Cluster's code (see TcpDriver.open), and nothing loads
// the Sentinel's. 115 KB less to compile took `contentkv serve` from 217 to about 205 ms to its
// first answer (medians of 15 alternating starts).
import client from '@redis/client/dist/lib/client/index.js';
import type { RedisClusterType } from '@redis/client/dist/lib/cluster/index.js';
import { ClientClosedError, ClientOfflineError, ErrorReply } from '@redis/client/dist/lib/errors.js';
import { classOf } from './commonjs-class.js';
import type { ExecOptions, RedisCommand, RedisDriver, RedisResult } from './driver.js';
import { RedisReplyError, RedisUnavailableError } from './driver.js';
import { KeyWatch, type KeyWatchListener } from './key-watch.js';

const RedisClient = classOf(client);
/** node-redis's client class without modules, functions or scripts, speaking RESP2. */
type NodeClient = InstanceType<typeof RedisClient<{}, {}, {}, 2, {}>>;
/** node-redis's createCluster. */
type CreateCluster = (typeof import('@redis/client/dist/lib/cluster/index.js'))['default']['create'];

export interface TcpDriverOptions {
  /** `redis://` or `rediss://` URL of a single node. */
  url?: string;
  /** Cluster seed nodes as `host:port`; when given, `url` is ignored. */
  clusterNodes?: string[];
  /**
   * Milliseconds before a batch fails. Inside ResilientDriver this is what lets the circuit
   * breaker count a Redis that stops answering as a failure; the policy's budget bounds the
   * whole call, retries included.
   */
  commandTimeoutMs?: number;
  /** Milliseconds to wait for a connection. */
  connectTimeoutMs?: number;
}

function redactedEndpoint(options: TcpDriverOptions): string {
  if (options.clusterNodes) return `cluster(${options.clusterNodes.join(',')})`;
  try {
    const url = new URL(options.url ?? 'redis://127.0.0.1:6379');
    return `${url.protocol}//${url.hostname}:${url.port || '6379'}`;
  } catch {
    return 'redis://(invalid url)';
  }
}

/** Keys sit at a known position for the commands the store sends; cluster routing needs one. */
function routingKey(command: RedisCommand): string | undefined {
  const name = String(command[0]).toUpperCase();
  if (name === 'EVALSHA' || name === 'EVAL') return Number(command[2]) > 0 ? String(command[3]) : undefined;
  if (name === 'PING' || name === 'SCRIPT' || name === 'TIME') return undefined;
  return command[1] === undefined ? undefined : String(command[1]);
}

/** Capped low so service resumes within about half a second of Redis coming back. */
function reconnectStrategy(retries: number): number {
  return Math.min(50 * 2 ** retries, 500);
}

function asResult(settled: PromiseSettledResult<unknown>): RedisResult {
  if (settled.status === 'fulfilled') return settled.value as RedisResult;
  // node-redis rejects with ErrorReply for a Redis error reply; anything else is a transport failure.
  if (settled.reason instanceof ErrorReply) return new RedisReplyError(settled.reason.message);
  throw settled.reason;
}

async function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export class TcpDriver implements RedisDriver {
  readonly kind: 'redis-tcp' | 'redis-cluster';
  readonly endpoint: string;
  private batches = 0;
  private readonly client: NodeClient | RedisClusterType;
  private connecting: Promise<void> | null = null;
  private readonly connectTimeoutMs: number;
  private readonly commandTimeoutMs: number | null;
  private readonly watches: KeyWatch[] = [];
  private lastConnectionError: string | null = null;

  /** A driver for the options' node or, with clusterNodes, Cluster; only the latter loads the Cluster client. */
  static async open(options: TcpDriverOptions): Promise<TcpDriver> {
    if (!options.clusterNodes || options.clusterNodes.length === 0) return new TcpDriver(options);
    const RedisCluster = classOf((await import('@redis/client/dist/lib/cluster/index.js')).default);
    return new TcpDriver(options, RedisCluster.create.bind(RedisCluster));
  }

  /** For a single node; a Cluster needs TcpDriver.open, which loads the Cluster client first. */
  constructor(
    private readonly options: TcpDriverOptions,
    createCluster?: CreateCluster,
  ) {
    this.endpoint = redactedEndpoint(options);
    this.commandTimeoutMs = options.commandTimeoutMs ?? null;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 2_000;
    const socket = { connectTimeout: this.connectTimeoutMs, reconnectStrategy };
    // RESP2 keeps replies in the shape the store reads (flat arrays); node-redis 6 defaults to RESP3.
    const clientOptions = {
      // node-redis 6 arms an AbortSignal timer for every command (5 s by default); the batch
      // deadline here, or the ResilientDriver's time budget, already bounds the wait.
      commandOptions: { timeout: 0 },
      disableOfflineQueue: true,
      commandsQueueMaxLength: 10_000,
      socket,
    };
    if (options.clusterNodes && options.clusterNodes.length > 0) {
      if (!createCluster) throw new Error('a Cluster driver is made by TcpDriver.open(), which loads the Cluster client');
      this.kind = 'redis-cluster';
      this.client = createCluster({
        rootNodes: options.clusterNodes.map((node) => ({ url: `redis://${node}` })),
        defaults: clientOptions,
        RESP: 2,
        useReplicas: false,
      }) as unknown as RedisClusterType;
    } else {
      this.kind = 'redis-tcp';
      // The plain client class: the driver only calls sendCommand. createClient() would first build
      // a subclass with a method for each of node-redis's ~500 commands, per distinct set of options,
      // which took about 20 ms of every cold start.
      this.client = new RedisClient({ ...clientOptions, RESP: 2, url: options.url });
    }
    // Connection errors surface on the commands that fail (the last one is named while node-redis
    // reconnects); the 'error' event must still be handled.
    this.client.on('error', (error: Error) => {
      this.lastConnectionError = error.message;
    });
    this.client.on('ready', () => {
      this.lastConnectionError = null;
    });
  }

  get roundTrips(): number {
    return this.batches;
  }

  /**
   * The first connect is awaited until it succeeds, fails or exceeds the connect timeout. A single
   * node's failure (refused, unknown host, bad credentials) ends the wait at once: node-redis
   * reports it as an 'error' event and keeps retrying in the background, so its connect() would
   * stay pending and the caller would see a timeout, which cannot tell "refused" from "sent and
   * unanswered". A Cluster reports each seed node that fails while it tries the next, so it is
   * waited for. Afterwards, while node-redis reconnects, commands fail at once (no offline queue).
   */
  private async ensureConnected(): Promise<void> {
    if (this.client.isOpen) return;
    if (!this.connecting) {
      const attempt = this.client.connect().then(() => undefined);
      attempt.catch(() => {
        if (this.connecting === attempt) this.connecting = null;
      });
      this.connecting = attempt;
    }
    let onError: (error: Error) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => {
      onError = (error) => reject(new Error(`could not connect to ${this.endpoint}: ${error.message}`, { cause: error }));
      if (this.kind === 'redis-tcp') this.client.once('error', onError);
    });
    try {
      await withDeadline(Promise.race([this.connecting, failed]), this.connectTimeoutMs, `could not connect to ${this.endpoint} within ${this.connectTimeoutMs} ms`);
    } finally {
      this.client.off('error', onError);
    }
  }

  async exec(commands: readonly RedisCommand[], _options?: ExecOptions): Promise<RedisResult[]> {
    try {
      await this.ensureConnected();
    } catch (error) {
      throw new RedisUnavailableError(error instanceof Error ? error.message : String(error), false);
    }
    if (!this.client.isReady) {
      const why = this.lastConnectionError === null ? '' : `: ${this.lastConnectionError}`;
      throw new RedisUnavailableError(`not connected to ${this.endpoint} (reconnecting${why})`, false);
    }
    this.batches += 1;
    const args = (command: RedisCommand) => command.map(String);
    const sends = commands.map((command) =>
      this.kind === 'redis-cluster'
        ? (this.client as RedisClusterType).sendCommand(routingKey(command), false, args(command))
        : (this.client as NodeClient).sendCommand(args(command)),
    );
    // node-redis times a command out only until it is written; a frozen server would hold it
    // forever, so the batch as a whole has a deadline. Late replies are discarded by node-redis.
    try {
      const settled = Promise.allSettled(sends);
      const results = this.commandTimeoutMs === null ? await settled : await withDeadline(settled, this.commandTimeoutMs, `Redis did not answer within ${this.commandTimeoutMs} ms`);
      return results.map(asResult);
    } catch (error) {
      if (error instanceof RedisUnavailableError) throw error;
      // Refused before sending: nothing reached Redis. Anything else may have been executed.
      const unsent = error instanceof ClientOfflineError || error instanceof ClientClosedError;
      throw new RedisUnavailableError(error instanceof Error ? error.message : String(error), !unsent);
    }
  }

  /** Single node only: a Cluster would need a watch per master, following slot moves. */
  watchKeys(prefixes: readonly string[], listener: KeyWatchListener): KeyWatch | null {
    if (this.kind !== 'redis-tcp') return null;
    const watch = new KeyWatch({ url: this.options.url, prefixes, connectTimeoutMs: this.connectTimeoutMs, reconnectStrategy }, listener);
    this.watches.push(watch);
    watch.start();
    return watch;
  }

  async close(): Promise<void> {
    await Promise.all(this.watches.splice(0).map((watch) => watch.close()));
    this.connecting = null;
    if (this.client.isReady) await this.client.close();
    else this.client.destroy();
  }
}
