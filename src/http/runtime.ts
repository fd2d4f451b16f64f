// What the request path reads, swapped as a whole on reload so a request never sees half a configuration.
import type { Config } from '../config/config.js';
import type { GeoIP } from '../geo/geoip.js';
import type { CidrSet } from '../geo/ip.js';
import type { Catalog } from '../mirrors/catalog.js';

export interface Runtime {
  config: Config;
  geo: GeoIP;
  trustedProxies: CidrSet;
  catalog: Catalog;
  version: string;
}
