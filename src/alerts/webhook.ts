/**
 * Delivers alerts to CONTENTKV_ALERT_WEBHOOK as JSON POSTs, one at a time, in order, with retry
 * (exponential backoff and jitter). It runs beside the requests and never blocks one: the queue
 * is bounded and, when full, drops the oldest alert and counts it.
 */
import { ExponentialBackoff, handleAll, retry } from 'cockatiel';
import type { Counter } from 'prom-client';

export interface WebhookOptions {
  url: string;
  attempts?: number;
  maxQueue?: number;
  timeoutMs?: number;
  dropped?: Counter<string>;
  onFailure?: (error: unknown) => void;
}

export class WebhookSender {
  private readonly queue: unknown[] = [];
  private sending = false;
  private readonly policy;

  constructor(private readonly options: WebhookOptions) {
    this.policy = retry(handleAll, { maxAttempts: (options.attempts ?? 5) - 1, backoff: new ExponentialBackoff({ initialDelay: 200, maxDelay: 10_000 }) });
  }

  send(payload: unknown): void {
    if (this.queue.length >= (this.options.maxQueue ?? 200)) {
      this.queue.shift();
      this.options.dropped?.inc();
    }
    this.queue.push(payload);
    if (!this.sending) void this.drain();
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (this.queue.length > 0) {
        const payload = this.queue.shift();
        try {
          await this.policy.execute(async () => {
            const response = await fetch(this.options.url, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json', 'User-Agent': 'contentkv-alerts' },
              body: JSON.stringify(payload),
              signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
            });
            if (!response.ok) throw new Error(`the alert webhook answered ${response.status}`);
          });
        } catch (error) {
          this.options.onFailure?.(error);
        }
      }
    } finally {
      this.sending = false;
    }
  }
}
