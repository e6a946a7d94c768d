// A latency histogram with logarithmic buckets (1 % wide): constant memory however many
// samples, mergeable across generator processes, and percentiles within 1 % of the exact value.
const GROWTH = 1.01;
const MIN_US = 1;
const LOG_GROWTH = Math.log(GROWTH);

export interface HistogramData {
  // bucket index -> count
  buckets: Record<number, number>;
  count: number;
  maxMs: number;
}

export class Histogram {
  private readonly buckets = new Map<number, number>();
  count = 0;
  maxMs = 0;

  record(ms: number): void {
    const us = Math.max(MIN_US, ms * 1000);
    const i = Math.floor(Math.log(us / MIN_US) / LOG_GROWTH);
    this.buckets.set(i, (this.buckets.get(i) ?? 0) + 1);
    this.count++;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  merge(other: Histogram | HistogramData): this {
    const entries = other instanceof Histogram ? other.buckets.entries() : Object.entries(other.buckets).map(([k, v]) => [Number(k), v] as const);
    for (const [i, n] of entries) this.buckets.set(i, (this.buckets.get(i) ?? 0) + n);
    this.count += other.count;
    this.maxMs = Math.max(this.maxMs, other.maxMs);
    return this;
  }

  // The value (ms) below which a fraction `q` (0..1) of the samples lie; undefined when empty.
  // Reported as the bucket's geometric middle, capped by the largest sample seen.
  quantile(q: number): number | undefined {
    if (this.count === 0) return undefined;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (const i of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(i)!;
      if (seen >= rank) return Math.min(this.maxMs, (MIN_US * Math.pow(GROWTH, i + 0.5)) / 1000);
    }
    return this.maxMs;
  }

  toJSON(): HistogramData {
    return { buckets: Object.fromEntries(this.buckets), count: this.count, maxMs: this.maxMs };
  }

  static from(data: HistogramData): Histogram {
    return new Histogram().merge(data);
  }
}
