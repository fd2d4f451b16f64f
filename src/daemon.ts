// Wires the parts together and owns their lifecycle: config, store, GeoIP, catalog, services, listeners, signals.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { createAdminHandler } from './admin/routes.js';
import { REPOSITORY_KEY } from './cluster/coordinator.js';
import type { Coordinator } from './cluster/coordinator.js';
import { openCoordinator } from './cluster/open.js';
import type { Config } from './config/config.js';
import { loadConfig } from './config/load.js';
import { GeoIP } from './geo/geoip.js';
import { createRedirector } from './http/redirector.js';
import { WorkerPool } from './http/workers.js';
import { applyConfig, createRuntime, geoOptions } from './http/runtime.js';
import type { Runtime } from './http/runtime.js';
import { describeListen, parseListenAddress } from './listen-address.js';
import { HealthChecker } from './health/checker.js';
import { Catalog } from './mirrors/catalog.js';
import { RepositoryRefresher } from './repo/refresh.js';
import { MirrorScanner } from './scan/mirror-scan.js';
import { ScanScheduler } from './scan/scheduler.js';
import { StatsFlusher } from './stats/flusher.js';
import { openStore } from './store/open.js';
import { StoreReachability } from './store/reachability.js';
import type { Store } from './store/store.js';
import { VERSION } from './version.js';

/** With worker processes serving, the primary drops its GeoIP data this long after its last lookup. */
const GEO_IDLE_MS = 60_000;

export type Log = (message: string) => void;

export const stderrLog: Log = (message) => process.stderr.write(`${new Date().toISOString()} ${message}\n`);

const listen = (server: Server, address: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const target = parseListenAddress(address);
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      const info = server.address();
      resolve(describeListen(target, typeof info === 'object' && info ? (info as AddressInfo).port : undefined));
    };
    if ('path' in target) server.listen(target.path, done);
    else server.listen(target.port, target.host, done);
  });

export class Daemon {
  private repoTimer: NodeJS.Timeout | undefined;
  private geoTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private indexed = false;
  /** The worker processes serving requests, when `Workers` > 1. */
  pool: WorkerPool | undefined;
  readonly addresses = { http: '', admin: '' };

  private constructor(
    private readonly explicitConfig: string | undefined,
    readonly runtime: Runtime,
    readonly store: Store,
    readonly coordinator: Coordinator,
    private readonly refresher: RepositoryRefresher,
    private readonly scheduler: ScanScheduler,
    private readonly checker: HealthChecker,
    private readonly flusher: StatsFlusher,
    private readonly reachability: StoreReachability,
    private readonly httpServer: Server,
    private readonly adminServer: Server,
    private readonly log: Log,
  ) {}

