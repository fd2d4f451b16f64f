// The request path's metrics must read exactly as prom-client's own would, alone and summed across processes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { FixedHistogram, LabelledCounter } from './hot-metrics.js';

const BUCKETS = [0.001, 0.01, 0.1];
const OBSERVED: [string, number][] = [
  ['redirect', 0.0005],
  ['redirect', 0.001],
  ['redirect', 0.05],
  ['json', 2],
  ['redirect', 0.0099],
];

const theirs = (): Registry => {
  const registry = new Registry();
  const h = new Histogram({ name: 'h_seconds', help: 'h.', labelNames: ['outcome'], buckets: BUCKETS, registers: [registry] });
  const c = new Counter({ name: 'c_total', help: 'c.', labelNames: ['mirror'], registers: [registry] });
  const plain = new Counter({ name: 'p_total', help: 'p.', registers: [registry] });
  for (const [key, value] of OBSERVED) {
    h.labels(key).observe(value);
    c.labels(key).inc(3);
  }
  plain.inc();
  plain.inc();
  return registry;
};

const ours = (): Registry => {
  const registry = new Registry();
  const h = new FixedHistogram(registry, 'h_seconds', 'h.', 'outcome', ['redirect', 'json', 'never'], BUCKETS);
  const c = new LabelledCounter(registry, 'c_total', 'c.', 'mirror');
  const plain = new LabelledCounter(registry, 'p_total', 'p.');
  for (const [key, value] of OBSERVED) {
    h.observe(key, value);
    c.inc(key, 3);
  }
  plain.inc();
  plain.inc();
  return registry;
};

const sorted = (text: string): string[] => text.split('\n').filter((l) => l !== '').sort();

describe('hot metrics', () => {
  it("expose the same text as prom-client's metrics", async () => {
    assert.deepEqual(sorted(await ours().metrics()), sorted(await theirs().metrics()));
  });

  it('add up across processes as prom-client\'s do', async () => {
    const a = AggregatorRegistry.aggregate([await ours().getMetricsAsJSON(), await ours().getMetricsAsJSON()]);
    const b = AggregatorRegistry.aggregate([await theirs().getMetricsAsJSON(), await theirs().getMetricsAsJSON()]);
    assert.deepEqual(sorted(await a.metrics()), sorted(await b.metrics()));
  });
});
