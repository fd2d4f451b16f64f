// What the request path reads, swapped as a whole on reload so a request never sees half a configuration.
import type { Config } from '../config/config.js';
import { GeoIP } from '../geo/geoip.js';
import { CidrSet } from '../geo/ip.js';
import type { Catalog } from '../mirrors/catalog.js';
import { stateOf } from '../mirrors/view.js';
import { DownloadCounter } from '../stats/counter.js';
import { DownloadLog } from '../stats/download-log.js';
import { Metrics } from '../stats/metrics.js';
import { RangeDedup } from '../stats/range-dedup.js';
import { ProfileCache } from '../selection/fast.js';
import type { Store } from '../store/store.js';
import { VERSION } from '../version.js';
import { PageRenderer } from './pages/renderer.js';

export interface Runtime {
  config: Config;
  geo: GeoIP;
  trustedProxies: CidrSet;
  catalog: Catalog;
  version: string;
  /** Read by the statistics answers and pages only, never by the redirect path. */
  store: Store;
  counter: DownloadCounter;
  dedup: RangeDedup;
  metrics: Metrics;
  downloadLog: DownloadLog | undefined;
  pages: PageRenderer;
  /** Per client location, what redirect selection needs of every mirror. */
  profiles: ProfileCache;
}

/** The GeoIP files a configuration names. */
export const geoOptions = (c: Config): { cityDatabase: string; asnDatabase: string; databasePath: string } => ({
  cityDatabase: c.geoipCityDatabase,
  asnDatabase: c.geoipASNDatabase,
  databasePath: c.geoipDatabasePath,
});

/** How many mirrors of the catalog are in each state, for /metrics. */
export const mirrorsByState = (catalog: Catalog): Record<string, number> => {
  const counts: Record<string, number> = { up: 0, down: 0, partial: 0, disabled: 0 };
  for (const m of catalog.listMirrors()) {
    const { state } = stateOf(m);
    counts[state] = (counts[state] ?? 0) + 1;
  }
  return counts;
};

/** A runtime for one serving process (the primary with `Workers: 1`, or a worker). */
export const createRuntime = (parts: {
  config: Config;
  geo: GeoIP;
  catalog: Catalog;
  store: Store;
  flushLagSeconds: () => number;
  log: (message: string) => void;
}): Runtime => {
  const { config, catalog } = parts;
  return {
    config,
    geo: parts.geo,
    trustedProxies: new CidrSet(config.trustedProxies),
    catalog,
    version: VERSION,
    store: parts.store,
    counter: new DownloadCounter(),
    dedup: new RangeDedup(config.sameDownloadInterval * 1000),
    metrics: new Metrics({ mirrorsByState: () => mirrorsByState(catalog), files: () => catalog.fileCount, flushLagSeconds: parts.flushLagSeconds }),
    downloadLog: config.logDir ? new DownloadLog(config.logDir) : undefined,
    pages: new PageRenderer(config.templates, parts.log),
    profiles: new ProfileCache(),
  };
};

/**
 * Applies a new, already validated configuration to a runtime: GeoIP files (reopened, or swapped when the config
 * names others), the range window, the download log (reopened, for logrotate), templates, trusted proxies.
 */
export const applyConfig = async (runtime: Runtime, next: Config, log: (message: string) => void): Promise<void> => {
  const old = runtime.config;
  const trusted = new CidrSet(next.trustedProxies);
  if (JSON.stringify(geoOptions(old)) !== JSON.stringify(geoOptions(next))) {
    const geo = await GeoIP.open(geoOptions(next));
    const previous = runtime.geo;
    runtime.geo = geo;
    previous.close();
  } else {
    await runtime.geo.reopenIfChanged();
  }
  if (old.sameDownloadInterval !== next.sameDownloadInterval) runtime.dedup = new RangeDedup(next.sameDownloadInterval * 1000);
  if (old.logDir !== next.logDir) {
    await runtime.downloadLog?.close();
    runtime.downloadLog = next.logDir ? new DownloadLog(next.logDir) : undefined;
  } else {
    await runtime.downloadLog?.reopen();
  }
  runtime.pages = new PageRenderer(next.templates, log);
  runtime.trustedProxies = trusted;
  runtime.config = next;
};
