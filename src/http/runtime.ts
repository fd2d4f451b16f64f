// What the request path reads, swapped as a whole on reload so a request never sees half a configuration.
import type { Config } from '../config/config.js';
import type { GeoIP } from '../geo/geoip.js';
import type { CidrSet } from '../geo/ip.js';
import type { Catalog } from '../mirrors/catalog.js';
import { stateOf } from '../mirrors/view.js';
import type { DownloadCounter } from '../stats/counter.js';
import type { DownloadLog } from '../stats/download-log.js';
import type { Metrics } from '../stats/metrics.js';
import type { RangeDedup } from '../stats/range-dedup.js';
import type { Store } from '../store/store.js';
import type { PageRenderer } from './pages/renderer.js';

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
