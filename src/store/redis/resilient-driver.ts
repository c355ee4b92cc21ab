/**
 * The policies around every Redis call (cockatiel), as one driver wrapping another:
 *   - a time budget per batch that covers every attempt, so no request waits longer than it
 *     (each attempt also has its own deadline in the transport, so a Redis that stops
 *     answering counts as a failure for the breaker instead of an attempt left pending);
 *   - retries with exponential backoff and jitter, for batches that are safe to send twice
 *     (reads, scripts keyed by an operation id) or that surely never reached Redis;
 *   - a circuit breaker per endpoint: after consecutive failures it fails calls at once, then
 *     lets one through after a pause to see whether Redis is back.
 * Failures come out as RedisUnavailableError, saying whether the batch may have been applied.
 */
import {
  BrokenCircuitError, circuitBreaker, CircuitState, ConsecutiveBreaker, ExponentialBackoff, handleWhen, retry, TaskCancelledError, timeout, TimeoutStrategy, wrap,
} from 'cockatiel';
import type { ExecOptions, RedisCommand, RedisDriver, RedisResult } from './driver.js';
import { RedisUnavailableError } from './driver.js';
import type { KeyWatch, KeyWatchListener } from './key-watch.js';

export interface ResilienceOptions {
  /** Milliseconds one batch may take, retries included. */
  timeoutMs: number;
  /** Attempts for a batch that may be retried (1 = no retry). */
  attempts: number;
  /** Consecutive failures that open the circuit. */
  breakerThreshold: number;
  /** Milliseconds the circuit stays open before letting a trial call through. */
  halfOpenAfterMs: number;
}

export const DEFAULT_RESILIENCE: ResilienceOptions = { timeoutMs: 1_500, attempts: 3, breakerThreshold: 5, halfOpenAfterMs: 2_000 };

export type CircuitName = 'closed' | 'open' | 'half-open';

function nameOf(state: CircuitState): CircuitName {
  return state === CircuitState.Closed ? 'closed' : state === CircuitState.HalfOpen ? 'half-open' : 'open';
}

export class ResilientDriver implements RedisDriver {
  readonly kind: RedisDriver['kind'];
  readonly endpoint: string;
  private readonly breaker;
  private readonly safePolicy;
  private readonly unsafePolicy;
  private readonly listeners = new Set<(state: CircuitName) => void>();
  private openedAt: number | null = null;

  constructor(
    private readonly inner: RedisDriver,
    private readonly options: ResilienceOptions = DEFAULT_RESILIENCE,
  ) {
    this.kind = inner.kind;
    this.endpoint = inner.endpoint;
    const outage = handleWhen((error) => error instanceof RedisUnavailableError);
    this.breaker = circuitBreaker(outage, { halfOpenAfter: options.halfOpenAfterMs, breaker: new ConsecutiveBreaker(options.breakerThreshold) });
    this.breaker.onStateChange((state) => {
      this.openedAt = state === CircuitState.Open ? Date.now() : state === CircuitState.Closed ? null : this.openedAt;
      for (const listener of this.listeners) listener(nameOf(state));
    });
    const backoff = new ExponentialBackoff({ initialDelay: 25, maxDelay: Math.max(50, options.timeoutMs / 4) });
    // abortOnReturn off: aborting the signal of every successful call allocates an exception each time.
    const budget = timeout(options.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
    const retryAll = retry(outage, { maxAttempts: Math.max(0, options.attempts - 1), backoff });
    const retryUnsent = retry(handleWhen((error) => error instanceof RedisUnavailableError && !error.maybeApplied), { maxAttempts: Math.max(0, options.attempts - 1), backoff });
    this.safePolicy = wrap(budget, retryAll, this.breaker);
    this.unsafePolicy = wrap(budget, retryUnsent, this.breaker);
  }

  get roundTrips(): number {
    return this.inner.roundTrips;
  }

  get circuit(): CircuitName {
    return nameOf(this.breaker.state);
  }

  /** Seconds until the open circuit lets a trial call through: the Retry-After to give clients. */
  get retryAfterSeconds(): number {
    if (this.openedAt === null) return 1;
    return Math.max(1, Math.ceil((this.openedAt + this.options.halfOpenAfterMs - Date.now()) / 1000));
  }

  onCircuitChange(listener: (state: CircuitName) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async exec(commands: readonly RedisCommand[], options?: ExecOptions): Promise<RedisResult[]> {
    const policy = options?.readOnly || options?.idempotent ? this.safePolicy : this.unsafePolicy;
    // An idempotent batch is retried even after an attempt that may have reached Redis. If a later
    // attempt is then refused unsent, the call as a whole may still have been applied.
    let mayHaveReached = false;
    const attempt = async () => {
      try {
        return await this.inner.exec(commands, options);
      } catch (error) {
        if (error instanceof RedisUnavailableError && error.maybeApplied) mayHaveReached = true;
        throw error;
      }
    };
    try {
      return await policy.execute(attempt);
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        const reason = 'Redis failed repeatedly; calls to it are paused';
        throw new RedisUnavailableError(`the circuit to ${this.endpoint} is open`, mayHaveReached, { reason, retryAfterSeconds: this.retryAfterSeconds });
      }
      if (error instanceof TaskCancelledError) {
        const reason = `Redis did not answer within ${this.options.timeoutMs} ms`;
        throw new RedisUnavailableError(reason, true, { reason });
      }
      if (error instanceof RedisUnavailableError && mayHaveReached && !error.maybeApplied) {
        throw new RedisUnavailableError(error.message, true, { reason: 'Redis did not answer', retryAfterSeconds: error.retryAfterSeconds });
      }
      throw error;
    }
  }

  watchKeys(prefixes: readonly string[], listener: KeyWatchListener): KeyWatch | null {
    return this.inner.watchKeys?.(prefixes, listener) ?? null;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
