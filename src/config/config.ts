// The validated, defaulted configuration every part of Signpost reads. Durations are milliseconds.

export interface AllowOutdatedRule {
  /** Path prefix, starts with `/`. */
  prefix: string;
  minutes: number;
}

export interface Fallback {
  /** URL with a trailing `/`; scheme-less means both protocols. */
  url: string;
  countryCode: string;
  continentCode: string;
}

export interface Config {
  /** Absolute path of the local repository. */
  repository: string;
  templates: string;
  localJSPath: string;
  outputMode: 'auto' | 'json' | 'redirect';
  listenAddress: string;
  gzip: boolean;
  allowHTTPToHTTPSRedirects: boolean;
  /** Seconds. */
  sameDownloadInterval: number;
  redisAddress: string;
  redisPassword: string;
  redisDB: number;
  redisSentinelMasterName: string;
  redisSentinels: string[];
  logDir: string;
  /** Repository-relative trace file path with a leading `/`, '' = none. */
  traceFileLocation: string;
  geoipDatabasePath: string;
  concurrentSync: number;
  scanInterval: number;
  checkInterval: number;
  /** 0 = off. */
  repositoryScanInterval: number;
  maxLinkHeaders: number;
  fixTimezoneOffsets: boolean;
  hashes: { sha1: boolean; sha256: boolean; md5: boolean };
  disallowRedirects: boolean;
  weightDistributionRange: number;
  disableOnMissingFile: boolean;
  allowOutdatedFiles: AllowOutdatedRule[];
  fallbacks: Fallback[];

  // Signpost's own keys.
  store: 'sqlite' | 'redis';
  /** Absolute path of the SQLite file. */
  databasePath: string;
  /** CIDR list whose X-Forwarded-For is believed. */
  trustedProxies: string[];
  adminListenAddress: string;
  adminToken: string;
  /** Explicit GeoIP files; '' = look in geoipDatabasePath, then the bundled data. */
  geoipCityDatabase: string;
  geoipASNDatabase: string;
  workers: number;
  checkTimeout: number;
  healthUpAfter: number;
  /** Down transitions within this window count as flapping and lengthen the way back. */
  healthFlapWindow: number;
  /** Cap on the good checks a flapping mirror needs to come back. */
  healthMaxUpAfter: number;
  /** Health checks in flight at once. */
  checkConcurrency: number;
  /** Daily download counters older than this are pruned; months, years and totals are kept (0 = keep forever). */
  statsRetention: number;
  maxMirrorLag: number;
  contentCheckInterval: number;
  /** This node's name in a cluster (Redis store); '' = `<hostname>:<admin port>` (the pid for a unix socket). */
  nodeName: string;
  /** Absolute path of the file the config was read from, '' for built-in defaults. */
  source: string;
}
