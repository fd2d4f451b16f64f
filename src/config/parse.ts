// Turns the text of a configuration file into a validated, defaulted Config: every key is checked for
// type and range, and the first problem stops with one ConfigError naming file, line and key.
import { dirname, resolve } from 'node:path';
import { isMap, LineCounter, parseDocument } from 'yaml';
import type { AllowOutdatedRule, Config, Fallback } from './config.js';
import { defaultConfig, MINUTE, SECOND } from './defaults.js';
import { ConfigError } from './errors.js';
import { FieldReader, type Field } from './fields.js';
import {
  checkCIDR,
  checkContinentCode,
  checkCountryCode,
  checkHostPort,
  checkListenAddress,
  checkMirrorURL,
  CONTINENTS,
  HOST_PORT_EXPECTED,
  LISTEN_EXPECTED,
} from './formats.js';

// Keys of later SPEC §6 features: accepted and ignored until Config carries them, so configs written for them load.
export const plannedKeys: readonly string[] = [
  'PeersDirectory',
  'DisabledSitesFile',
  'MirrorListPaths',
  'ServeLocally',
  'LocalServeMode',
  'LocalServePrefix',
];

/** What a key's handler may touch: the config being built, and Mirrorbits' RPC keys until Admin* are settled. */
interface Draft {
  config: Config;
  baseDir: string;
  rpcListenAddress?: string;
  rpcPassword?: string;
}

type Handler = (field: Field, draft: Draft, read: FieldReader) => void;

const path = (field: Field, draft: Draft, read: FieldReader): string => {
  const text = read.text(field);
  if (text === '') return read.fail(field, 'expected a path, got an empty text');
  return resolve(draft.baseDir, text);
};

/** A path where '' keeps its meaning of "none" or "built-in". */
const optionalPath = (field: Field, draft: Draft, read: FieldReader): string => {
  const text = read.text(field);
  return text === '' ? '' : resolve(draft.baseDir, text);
};

const listenAddress = (field: Field, read: FieldReader): string => {
  const text = read.text(field);
  return checkListenAddress(text) ?? read.fail(field, `${LISTEN_EXPECTED}, got ${JSON.stringify(text)}`);
};

const hostPort = (field: Field, read: FieldReader): string => {
  const text = read.text(field);
  return checkHostPort(text) ?? read.fail(field, `${HOST_PORT_EXPECTED}, got ${JSON.stringify(text)}`);
};

const outdatedRule = (item: Field, read: FieldReader): AllowOutdatedRule => {
  let prefix: string | undefined;
  let minutes = 0;
  for (const field of read.mapping(item, ['Prefix', 'Minutes'])) {
    if (field.key.endsWith('.Prefix')) {
      prefix = read.text(field);
      if (!prefix.startsWith('/')) read.fail(field, `expected a path prefix starting with "/", got ${JSON.stringify(prefix)}`);
    } else {
      minutes = read.integer(field, 0);
    }
  }
  if (prefix === undefined) return read.fail(item, 'Prefix is required, e.g. "Prefix: /dists/"');
  return { prefix, minutes };
};

const fallback = (item: Field, read: FieldReader): Fallback => {
  let url: string | undefined;
  let countryCode = '';
  let continentCode = '';
  for (const field of read.mapping(item, ['URL', 'CountryCode', 'ContinentCode'])) {
    const text = read.text(field);
    if (field.key.endsWith('.URL')) {
      const checked = checkMirrorURL(text);
      url = 'url' in checked ? checked.url : read.fail(field, checked.problem);
    } else if (field.key.endsWith('.CountryCode')) {
      if (text !== '') {
        countryCode = checkCountryCode(text) ?? read.fail(field, `expected a two-letter country code such as "FR", got ${JSON.stringify(text)}`);
      }
    } else if (text !== '') {
      continentCode = checkContinentCode(text) ?? read.fail(field, `expected a continent code (${CONTINENTS.join(', ')}), got ${JSON.stringify(text)}`);
    }
  }
  if (url === undefined) return read.fail(item, 'URL is required');
  return { url, countryCode, continentCode };
};

const sentinel = (item: Field, read: FieldReader): string => {
  let host: string | undefined;
  for (const field of read.mapping(item, ['Host'])) host = hostPort(field, read);
  return host ?? read.fail(item, 'Host is required, e.g. "Host: 10.0.0.1:26379"');
};

// A node's name goes into Redis keys and lease tokens, and is shown in tables: hostname-like characters only.
const NODE_NAME = /^[A-Za-z0-9._:@[\]-]{1,100}$/;

const nodeName = (field: Field, read: FieldReader): string => {
  const text = read.text(field);
  if (text === '' || NODE_NAME.test(text)) return text; // '' keeps the derived default
  return read.fail(field, `expected up to 100 letters, digits and . _ - : @ [ ], got ${JSON.stringify(text)}`);
};