  static async start(options: { config?: string; log?: Log } = {}): Promise<Daemon> {
    const log = options.log ?? stderrLog;
    const config = loadConfig(options.config);
    const store = await openStore(config);
    // Watched from here on: /readyz and the log say when the store stops answering (requests are served from memory).
    const reachability = new StoreReachability(store, { log });
    let coordinator: Coordinator;
    let geo: GeoIP;
    try {
      coordinator = await openCoordinator(config, log);
    } catch (error) {
      await store.close();
      throw error;
    }
    try {
      geo = await GeoIP.open(geoOptions(config));
    } catch (error) {
      await coordinator.stop();
      await store.close();
      throw error;
    }
    // With worker processes answering requests, this process's catalog serves only scans, checks and rescans.
    const catalog = new Catalog(store, { serving: config.workers <= 1 });
    await catalog.start();
    const self: { daemon?: Daemon } = {};
    const runtime = createRuntime({ config, geo, catalog, store, flushLagSeconds: () => (self.daemon?.flushLagMs() ?? 0) / 1000, log });
    const { counter, metrics } = runtime;
    const flusher = new StatsFlusher(counter, store, { retentionDays: Math.floor(config.statsRetention / 86_400_000), log });
    const refresher = new RepositoryRefresher(store, catalog, coordinator, () => ({ root: runtime.config.repository, hashes: runtime.config.hashes }));
    const checker = new HealthChecker(store, catalog, coordinator, () => runtime.config, log, Math.random, metrics);
    // After a successful scan of a mirror that is not up, check it at once (the scan answer waits for it).
    const scanner = new MirrorScanner(
      store,
      catalog,
      coordinator,
      () => ({ timeoutMs: 30 * 60 * 1000, fixTimezoneOffsets: runtime.config.fixTimezoneOffsets }),
      async (mirror) => {
        if (mirror.enabled && !(mirror.httpUp && mirror.httpsUp)) await checker.checkNow(mirror);
      },
      metrics,
    );
    const scheduler = new ScanScheduler(scanner, catalog, coordinator, () => ({ intervalMs: runtime.config.scanInterval, concurrent: runtime.config.concurrentSync }), log);
    const httpServer = createServer(createRedirector(runtime));
    httpServer.keepAliveTimeout = 5000;
    httpServer.requestTimeout = 10_000;
    httpServer.headersTimeout = 10_000;
    const adminServer = createServer(
      createAdminHandler({
        store,
        catalog,
        runtime,
        scanner,
        checker,
        refresher,
        coordinator,
        reload: () => self.daemon!.reload(),
        workerMetrics: () => self.daemon?.pool?.metricsJSON() ?? Promise.resolve([]),
        ready: () => ({
          store: reachability.reachable,
          // A stored index counts: a daemon restarting while its repository is briefly unreadable still serves.
          repositoryIndexed: (self.daemon?.indexed ?? false) || catalog.fileCount > 0,
          geoip: true,
          catalogLoaded: catalog.isLoaded(),
        }),
      }),
    );
    const daemon = new Daemon(options.config, runtime, store, coordinator, refresher, scheduler, checker, flusher, reachability, httpServer, adminServer, log);
    self.daemon = daemon;
    try {
      if (config.workers > 1) {
        // Worker processes serve requests on the shared socket; this one keeps the store and the background work.
        const pool = await WorkerPool.start({ count: config.workers, config, log, onDownloads: (batch) => counter.restore(batch) });
        daemon.pool = pool;
        store.subscribe((event) => pool.broadcast({ type: 'event', event }));
        catalog.onPatch((id, patch) => pool.patch(id, patch));
        catalog.onSettle(() => pool.sync());
        // The workers geolocate clients; this process only locates a mirror now and then.
        geo.releaseWhenIdle(GEO_IDLE_MS);
        const target = parseListenAddress(config.listenAddress);
        daemon.addresses.http = describeListen(target, pool.port);
      } else {
        daemon.addresses.http = await listen(httpServer, config.listenAddress);
      }
      daemon.addresses.admin = await listen(adminServer, config.adminListenAddress);
    } catch (error) {
      await daemon.stop();
      throw new Error(`cannot listen: ${(error as Error).message}`);
    }
    const startedAt = Date.now();
    coordinator.start(() => ({ name: coordinator.self, host: hostname(), pid: process.pid, version: VERSION, startedAt, ...daemon.addresses }));
    log(`signpost ${VERSION}: redirector on ${daemon.addresses.http}${daemon.pool ? ` (${daemon.pool.size} worker processes)` : ''}, admin API on ${daemon.addresses.admin}, store ${store.backend}${coordinator.shared ? ` (cluster node ${coordinator.self})` : ''}, config ${config.source || '(built-in defaults)'}`);
    const geoSources = geo.sources();
    log(`GeoIP: ${geoSources.city}; ASN: ${geoSources.asn}`);
    daemon.startBackground();
    return daemon;
  }

