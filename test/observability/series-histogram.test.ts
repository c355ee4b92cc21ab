import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SeriesHistogram } from '../../src/observability/series-histogram.js';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const LABELS = ['method', 'route', 'status'] as const;

function pair() {
  const theirs = new Registry();
  const ours = new Registry();
  const reference = new Histogram({ name: 'duration_seconds', help: 'Request duration.', labelNames: LABELS, buckets: BUCKETS, registers: [theirs] });
  const histogram = new SeriesHistogram({ name: 'duration_seconds', help: 'Request duration.', labelNames: LABELS, buckets: BUCKETS, registers: [ours] });
  return { theirs, ours, reference, histogram };
}

/** A fixed pseudo-random sequence, so a failure can be replayed. */
function* values(count: number): Generator<number> {
  let state = 12345;
  for (let n = 0; n < count; n += 1) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    // Spread over the bounds and past the last one, with exact bounds among them.
    yield n % 7 === 0 ? (BUCKETS[n % BUCKETS.length] as number) : (state / 2 ** 32) * 4;
  }
}

describe('SeriesHistogram', () => {
  it('writes the same Prometheus text and JSON as prom-client for the same observations', async () => {
    const { theirs, ours, reference, histogram } = pair();
    const series = [
      ['GET', '/api/projects/:id', 200],
      ['GET', '/api/projects/:id', 304],
      ['POST', '/api/projects', 201],
      // A label value the text format has to escape.
      ['GET', '/odd"path\\with\nbreak', 404],
    ] as const;
    let n = 0;
    for (const value of values(2_000)) {
      const [method, route, status] = series[n % series.length] as (typeof series)[number];
      n += 1;
      reference.observe({ method, route, status: String(status) }, value);
      histogram.labels(method, route, status).observe(value);
    }
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain('duration_seconds_count{method="GET",route="/api/projects/:id",status="200"} 500');
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });

  it('hands back the same series for the same label values, and counts through a kept one', async () => {
    const { ours, histogram } = pair();
    const kept = histogram.labels('GET', '/x', 200);
    expect(histogram.labels('GET', '/x', 200)).toBe(kept);
    // A number and its text print the same, so they must be one series, not two samples of one name.
    expect(histogram.labels('GET', '/x', '200')).toBe(kept);
    kept.observe(0.002);
    kept.observe(3);
    const text = await ours.metrics();
    expect(text).toContain('duration_seconds_bucket{le="0.001",method="GET",route="/x",status="200"} 0');
    expect(text).toContain('duration_seconds_bucket{le="0.0025",method="GET",route="/x",status="200"} 1');
    expect(text).toContain('duration_seconds_bucket{le="2.5",method="GET",route="/x",status="200"} 1');
    expect(text).toContain('duration_seconds_bucket{le="+Inf",method="GET",route="/x",status="200"} 2');
    expect(text).toContain('duration_seconds_sum{method="GET",route="/x",status="200"} 3.002');
  });

  it('ignores a value that is not a finite number rather than failing what it measures', async () => {
    const { ours, histogram } = pair();
    const series = histogram.labels('GET', '/x', 200);
    series.observe(Number.NaN);
    series.observe(Number.POSITIVE_INFINITY);
    series.observe(0.5);
    expect(await ours.metrics()).toContain('duration_seconds_count{method="GET",route="/x",status="200"} 1');
  });

  it('refuses the wrong number of label values and bounds that do not ascend', () => {
    const { histogram } = pair();
    expect(() => histogram.labels('GET', '/x')).toThrow(/takes 3 label values, got 2/);
    expect(() => new SeriesHistogram({ name: 'bad', help: 'h', labelNames: ['a'], buckets: [1, 0.5], registers: [] })).toThrow(/must ascend/);
  });

  it('is zeroed by the registry reset, and the series handed out before keep counting', async () => {
    const { ours, histogram } = pair();
    const series = histogram.labels('GET', '/x', 200);
    series.observe(0.1);
    ours.resetMetrics();
    expect(await ours.metrics()).toContain('duration_seconds_count{method="GET",route="/x",status="200"} 0');
    series.observe(0.1);
    expect(await ours.metrics()).toContain('duration_seconds_count{method="GET",route="/x",status="200"} 1');
  });
});
