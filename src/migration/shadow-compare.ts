/**
 * Shadow reads: in `shadow` and `live`, a sample of reads is also served by the other store and
 * the two are compared by checksum, off the request path. A mismatch is checked once more after a
 * moment (a write may have been between its two stores) and, if it persists, recorded with the
 * fields that differ. Latency of each store is kept for the status and the dashboard.
 */
import type { Counter } from 'prom-client';
import type { SeriesHistogram } from '../observability/series-histogram.js';
import type { Collection, Doc } from '../domain/collections.js';
import { diffFields } from '../domain/diff.js';
import type { ContentStore } from '../store/port.js';
import type { StoreName } from './stages.js';
import type { MigrationStateStore } from './state-store.js';
import { LatencyWindow } from './latency-window.js';

export interface ShadowCompareOptions {
  stores: Record<StoreName, ContentStore>;
  state: MigrationStateStore;
  /** Share of reads compared, 0 to 1. */
  sampleRate: number;
  random?: () => number;
  recheckMs?: number;
  metrics?: { compared: Counter<'collection' | 'outcome'>; readDuration: SeriesHistogram<'store'> };
  /** A comparison that could not be made or recorded; it never affects the read itself. */
  onError?: (error: unknown) => void;
}

export class ShadowComparer {
  readonly latency: Record<StoreName, LatencyWindow> = { json: new LatencyWindow(), redis: new LatencyWindow() };
  private pending = 0;
  private readonly durations: Partial<Record<StoreName, { observe(seconds: number): void }>>;

  constructor(private readonly options: ShadowCompareOptions) {
    const histogram = options.metrics?.readDuration;
    this.durations = histogram ? { json: histogram.labels('json'), redis: histogram.labels('redis') } : {};
  }

  /** Records how long a read from a store took, for status and metrics. */
  observe(store: StoreName, ms: number): void {
    this.latency[store].add(ms);
    this.durations[store]?.observe(ms / 1000);
  }

  /** Possibly compares what was served (its checksum, read from `from`) with the other store, in the background. */
  maybeCompare(c: Collection, id: string, served: string | null, from: StoreName): void {
    if ((this.options.random ?? Math.random)() >= this.options.sampleRate || this.pending > 100) return;
    this.pending += 1;
    void this.compare(c, id, served, from)
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => {
        this.pending -= 1;
      });
  }

  private async timedGet(store: StoreName, c: Collection, id: string): Promise<Doc | null> {
    const started = performance.now();
    const doc = await this.options.stores[store].get(c, id);
    this.observe(store, performance.now() - started);
    return doc;
  }

  private async compare(c: Collection, id: string, served: string | null, from: StoreName): Promise<void> {
    const other: StoreName = from === 'json' ? 'redis' : 'json';
    const otherDoc = await this.timedGet(other, c, id);
    if (served === (otherDoc?.metadata.checksum ?? null)) {
      await this.record(c, true);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, this.options.recheckMs ?? 100));
    const [a, b] = await Promise.all([this.options.stores[from].get(c, id), this.options.stores[other].get(c, id)]);
    if (a?.metadata.checksum === b?.metadata.checksum) {
      await this.record(c, true);
      return;
    }
    await this.record(c, false, {
      id,
      at: new Date().toISOString(),
      [from]: a ? { version: a.metadata.version, checksum: a.metadata.checksum } : null,
      [other]: b ? { version: b.metadata.version, checksum: b.metadata.checksum } : null,
      fields: diffFields(a ?? {}, b ?? {}).map((change) => change.field).slice(0, 20),
    });
  }

  private async record(c: Collection, matched: boolean, mismatch?: unknown): Promise<void> {
    this.options.metrics?.compared.inc({ collection: c, outcome: matched ? 'match' : 'mismatch' });
    await this.options.state.recordComparison(c, matched, mismatch);
  }
}
