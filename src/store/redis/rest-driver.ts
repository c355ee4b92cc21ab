/**
 * The REST driver, over `@upstash/redis`, for Upstash and Vercel KV. A batch is one POST to
 * `/pipeline`, sent through the client's own HTTP layer (auth, base64 response decoding). With a
 * read-only token configured, read batches go through a second client holding it: the seed's
 * "dual client", which keeps a leaked read path from ever writing.
 *
 * The client's auto-pipelining is off (it splits reads and writes into separate pipelines, so a
 * read could overtake a write), and so is its own retry: retries belong to the resilience
 * policy, which knows which calls are safe to repeat.
 */
import { Redis } from '@upstash/redis';
import type { ExecOptions, RedisCommand, RedisDriver, RedisResult } from './driver.js';
import { RedisReplyError, RedisUnavailableError } from './driver.js';

export interface RestDriverOptions {
  url: string;
  token: string;
  readOnlyToken?: string | undefined;
  /** Milliseconds before a request is abandoned. */
  requestTimeoutMs?: number;
}

/** Exposes the client's protected HTTP requester for raw pipelines; everything else is the stock client. */
class PipelineClient extends Redis {
  async pipelineRaw(commands: readonly RedisCommand[]): Promise<{ result?: unknown; error?: string }[]> {
    return (await this.client.request({ path: ['pipeline'], body: commands })) as unknown as { result?: unknown; error?: string }[];
  }
}

function makeClient(url: string, token: string, timeoutMs: number): PipelineClient {
  return new PipelineClient({
    url,
    token,
    automaticDeserialization: false,
    enableAutoPipelining: false,
    enableTelemetry: false,
    retry: false,
    keepAlive: true,
    signal: () => AbortSignal.timeout(timeoutMs),
  });
}

/**
 * Sorts a failed request by what it says about the batch, from the error's kind and its cause's
 * code, never from its text (which can quote the documents sent):
 *   - an HTTP error answer with a JSON body (a bad token, a request too large) is Redis
 *     refusing the batch, not an outage: it must not count toward the circuit breaker, unless
 *     it says Redis is busy or loading. Its text ends with the whole pipeline, which is cut off;
 *   - a refused or unresolvable connection never carried the request;
 *   - an answer that is not Upstash's (a gateway's error page), a timeout or a connection lost
 *     mid-exchange may have been applied.
 */
function classifyRestFailure(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : '';
  if (name === 'UpstashError') {
    const reply = message.split(', command was:')[0] ?? message;
    // Busy or starting: refused before anything ran, so an outage the breaker should see.
    return /Service Unavailable|LOADING|TRYAGAIN|BUSY/i.test(reply) ? new RedisUnavailableError(reply, false) : new RedisReplyError(reply);
  }
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)$/.test(code)) return new RedisUnavailableError(message, false);
  return new RedisUnavailableError(message, true);
}

export class RestDriver implements RedisDriver {
  readonly kind = 'redis-rest' as const;
  readonly endpoint: string;
  private batches = 0;
  private readonly writer: PipelineClient;
  private readonly reader: PipelineClient;

  constructor(options: RestDriverOptions) {
    const timeoutMs = options.requestTimeoutMs ?? 5_000;
    this.endpoint = new URL(options.url).origin;
    this.writer = makeClient(options.url, options.token, timeoutMs);
    this.reader = options.readOnlyToken ? makeClient(options.url, options.readOnlyToken, timeoutMs) : this.writer;
  }

  get roundTrips(): number {
    return this.batches;
  }

  async exec(commands: readonly RedisCommand[], options?: ExecOptions): Promise<RedisResult[]> {
    this.batches += 1;
    const client = options?.readOnly ? this.reader : this.writer;
    let replies: { result?: unknown; error?: string }[];
    try {
      replies = await client.pipelineRaw(commands);
    } catch (error) {
      throw classifyRestFailure(error);
    }
    return replies.map((reply) => (reply.error !== undefined ? new RedisReplyError(reply.error) : ((reply.result ?? null) as RedisResult)));
  }

  async close(): Promise<void> {}
}
