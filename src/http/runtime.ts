// What the request path reads, swapped as a whole on reload so a request never sees half a configuration.
import type { Config } from '../config/config.js';
import type { GeoIP } from '../geo/geoip.js';
import type { CidrSet } from '../geo/ip.js';
import type { Catalog } from '../mirrors/catalog.js';
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
