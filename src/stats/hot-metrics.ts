// The metrics the request path touches, kept as plain numbers: prom-client's observe and labels().inc cost
// 0.5–1.5 µs each, several times per request. They are turned into prom-client's shapes only when scraped,
// through objects the registry treats as metrics (get() returning the JSON prom-client itself produces).
import type { Registry } from 'prom-client';

type MetricValue = { labels: Record<string, string | number>; value: number; metricName?: string };
type MetricJSON = { name: string; help: string; type: 'counter' | 'histogram'; values: MetricValue[]; aggregator: 'sum' };

/** What Registry.registerMetric needs of a metric. */
interface Exposed {
  name: string;
  help: string;
  aggregator: 'sum';
  get(): Promise<MetricJSON>;
  reset(): void;
}

const register = (registry: Registry, name: string, help: string, type: 'counter' | 'histogram', values: () => MetricValue[]): void => {
  const metric: Exposed = {
    name,
    help,
    aggregator: 'sum',
    get: async () => ({ name, help, type, values: values(), aggregator: 'sum' }),
    reset: () => {},
  };
  (registry.registerMetric as (m: unknown) => void)(metric);
};

/** A counter without labels, or with one label whose values come and go. */
export class LabelledCounter {
  private readonly counts = new Map<string, number>();

  constructor(registry: Registry, name: string, help: string, label?: string) {
    register(registry, name, help, 'counter', () =>
      label === undefined
        ? [{ labels: {}, value: this.counts.get('') ?? 0 }]
        : [...this.counts].map(([key, value]) => ({ labels: { [label]: key }, value })),
    );
  }

  inc(key = '', by = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + by);
  }
}

/** A histogram with one label from a fixed set, buckets as prom-client writes them (cumulative, then +Inf). */
export class FixedHistogram {
  private readonly bucketCounts: Float64Array;
  private readonly sums: Float64Array;
  private readonly counts: Float64Array;
  private readonly index = new Map<string, number>();

  constructor(
    registry: Registry,
    private readonly name: string,
    help: string,
    private readonly label: string,
    private readonly keys: readonly string[],
    private readonly buckets: readonly number[],
  ) {
    keys.forEach((key, i) => this.index.set(key, i));
    this.bucketCounts = new Float64Array(keys.length * buckets.length);
    this.sums = new Float64Array(keys.length);
    this.counts = new Float64Array(keys.length);
    register(registry, name, help, 'histogram', () => this.values());
  }

  observe(key: string, value: number): void {
    const i = this.index.get(key);
    if (i === undefined) return;
    const b = this.buckets;
    // The first bucket the value fits; counts are made cumulative when scraped.
    for (let k = 0; k < b.length; k++) {
      if (value <= b[k]!) {
        this.bucketCounts[i * b.length + k]!++;
        break;
      }
    }
    this.sums[i]! += value;
    this.counts[i]!++;
  }

  private values(): MetricValue[] {
    const out: MetricValue[] = [];
    this.keys.forEach((key, i) => {
      // prom-client shows only the label values it has seen; so does this.
      if (this.counts[i] === 0) return;
      let cumulative = 0;
      this.buckets.forEach((le, k) => {
        cumulative += this.bucketCounts[i * this.buckets.length + k]!;
        out.push({ labels: { le, [this.label]: key }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      out.push({ labels: { le: '+Inf', [this.label]: key }, value: this.counts[i]!, metricName: `${this.name}_bucket` });
      out.push({ labels: { [this.label]: key }, value: this.sums[i]!, metricName: `${this.name}_sum` });
      out.push({ labels: { [this.label]: key }, value: this.counts[i]!, metricName: `${this.name}_count` });
    });
    return out;
  }
}
