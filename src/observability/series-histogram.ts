/**
 * A Prometheus histogram for the hot paths (every request, every store read), registered in a
 * prom-client registry and written out by it exactly as prom-client's own Histogram is.
 *
 * Why not prom-client's: its observe() checks the label names, hashes the label object into a
 * string and finds the bucket through a number-keyed object, on every call, even through a
 * labels() child. A cached REST GET observes two histograms; in a CPU profile of the benchmark's
 * GET load those two observations were 5.6% of the server's time. Here a series is found through
 * one map per label, keyed by the values the caller already has, and an observation is a bucket
 * search over an array and three additions.
 *
 * One difference shows in /metrics: a series is written, at zero, from its first labels() call,
 * where prom-client's appears at its first observation. The store timer asks for its `error`
 * series up front, so those read 0 rather than being absent, as Prometheus advises for label
 * sets known in advance (a rate over them is 0, not empty).
 */
import type { Metric, Registry } from 'prom-client';

export interface HistogramSeries {
  observe(seconds: number): void;
}

interface Series extends HistogramSeries {
  readonly labels: Record<string, string>;
  /** Per bucket, not cumulative; the last slot counts what falls above every bound. */
  readonly counts: number[];
  sum: number;
  count: number;
}

type LabelValue = string | number;

/** A label value as the maps key it: 200 and '200' are one series, as they print the same. */
function keyOf(value: LabelValue): string {
  return typeof value === 'number' ? String(value) : value;
}

interface ExportedValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
  /** As prom-client's buckets carry it (null: exemplars are off), so getMetricsAsJSON matches too. */
  exemplar?: null;
}

export interface SeriesHistogramOptions<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  /** Upper bounds, ascending. */
  buckets: readonly number[];
  registers: Registry[];
}

export class SeriesHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly labelNames: readonly L[];
  private readonly bounds: readonly number[];
  /** Nested by label value, in labelNames order; the innermost map holds the series. */
  private readonly root = new Map<string, unknown>();
  private readonly all: Series[] = [];

  constructor(options: SeriesHistogramOptions<L>) {
    if (options.buckets.some((bound, index) => index > 0 && bound <= (options.buckets[index - 1] as number))) {
      throw new Error(`${options.name}: bucket bounds must ascend`);
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    this.bounds = options.buckets;
    // Written out by the registry like any of its metrics: it asks for get() (and reset()) only.
    for (const registry of options.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** The series of these label values, given in labelNames order. Keep it where the values are fixed. */
  labels(...values: LabelValue[]): HistogramSeries {
    if (values.length !== this.labelNames.length) throw new Error(`${this.name} takes ${this.labelNames.length} label values, got ${values.length}`);
    let level = this.root;
    const last = values.length - 1;
    for (let index = 0; index < last; index += 1) {
      const value = keyOf(values[index] as LabelValue);
      let next = level.get(value) as Map<string, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(value, next);
      }
      level = next;
    }
    const key = keyOf(values[last] as LabelValue);
    const found = level.get(key) as Series | undefined;
    if (found !== undefined) return found;
    const made = this.series(values);
    level.set(key, made);
    return made;
  }

  private series(values: LabelValue[]): Series {
    const labels: Record<string, string> = {};
    this.labelNames.forEach((name, index) => (labels[name] = String(values[index])));
    const bounds = this.bounds;
    const made: Series = {
      labels,
      counts: new Array<number>(bounds.length + 1).fill(0),
      sum: 0,
      count: 0,
      observe(seconds: number): void {
        // prom-client throws here; a metric must not fail the request it measures.
        if (!Number.isFinite(seconds)) return;
        let index = 0;
        while (index < bounds.length && seconds > (bounds[index] as number)) index += 1;
        made.counts[index] = (made.counts[index] as number) + 1;
        made.sum += seconds;
        made.count += 1;
      },
    };
    this.all.push(made);
    return made;
  }

  /** Called by the registry: the buckets (cumulative, then `+Inf`), sum and count of every series. */
  get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: ExportedValue[] }> {
    const values: ExportedValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const series of this.all) {
      let cumulative = 0;
      this.bounds.forEach((bound, index) => {
        cumulative += series.counts[index] as number;
        values.push({ labels: { le: bound, ...series.labels }, value: cumulative, metricName: bucket, exemplar: null });
      });
      values.push(
        { labels: { le: '+Inf', ...series.labels }, value: series.count, metricName: bucket, exemplar: null },
        { labels: { ...series.labels }, value: series.sum, metricName: `${this.name}_sum` },
        { labels: { ...series.labels }, value: series.count, metricName: `${this.name}_count` },
      );
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  /** Zeroes every series (Registry.resetMetrics); the series handed out keep counting. */
  reset(): void {
    for (const series of this.all) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}
