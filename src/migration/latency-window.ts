/** The last N latencies of something, for p50 and p99 in the status and on the dashboard. */
export class LatencyWindow {
  private readonly samples: number[] = [];
  private next = 0;

  constructor(private readonly size = 1_000) {}

  add(ms: number): void {
    if (this.samples.length < this.size) this.samples.push(ms);
    else this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.size;
  }

  percentiles(): { count: number; p50: number | null; p99: number | null } {
    if (this.samples.length === 0) return { count: 0, p50: null, p99: null };
    const sorted = [...this.samples].sort((a, b) => a - b);
    const at = (q: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number) * 100) / 100;
    return { count: sorted.length, p50: at(0.5), p99: at(0.99) };
  }
}
