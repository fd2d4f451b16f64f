// Built-in values of every configuration key: Mirrorbits' defaults for its keys, Signpost's for its own.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Config } from './config.js';

export const MINUTE = 60_000;
export const SECOND = 1000;

/** The configuration used when no file is found; relative defaults are resolved against `cwd`. */
export const defaultConfig = (cwd: string = process.cwd()): Config => ({
  repository: resolve(cwd, 'repo'),
  templates: '',
  localJSPath: '',
  outputMode: 'auto',
  listenAddress: ':8080',
  gzip: false,
  allowHTTPToHTTPSRedirects: true,
  sameDownloadInterval: 600,
  redisAddress: '127.0.0.1:6379',
  redisPassword: '',
  redisDB: 0,
  redisSentinelMasterName: '',
  redisSentinels: [],
  logDir: '',
  traceFileLocation: '',
  geoipDatabasePath: '/usr/share/GeoIP/',
  concurrentSync: 5,
  scanInterval: 30 * MINUTE,
  checkInterval: 1 * MINUTE,
  repositoryScanInterval: 5 * MINUTE,
  maxLinkHeaders: 10,
  fixTimezoneOffsets: false,
  hashes: { sha1: false, sha256: true, md5: false },
  disallowRedirects: false,
  weightDistributionRange: 1.5,
  disableOnMissingFile: false,
  allowOutdatedFiles: [],
  fallbacks: [],

  store: 'sqlite',
  databasePath: resolve(cwd, 'data', 'signpost.db'),
  trustedProxies: ['127.0.0.0/8', '::1/128'],
  adminListenAddress: '127.0.0.1:3391',
  adminToken: '',
  geoipCityDatabase: '',
  geoipASNDatabase: '',
  workers: availableParallelism(),
  checkTimeout: 10 * SECOND,
  healthUpAfter: 2,
  healthFlapWindow: 60 * 60 * SECOND,
  healthMaxUpAfter: 16,
  checkConcurrency: 16,
  statsRetention: 400 * 24 * 60 * 60 * SECOND,
  maxMirrorLag: 24 * 60 * MINUTE,
  contentCheckInterval: 60 * MINUTE,
  nodeName: '',
  source: '',
});