const HANDLERS: Readonly<Record<string, Handler>> = {
  // Mirrorbits' keys.
  Repository: (f, d, r) => { d.config.repository = path(f, d, r); },
  Templates: (f, d, r) => { d.config.templates = optionalPath(f, d, r); },
  LocalJSPath: (f, d, r) => { d.config.localJSPath = r.text(f); },
  OutputMode: (f, d, r) => { d.config.outputMode = r.choice(f, ['auto', 'json', 'redirect'] as const); },
  ListenAddress: (f, d, r) => { d.config.listenAddress = listenAddress(f, r); },
  Gzip: (f, d, r) => { d.config.gzip = r.boolean(f); },
  AllowHTTPToHTTPSRedirects: (f, d, r) => { d.config.allowHTTPToHTTPSRedirects = r.boolean(f); },
  SameDownloadInterval: (f, d, r) => {
    const ms = r.duration(f, SECOND);
    if (ms < 0) r.fail(f, `expected a number of seconds ≥ 0 or a duration such as "10m", got ${r.describe(f.node)}`);
    d.config.sameDownloadInterval = Math.round(ms / SECOND);
  },
  RedisAddress: (f, d, r) => { d.config.redisAddress = hostPort(f, r); },
  RedisPassword: (f, d, r) => { d.config.redisPassword = r.text(f); },
  RedisDB: (f, d, r) => { d.config.redisDB = r.integer(f, 0); },
  RedisSentinelMasterName: (f, d, r) => { d.config.redisSentinelMasterName = r.text(f); },
  RedisSentinels: (f, d, r) => { d.config.redisSentinels = r.list(f).map((item) => sentinel(item, r)); },
  LogDir: (f, d, r) => { d.config.logDir = optionalPath(f, d, r); },
  TraceFileLocation: (f, d, r) => {
    const text = r.text(f);
    d.config.traceFileLocation = text === '' || text.startsWith('/') ? text : `/${text}`;
  },
  GeoipDatabasePath: (f, d, r) => { d.config.geoipDatabasePath = path(f, d, r); },
  ConcurrentSync: (f, d, r) => { d.config.concurrentSync = r.integer(f, 1); },
  ScanInterval: (f, d, r) => { d.config.scanInterval = positiveDuration(f, r, MINUTE); },
  // 0 turns health checks off (a node that only answers requests, or a benchmark of fake mirrors).
  CheckInterval: (f, d, r) => { d.config.checkInterval = nonNegativeDuration(f, r, MINUTE); },
  // Mirrorbits turns a negative interval into "off" rather than refusing it.
  RepositoryScanInterval: (f, d, r) => { d.config.repositoryScanInterval = Math.max(0, r.duration(f, MINUTE)); },
  MaxLinkHeaders: (f, d, r) => { d.config.maxLinkHeaders = r.integer(f, 0); },
  FixTimezoneOffsets: (f, d, r) => { d.config.fixTimezoneOffsets = r.boolean(f); },
  Hashes: (f, d, r) => {
    for (const field of r.mapping(f, ['SHA1', 'SHA256', 'MD5'])) {
      if (field.node === null) continue;
      const on = r.boolean(field);
      if (field.key === 'Hashes.SHA1') d.config.hashes.sha1 = on;
      else if (field.key === 'Hashes.SHA256') d.config.hashes.sha256 = on;
      else d.config.hashes.md5 = on;
    }
  },
  DisallowRedirects: (f, d, r) => { d.config.disallowRedirects = r.boolean(f); },
  WeightDistributionRange: (f, d, r) => { d.config.weightDistributionRange = r.number(f, (n) => n > 0, 'a number > 0'); },
  DisableOnMissingFile: (f, d, r) => { d.config.disableOnMissingFile = r.boolean(f); },
  AllowOutdatedFiles: (f, d, r) => { d.config.allowOutdatedFiles = r.list(f).map((item) => outdatedRule(item, r)); },
  Fallbacks: (f, d, r) => { d.config.fallbacks = r.list(f).map((item) => fallback(item, r)); },
  RPCListenAddress: (f, d, r) => { d.rpcListenAddress = listenAddress(f, r); },
  RPCPassword: (f, d, r) => { d.rpcPassword = r.text(f); },

  // Signpost's keys.
  Store: (f, d, r) => { d.config.store = r.choice(f, ['sqlite', 'redis'] as const); },
  DatabasePath: (f, d, r) => { d.config.databasePath = path(f, d, r); },
  TrustedProxies: (f, d, r) => {
    d.config.trustedProxies = r.list(f).map((item) => {
      const text = r.text(item);
      return checkCIDR(text) ?? r.fail(item, `expected an IPv4 or IPv6 network such as "10.0.0.0/8" or "::1/128", got ${r.describe(item.node)}`);
    });
  },
  AdminListenAddress: (f, d, r) => { d.config.adminListenAddress = listenAddress(f, r); },
  AdminToken: (f, d, r) => { d.config.adminToken = r.text(f); },
  GeoipCityDatabase: (f, d, r) => { d.config.geoipCityDatabase = optionalPath(f, d, r); },
  GeoipASNDatabase: (f, d, r) => { d.config.geoipASNDatabase = optionalPath(f, d, r); },
  Workers: (f, d, r) => { d.config.workers = r.integer(f, 1); },
  CheckTimeout: (f, d, r) => { d.config.checkTimeout = positiveDuration(f, r, SECOND); },
  HealthUpAfter: (f, d, r) => { d.config.healthUpAfter = r.integer(f, 1); },
  HealthFlapWindow: (f, d, r) => { d.config.healthFlapWindow = nonNegativeDuration(f, r, SECOND); },
  HealthMaxUpAfter: (f, d, r) => { d.config.healthMaxUpAfter = r.integer(f, 1); },
  CheckConcurrency: (f, d, r) => { d.config.checkConcurrency = r.integer(f, 1); },
  StatsRetention: (f, d, r) => { d.config.statsRetention = nonNegativeDuration(f, r, SECOND); },
  MaxMirrorLag: (f, d, r) => { d.config.maxMirrorLag = nonNegativeDuration(f, r, SECOND); },
  ContentCheckInterval: (f, d, r) => { d.config.contentCheckInterval = nonNegativeDuration(f, r, SECOND); },
  NodeName: (f, d, r) => { d.config.nodeName = nodeName(f, r); },
};

