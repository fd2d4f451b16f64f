// Prometheus metrics (prom-client) for the admin listener's /metrics: requests by outcome and their latency,
// redirects and bytes per mirror, mirrors by state, scan and health-check durations and failures, flush lag, GeoIP misses.
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { FixedHistogram, LabelledCounter } from './hot-metrics.js';

export type Outcome =
  | 'redirect'
  | 'json'
  | 'mirrorlist'
  | 'fallback'
  | 'no_mirror'
  | 'not_found'
  | 'not_modified'
  | 'forbidden'
  | 'bad_request'
  | 'checksum'
  | 'stats'
  | 'asset'
  | 'error';

const OUTCOMES: Outcome[] = ['redirect', 'json', 'mirrorlist', 'fallback', 'no_mirror', 'not_found', 'not_modified', 'forbidden', 'bad_request', 'checksum', 'stats', 'asset', 'error'];

export interface MetricsSources {
  mirrorsByState: () => Record<string, number>;
  files: () => number;
  flushLagSeconds: () => number;
}

export class Metrics {
  readonly registry = new Registry();
  // The request path's metrics are plain numbers (hot-metrics.ts); the others, rare, are prom-client's own.
  private readonly requests: LabelledCounter;
  private readonly latency: FixedHistogram;
  private readonly redirects: LabelledCounter;
  private readonly bytes: LabelledCounter;
  private readonly scanDuration: Histogram<'protocol' | 'result'>;
  private readonly scanFailures: Counter<'mirror'>;
  private readonly checkDuration: Histogram<'protocol' | 'result'>;
  private readonly checkFailures: Counter<'mirror' | 'protocol'>;
  private readonly geoipMisses: LabelledCounter;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'signpost_' });
    this.requests = new LabelledCounter(this.registry, 'signpost_http_requests_total', 'Requests answered by the redirector, by outcome.', 'outcome');
    this.latency = new FixedHistogram(
      this.registry,
      'signpost_http_request_duration_seconds',
      'Time from request to answer on the redirector, by outcome.',
      'outcome',
      OUTCOMES,
      [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5],
    );
    this.redirects = new LabelledCounter(this.registry, 'signpost_mirror_redirects_total', 'Downloads redirected to each mirror (GET, counted as statistics are).', 'mirror');
    this.bytes = new LabelledCounter(this.registry, 'signpost_mirror_bytes_total', 'Bytes of the files redirected to each mirror.', 'mirror');
    this.scanDuration = new Histogram({ name: 'signpost_scan_duration_seconds', help: 'Mirror scan durations.', labelNames: ['protocol', 'result'], buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 1800], registers });
    this.scanFailures = new Counter({ name: 'signpost_scan_failures_total', help: 'Mirror scans that failed.', labelNames: ['mirror'], registers });
    this.checkDuration = new Histogram({ name: 'signpost_health_check_duration_seconds', help: 'Health check durations.', labelNames: ['protocol', 'result'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers });
    this.checkFailures = new Counter({ name: 'signpost_health_check_failures_total', help: 'Health checks that failed.', labelNames: ['mirror', 'protocol'], registers });
    this.geoipMisses = new LabelledCounter(this.registry, 'signpost_geoip_misses_total', 'Client addresses the GeoIP data could not place.');
    new Gauge({
      name: 'signpost_mirrors',
      help: 'Mirrors by state.',
      labelNames: ['state'],
      registers,
      aggregator: 'max',
      collect() {
        for (const [state, n] of Object.entries(sources.mirrorsByState())) this.set({ state }, n);
      },
    });
    // Every process sees the same catalog: across worker processes these are the same number, not parts of a sum.
    new Gauge({ name: 'signpost_files', help: 'Files in the repository index.', registers, aggregator: 'max', collect() { this.set(sources.files()); } });
    new Gauge({ name: 'signpost_stats_flush_lag_seconds', help: 'Age of the oldest download count not yet written to the store.', registers, aggregator: 'max', collect() { this.set(sources.flushLagSeconds()); } });
  }

  /** `startedNs` from process.hrtime.bigint() when the request arrived. */
  /** `startedMs` is performance.now() when the request came. */
  answered(outcome: Outcome, startedMs: number): void {
    this.requests.inc(outcome);
    this.latency.observe(outcome, (performance.now() - startedMs) / 1000);
  }

  download(mirror: string, bytes: number): void {
    this.redirects.inc(mirror);
    this.bytes.inc(mirror, bytes);
  }

  geoipMiss(): void {
    this.geoipMisses.inc();
  }

  scan(protocol: string, ok: boolean, seconds: number, mirror: string): void {
    this.scanDuration.labels(protocol, ok ? 'ok' : 'failed').observe(seconds);
    if (!ok) this.scanFailures.labels(mirror).inc();
  }

  check(protocol: string, ok: boolean, seconds: number, mirror: string): void {
    this.checkDuration.labels(protocol, ok ? 'ok' : 'failed').observe(seconds);
    if (!ok) this.checkFailures.labels(mirror, protocol).inc();
  }

  /** The exposition text; with worker processes, their metrics (prom-client JSON) summed with this process's. */
  async text(workers: readonly unknown[] = []): Promise<{ contentType: string; body: string }> {
    if (workers.length === 0) return { contentType: this.registry.contentType, body: await this.registry.metrics() };
    type Snapshot = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;
    const all = [await this.registry.getMetricsAsJSON(), ...(workers as Snapshot[])];
    const merged = AggregatorRegistry.aggregate(all);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }
}
