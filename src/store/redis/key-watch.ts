/**
 * Reports changes to keys under given prefixes, made by any client: Redis client tracking in
 * broadcasting mode (`CLIENT TRACKING ON BCAST PREFIX ...`) on a dedicated RESP3 connection,
 * whose invalidation pushes carry the changed keys. It is live only while tracking is on; when
 * the connection drops, changes in between cannot be known, so the listener hears "live: false"
 * and, once tracking is on again, "live: true", and must forget everything each time.
 *
 * A connection can also stall without dropping (a partition, a paused server). So the watch
 * PINGs every `pingIntervalMs`: replies come in order after every notice Redis sent before
 * them, so a reply confirms that every change made before its PING was sent has been reported.
 * The listener hears each such time and should trust what it holds only while it is recent.
 */
// node-redis's own modules, not its index (see tcp-driver.ts).
import client from '@redis/client/dist/lib/client/index.js';
import { ErrorReply } from '@redis/client/dist/lib/errors.js';
import { classOf } from './commonjs-class.js';

const RedisClient = classOf(client);

export interface KeyWatchListener {
  /** Keys that changed; null when Redis says everything may have (FLUSHALL, FLUSHDB). */
  changed(keys: readonly string[] | null): void;
  live(isLive: boolean): void;
  /** Every change made before this moment (performance.now()) has been reported. */
  confirmed(atMs: number): void;
}

export interface KeyWatchOptions {
  url: string | undefined;
  prefixes: readonly string[];
  connectTimeoutMs: number;
  reconnectStrategy: (retries: number) => number;
  /** How often the watch confirms it still hears everything; default 250 ms. */
  pingIntervalMs?: number;
}

export class KeyWatch {
  private readonly client: InstanceType<typeof RedisClient<{}, {}, {}, 3, {}>>;
  private isLive = false;
  private closed = false;
  private pinging = false;
  private readonly timer: NodeJS.Timeout;
  private settle: (live: boolean) => void = () => undefined;
  /** Resolves on the first outcome: tracking on (true), or the first failure to get there (false). */
  readonly firstOutcome = new Promise<boolean>((resolve) => {
    this.settle = resolve;
  });

  constructor(
    private readonly options: KeyWatchOptions,
    private readonly listener: KeyWatchListener,
  ) {
    // The plain client class, as in TcpDriver: only sendCommand is used.
    this.client = new RedisClient({
      url: options.url,
      RESP: 3,
      // Registers the push handler; node-redis also turns on plain tracking in its handshake,
      // which tracks nothing here (this connection reads no keys) and is switched to BCAST below.
      emitInvalidate: true,
      // On RESP3 node-redis would accept managed Redis's MOVING handoffs, swapping in a new socket
      // with no connection event, so without our broadcast tracking and without the watch knowing
      // (test/store/key-watch-handoff.test.ts). Off, a move is an ordinary disconnect: the cache
      // forgets everything and tracking is turned on again on the new connection.
      maintNotifications: 'disabled',
      disableOfflineQueue: true,
      socket: { connectTimeout: options.connectTimeoutMs, reconnectStrategy: options.reconnectStrategy },
    });
    this.client.on('invalidate', (key: string | Buffer | null) => this.listener.changed(key === null ? null : [String(key)]));
    this.client.on('ready', () => void this.track());
    this.timer = setInterval(() => void this.confirm(), options.pingIntervalMs ?? 250);
    this.timer.unref();
    for (const event of ['error', 'end', 'reconnecting'] as const) {
      this.client.on(event, (error?: unknown) => {
        this.settle(false);
        this.setLive(false);
        // Redis refused a command of the handshake (an ACL user without CLIENT, a proxy without
        // tracking): retrying would only be refused again, every half second, for ever.
        if (error instanceof ErrorReply) this.giveUp();
      });
    }
  }

  /** Stops for good (Redis refused tracking): closed, with no reconnects. */
  private giveUp(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.client.destroy();
  }

  /** Connects in the background; the watch turns live when tracking is on. */
  start(): void {
    this.client.connect().catch(() => undefined);
  }

  private async confirm(): Promise<void> {
    if (!this.isLive || this.pinging) return;
    this.pinging = true;
    const sentAt = performance.now();
    try {
      await this.client.sendCommand(['PING']);
      if (this.isLive) this.listener.confirmed(sentAt);
    } catch {
      // The connection's own events report a loss; a reply that never comes shows as no confirmation.
    } finally {
      this.pinging = false;
    }
  }

  private async track(): Promise<void> {
    const prefixes = this.options.prefixes.flatMap((prefix) => ['PREFIX', prefix]);
    try {
      // The mode of tracking that is on cannot be changed in place.
      const sentAt = performance.now();
      await Promise.all([this.client.sendCommand(['CLIENT', 'TRACKING', 'OFF']), this.client.sendCommand(['CLIENT', 'TRACKING', 'ON', 'BCAST', ...prefixes])]);
      this.setLive(true);
      this.listener.confirmed(sentAt);
      this.settle(true);
    } catch (error) {
      // A server that refuses CLIENT TRACKING (some managed proxies) leaves the cache off.
      this.settle(false);
      this.setLive(false);
      if (error instanceof ErrorReply) this.giveUp();
    }
  }

  private setLive(isLive: boolean): void {
    const next = isLive && !this.closed && this.client.isReady;
    if (next === this.isLive) return;
    this.isLive = next;
    this.listener.live(next);
  }

  async close(): Promise<void> {
    // Closed already: by an earlier close, or given up (the client is destroyed then).
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.setLive(false);
    if (this.client.isReady) await this.client.close();
    else this.client.destroy();
  }
}