function positiveDuration(field: Field, read: FieldReader, unitMs: number): number {
  const ms = read.duration(field, unitMs);
  return ms > 0 ? ms : read.fail(field, `expected a duration > 0, got ${read.describe(field.node)}`);
}

function nonNegativeDuration(field: Field, read: FieldReader, unitMs: number): number {
  const ms = read.duration(field, unitMs);
  return ms >= 0 ? ms : read.fail(field, `expected a duration ≥ 0 (0 = off), got ${read.describe(field.node)}`);
}

/** Every key a configuration file may contain (planned keys included). */
export const knownKeys: readonly string[] = [...Object.keys(HANDLERS), ...plannedKeys];

const REDIS_KEYS = ['RedisAddress', 'RedisPassword', 'RedisDB', 'RedisSentinelMasterName', 'RedisSentinels'];

/** The first line of a YAML parser message, without the position it repeats. */
const yamlProblem = (message: string): string =>
  (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');

/**
 * Parses and validates configuration text. `source` names the file in messages; relative paths in the
 * file, and the relative defaults, are resolved against the file's directory.
 */
export const parseConfig = (text: string, source: string): Config => {
  const absolute = resolve(source);
  const draft: Draft = { config: defaultConfig(dirname(absolute)), baseDir: dirname(absolute) };
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    throw new ConfigError(source, lines.linePos(syntax.pos[0]).line, '', `invalid YAML: ${yamlProblem(syntax.message)}`);
  }
  const read = new FieldReader(source, doc, lines);
  const top = read.field('', doc.contents, 1);
  if (top.node !== null) {
    if (!isMap(top.node)) {
      throw new ConfigError(source, top.line, '', `expected keys such as "Repository: /srv/repo" at the top level, got ${read.describe(top.node)}`);
    }
    const given = new Map<string, number | undefined>();
    for (const field of read.mapping(top, Object.keys(HANDLERS), plannedKeys)) {
      if (field.node === null) continue; // An empty value keeps the default, as an absent key does.
      HANDLERS[field.key]?.(field, draft, read);
      given.set(field.key, field.line);
    }
    settle(draft, given, read);
  }
  draft.config.source = absolute;
  return draft.config;
};

/** Rules that span keys: RPC* stand in for Admin*, the store follows the Redis keys, sentinels need a master name. */
const settle = (draft: Draft, given: Map<string, number | undefined>, read: FieldReader): void => {
  const { config } = draft;
  if (!given.has('AdminListenAddress') && draft.rpcListenAddress !== undefined) config.adminListenAddress = draft.rpcListenAddress;
  if (!given.has('AdminToken') && draft.rpcPassword !== undefined) config.adminToken = draft.rpcPassword;
  if (!given.has('Store')) config.store = REDIS_KEYS.some((key) => given.has(key)) ? 'redis' : 'sqlite';
  if (config.redisSentinels.length > 0 && config.redisSentinelMasterName === '') {
    read.fail({ key: 'RedisSentinelMasterName', line: given.get('RedisSentinels') }, 'required when RedisSentinels is set');
  }
};
