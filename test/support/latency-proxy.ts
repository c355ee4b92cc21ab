// A TCP proxy that holds every chunk for latencyMs in each direction, so tests can put a "slow
// Redis" (or a far-away one) behind a real client without touching the server. Chunks keep their
// order even when setLatency() lowers the delay mid-stream.
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface LatencyProxyOptions {
  targetHost: string;
  targetPort: number;
  latencyMs: number;
}

export interface LatencyProxyHandle {
  readonly host: string;
  readonly port: number;
  /** Applies to chunks read from now on. */
  setLatency(ms: number): void;
  stop(): Promise<void>;
}

/** Delivers chunks to `to` no earlier than their due time, strictly in arrival order. */
class DelayedPipe {
  private queue: Array<{ due: number; chunk: Buffer | null }> = [];
  private timer: NodeJS.Timeout | undefined;
  private lastDue = 0;

  constructor(
    private readonly to: net.Socket,
    private readonly delay: () => number,
  ) {}

  /** null stands for end-of-stream, delivered (as a half-close) after the data before it. */
  push(chunk: Buffer | null): void {
    // Never earlier than the previous chunk, or a lowered latency would reorder the stream.
    const due = Math.max(Date.now() + this.delay(), this.lastDue);
    this.lastDue = due;
    this.queue.push({ due, chunk });
    if (this.queue.length === 1) this.schedule();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.queue = [];
  }

  private schedule(): void {
    const head = this.queue[0];
    if (!head) return;
    this.timer = setTimeout(() => this.flush(), Math.max(0, head.due - Date.now()));
  }

  private flush(): void {
    const now = Date.now();
    while (this.queue.length > 0 && (this.queue[0]?.due ?? Infinity) <= now) {
      const item = this.queue.shift();
      if (!item || this.to.destroyed) continue;
      if (item.chunk === null) this.to.end();
      else this.to.write(item.chunk);
    }
    this.schedule();
  }
}

export async function startLatencyProxy(opts: LatencyProxyOptions): Promise<LatencyProxyHandle> {
  let latencyMs = opts.latencyMs;
  const sockets = new Set<net.Socket>();
  const pipes = new Set<DelayedPipe>();

  // Half-open sockets, so a peer's FIN is passed on only after the data queued before it.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect({ host: opts.targetHost, port: opts.targetPort, allowHalfOpen: true });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const toUpstream = new DelayedPipe(upstream, () => latencyMs);
    const toClient = new DelayedPipe(client, () => latencyMs);
    for (const s of [client, upstream]) sockets.add(s);
    for (const p of [toUpstream, toClient]) pipes.add(p);

    // The upstream socket buffers writes until it connects, so no data is lost meanwhile.
    client.on('data', (chunk: Buffer) => toUpstream.push(chunk));
    upstream.on('data', (chunk: Buffer) => toClient.push(chunk));
    client.on('end', () => toUpstream.push(null));
    upstream.on('end', () => toClient.push(null));

    const teardown = (): void => {
      toUpstream.dispose();
      toClient.dispose();
      pipes.delete(toUpstream);
      pipes.delete(toClient);
      client.destroy();
      upstream.destroy();
    };
    // A reset or refused connection on one side ends the other at once, as a real link would.
    client.on('error', teardown);
    upstream.on('error', teardown);
    const forget = (s: net.Socket): void => {
      sockets.delete(s);
      if (client.destroyed && upstream.destroyed) teardown();
    };
    client.on('close', () => forget(client));
    upstream.on('close', () => forget(upstream));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    setLatency(ms: number) {
      latencyMs = ms;
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const p of pipes) p.dispose();
      for (const s of sockets) s.destroy();
      pipes.clear();
      sockets.clear();
      await closed;
    },
  };
}
