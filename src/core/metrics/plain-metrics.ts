import type { Metric, Registry } from "prom-client";

// Counters and histograms on the /query path, kept as plain numbers and handed to prom-client's
// registry only when /metrics is scraped. prom-client's own Counter and Histogram hash and check
// the label object on every observation; here a caller keeps the child of its label values (a
// module's) and an observation is a few additions. The registry takes any object with a name and
// a get() (prom-client's Registry.registerMetric); `aggregator: "sum"` lets the --workers
// aggregation add the workers' figures as it does for its own types.

/** One sample as prom-client's registry formats it (metricName: a histogram's _bucket, _sum, _count). */
interface Sample {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

interface Snapshot {
  name: string;
  help: string;
  type: "counter" | "histogram";
  aggregator: "sum";
  values: Sample[];
}

interface PlainMetric {
  readonly name: string;
  get(): Snapshot;
  reset(): void;
}

/** Adds a plain metric to a prom-client registry (its typings know only prom-client's own classes). */
export function register(registry: Registry, metric: PlainMetric): void {
  registry.registerMetric(metric as unknown as Metric);
}

/** One histogram child: observations of one label value. */
export class HistogramChild {
  /** Observations per bucket (not cumulative: summed at scrape). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }
  observe(value: number): void {
    this.sum += value;
    this.count++;
    const b = this.bounds;
    for (let i = 0; i < b.length; i++) {
      if (value <= b[i]) {
        this.counts[i]++;
        return;
      }
    }
  }
}

/** A histogram with at most one label; `child(value)` is kept by the caller. */
export class PlainHistogram implements PlainMetric {
  readonly type = "histogram";
  readonly aggregator = "sum" as const;
  private readonly children = new Map<string, HistogramChild>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    private readonly labelName?: string,
  ) {}

  child(labelValue = ""): HistogramChild {
    let c = this.children.get(labelValue);
    if (!c) {
      c = new HistogramChild(this.bounds);
      this.children.set(labelValue, c);
    }
    return c;
  }

  get(): Snapshot {
    const values: Sample[] = [];
    for (const [labelValue, c] of this.children) {
      const labels: Record<string, string> = this.labelName ? { [this.labelName]: labelValue } : {};
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += c.counts[i];
        values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: "+Inf" }, value: c.count });
      values.push({ metricName: `${this.name}_sum`, labels, value: c.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: c.count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** Zeroes in place: callers keep their children. */
  reset(): void {
    for (const c of this.children.values()) {
      c.counts.fill(0);
      c.sum = 0;
      c.count = 0;
    }
  }
}

/** A counter over two labels, one fixed per child (a module) and one per increment (an outcome). */
export class PlainCounter2 implements PlainMetric {
  readonly type = "counter";
  readonly aggregator = "sum" as const;
  private readonly children = new Map<string, Map<string, number>>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly [string, string],
  ) {}

  /** The counts of one first-label value, by second-label value: `inc` them in place. */
  child(first: string): Map<string, number> {
    let c = this.children.get(first);
    if (!c) {
      c = new Map();
      this.children.set(first, c);
    }
    return c;
  }

  get(): Snapshot {
    const [a, b] = this.labelNames;
    const values: Sample[] = [];
    for (const [first, counts] of this.children)
      for (const [second, value] of counts) values.push({ labels: { [a]: first, [b]: second }, value });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** Zeroes in place: callers keep their children. */
  reset(): void {
    for (const c of this.children.values()) c.clear();
  }
}

/** Adds one to `key` in a child of PlainCounter2. */
export function inc(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