  private startBackground(): void {
    const refresh = (): void => {
      this.refresher.refresh().then(
        (s) => {
          this.indexed = true;
          if (s.doneBy !== undefined) {
            this.log(`[repository] indexed by node ${s.doneBy}: ${s.files} files`);
            return;
          }
          this.log(`[repository] indexed ${s.files} files (${s.hashed} hashed, ${s.added} added, ${s.changed} changed, ${s.removed} removed) in ${s.durationMs} ms`);
          for (const skipped of s.skipped) this.log(`[repository] skipped ${skipped}`);
        },
        (error: unknown) => this.log(`[repository] refresh failed: ${error instanceof Error ? error.message : String(error)}`),
      );
    };
    refresh();
    const schedule = (): void => {
      clearTimeout(this.repoTimer);
      const interval = this.runtime.config.repositoryScanInterval;
      if (interval > 0) {
        this.repoTimer = setTimeout(() => {
          // In a cluster one node rescans on schedule for all; the others follow the index through the store's events.
          if (this.coordinator.owns(REPOSITORY_KEY)) refresh();
          schedule();
        }, interval);
        this.repoTimer.unref();
      }
    };
    schedule();
    this.scheduleRepository = schedule;
    this.scheduler.start();
    this.checker.start();
    this.flusher.start();
    this.reachability.start();
    // GeoIP files replaced on disk (geoipupdate, a package upgrade) are picked up without a reload.
    this.geoTimer = setInterval(() => {
      this.runtime.geo.reopenIfChanged().then(
        (changed) => changed && this.log('GeoIP data changed on disk: reopened'),
        (error: unknown) => this.log(`GeoIP data changed on disk but cannot be opened, keeping the old data: ${(error as Error).message}`),
      );
    }, 60_000);
    this.geoTimer.unref();
  }

  private scheduleRepository: () => void = () => undefined;

  /** Applies a new config and GeoIP data; an invalid config is refused and the running one kept. */
  async reload(): Promise<void> {
    const old = this.runtime.config;
    let next: Config;
    try {
      next = loadConfig(this.explicitConfig);
    } catch (error) {
      this.log(`reload refused, keeping the running configuration: ${(error as Error).message}`);
      throw error;
    }
    for (const key of ['listenAddress', 'adminListenAddress', 'store', 'databasePath', 'workers', 'nodeName'] as const) {
      if (old[key] !== next[key]) this.log(`reload: ${key} changed; it takes effect at the next restart`);
    }
    await applyConfig(this.runtime, next, this.log);
    if (this.pool) this.runtime.geo.releaseWhenIdle(GEO_IDLE_MS);
    this.pool?.broadcast({ type: 'config', config: next });
    this.scheduleRepository();
    this.log(`configuration reloaded from ${next.source || '(built-in defaults)'}`);
  }

  flushLagMs(): number {
    return this.flusher.flushLagMs();
  }

  /** SIGUSR1: reopen the download log after logrotate moved it. */
  async reopenLogs(): Promise<void> {
    this.pool?.broadcast({ type: 'reopen-logs' });
    await this.runtime.downloadLog?.reopen();
  }

  /** Stops accepting, finishes answers in flight, stops background work, flushes counters, closes the store. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearTimeout(this.repoTimer);
      clearInterval(this.geoTimer);
      this.scheduler.stop();
      this.checker.stop();
      this.reachability.stop();
      const closing = [this.httpServer, this.adminServer].map(
        (server) =>
          new Promise<void>((resolve) => {
            if (!server.listening) return resolve();
            server.close(() => resolve());
            server.closeIdleConnections();
          }),
      );
      const forced = setTimeout(() => {
        this.httpServer.closeAllConnections();
        this.adminServer.closeAllConnections();
      }, 10_000);
      await Promise.all(closing);
      clearTimeout(forced);
      await this.pool?.stop(); // they finish their answers and hand over their last counts
      await this.checker.idle();
      await this.flusher.stop();
      await this.runtime.downloadLog?.close();
      await this.refresher.close();
      await this.coordinator.stop();
      this.runtime.catalog.stop();
      this.runtime.geo.close();
      await this.store.close();
    })();
    return this.stopping;
  }
}
