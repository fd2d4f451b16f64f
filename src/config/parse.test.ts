// Parsing and validating configuration text: defaults, every key's valid and invalid values, messages
// with file, line and key, Mirrorbits compatibility and path resolution.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import type { Config } from './config.js';
import { defaultConfig } from './defaults.js';
import { ConfigError } from './errors.js';
import { knownKeys, parseConfig, plannedKeys } from './parse.js';

const SOURCE = '/srv/signpost/signpost.yaml';
const parse = (text: string): Config => parseConfig(text, SOURCE);

/** Asserts that `text` is refused with exactly `message` (after the file name) and returns the error. */
const refuses = (text: string, message: string): ConfigError => {
  let caught: unknown;
  try {
    parse(text);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `accepted:\n${text}`);
  assert.equal(caught.message, `${SOURCE}${message}`);
  assert.equal(caught.source, SOURCE);
  assert.ok(!caught.message.includes('\n'), 'message spans lines');
  return caught;
};

describe('defaultConfig', () => {
  it('holds the documented defaults', () => {
    const c = defaultConfig('/work/dir');
    assert.deepEqual(c, {
      repository: '/work/dir/repo',
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
      scanInterval: 30 * 60_000,
      checkInterval: 60_000,
      repositoryScanInterval: 5 * 60_000,
      maxLinkHeaders: 10,
      fixTimezoneOffsets: false,
      hashes: { sha1: false, sha256: true, md5: false },
      disallowRedirects: false,
      weightDistributionRange: 1.5,
      disableOnMissingFile: false,
      allowOutdatedFiles: [],
      fallbacks: [],
      store: 'sqlite',
      databasePath: '/work/dir/data/signpost.db',
      trustedProxies: ['127.0.0.0/8', '::1/128'],
      adminListenAddress: '127.0.0.1:3391',
      adminToken: '',
      geoipCityDatabase: '',
      geoipASNDatabase: '',
      workers: availableParallelism(),
      checkTimeout: 10_000,
      healthUpAfter: 2,
      healthFlapWindow: 3_600_000,
      healthMaxUpAfter: 16,
      checkConcurrency: 16,
      statsRetention: 400 * 86_400_000,
      maxMirrorLag: 86_400_000,
      contentCheckInterval: 3_600_000,
      nodeName: '',
      source: '',
    });
  });

  it('returns fresh objects each time', () => {
    const a = defaultConfig('/x');
    a.hashes.md5 = true;
    a.fallbacks.push({ url: 'a/', countryCode: '', continentCode: '' });
    assert.equal(defaultConfig('/x').hashes.md5, false);
    assert.deepEqual(defaultConfig('/x').fallbacks, []);
  });
});

describe('parseConfig: empty files give the defaults', () => {
  for (const text of ['', '\n', '# only a comment\n', '{}', '---\n', '~']) {
    it(JSON.stringify(text), () => {
      assert.deepEqual(parse(text), { ...defaultConfig('/srv/signpost'), source: SOURCE });
    });
  }
});

// [yaml, field, expected value]
const valid: Array<[string, keyof Config, unknown]> = [
  ['Repository: /srv/repo/', 'repository', '/srv/repo'],
  ['Repository: mirror', 'repository', '/srv/signpost/mirror'],
  ['Repository: ../pub', 'repository', '/srv/pub'],
  ['Templates: /usr/share/mirrorbits/', 'templates', '/usr/share/mirrorbits'],
  ['Templates: web/templates', 'templates', '/srv/signpost/web/templates'],
  ['Templates: ""', 'templates', ''],
  ['LocalJSPath: /static/', 'localJSPath', '/static/'],
  ['LocalJSPath: https://cdn.example.org/js', 'localJSPath', 'https://cdn.example.org/js'],
  ['OutputMode: auto', 'outputMode', 'auto'],
  ['OutputMode: json', 'outputMode', 'json'],
  ['OutputMode: redirect', 'outputMode', 'redirect'],
  ['ListenAddress: :80', 'listenAddress', ':80'],
  ['ListenAddress: 192.0.2.1:8080', 'listenAddress', '192.0.2.1:8080'],
  ['ListenAddress: "[::]:8080"', 'listenAddress', '[::]:8080'],
  ['ListenAddress: unix:/run/signpost.sock', 'listenAddress', 'unix:/run/signpost.sock'],
  ['Gzip: true', 'gzip', true],
  ['Gzip: On', 'gzip', true],
  ['Gzip: yes', 'gzip', true],
  ['Gzip: Y', 'gzip', true],
  ['Gzip: TRUE', 'gzip', true],
  ['Gzip: off', 'gzip', false],
  ['Gzip: No', 'gzip', false],
  ['AllowHTTPToHTTPSRedirects: false', 'allowHTTPToHTTPSRedirects', false],
  ['AllowHTTPToHTTPSRedirects: Off', 'allowHTTPToHTTPSRedirects', false],
  ['SameDownloadInterval: 0', 'sameDownloadInterval', 0],
  ['SameDownloadInterval: 3600', 'sameDownloadInterval', 3600],
  ['SameDownloadInterval: 10m', 'sameDownloadInterval', 600],
  ['RedisAddress: 10.0.0.1:6379', 'redisAddress', '10.0.0.1:6379'],
  ['RedisAddress: redis.internal:6380', 'redisAddress', 'redis.internal:6380'],
  ['RedisAddress: "[2001:db8::1]:6379"', 'redisAddress', '[2001:db8::1]:6379'],
  ['RedisPassword: supersecure', 'redisPassword', 'supersecure'],
  ['RedisPassword: 012345', 'redisPassword', '012345'],
  ['RedisPassword: yes', 'redisPassword', 'yes'],
  ['RedisPassword: "s3cr#t"', 'redisPassword', 's3cr#t'],
  ['RedisDB: 0', 'redisDB', 0],
  ['RedisDB: 15', 'redisDB', 15],
  ['RedisSentinelMasterName: mirrorbits', 'redisSentinelMasterName', 'mirrorbits'],
  ['RedisSentinelMasterName: m\nRedisSentinels: []', 'redisSentinels', []],
  ['RedisSentinelMasterName: m\nRedisSentinels:\n  - Host: 10.0.0.1:26379\n  - {Host: "[::1]:26379"}', 'redisSentinels', ['10.0.0.1:26379', '[::1]:26379']],
  ['LogDir: /var/log/mirrorbits', 'logDir', '/var/log/mirrorbits'],
  ['LogDir: logs', 'logDir', '/srv/signpost/logs'],
  ['LogDir: ""', 'logDir', ''],
  ['TraceFileLocation: /trace', 'traceFileLocation', '/trace'],
  ['TraceFileLocation: project/trace', 'traceFileLocation', '/project/trace'],
  ['TraceFileLocation: ""', 'traceFileLocation', ''],
  ['GeoipDatabasePath: /var/lib/GeoIP/', 'geoipDatabasePath', '/var/lib/GeoIP'],
  ['GeoipDatabasePath: geoip', 'geoipDatabasePath', '/srv/signpost/geoip'],
  ['ConcurrentSync: 1', 'concurrentSync', 1],
  ['ConcurrentSync: 20', 'concurrentSync', 20],
  ['ScanInterval: 30', 'scanInterval', 1_800_000],
  ['ScanInterval: 2h', 'scanInterval', 7_200_000],
  ['ScanInterval: 0.5', 'scanInterval', 30_000],
  ['CheckInterval: 1', 'checkInterval', 60_000],
  ['CheckInterval: 15s', 'checkInterval', 15_000],
  ['CheckInterval: "2"', 'checkInterval', 120_000],
  ['CheckInterval: 0', 'checkInterval', 0],
  ['RepositoryScanInterval: 5', 'repositoryScanInterval', 300_000],
  ['RepositoryScanInterval: 0', 'repositoryScanInterval', 0],
  ['RepositoryScanInterval: -1', 'repositoryScanInterval', 0],
  ['RepositoryScanInterval: -5m', 'repositoryScanInterval', 0],
  ['RepositoryScanInterval: 1h30m', 'repositoryScanInterval', 5_400_000],
  ['MaxLinkHeaders: 0', 'maxLinkHeaders', 0],
  ['MaxLinkHeaders: 3', 'maxLinkHeaders', 3],
  ['FixTimezoneOffsets: true', 'fixTimezoneOffsets', true],
  ['Hashes: {SHA1: true, SHA256: On, MD5: off}', 'hashes', { sha1: true, sha256: true, md5: false }],
  ['Hashes:\n  MD5: yes', 'hashes', { sha1: false, sha256: true, md5: true }],
  ['Hashes:\n  SHA256: Off', 'hashes', { sha1: false, sha256: false, md5: false }],
  ['Hashes:\n  SHA1:', 'hashes', { sha1: false, sha256: true, md5: false }],
  ['Hashes: {}', 'hashes', { sha1: false, sha256: true, md5: false }],
  ['DisallowRedirects: true', 'disallowRedirects', true],
  ['WeightDistributionRange: 2', 'weightDistributionRange', 2],
  ['WeightDistributionRange: 0.01', 'weightDistributionRange', 0.01],
  ['DisableOnMissingFile: On', 'disableOnMissingFile', true],
  ['AllowOutdatedFiles: []', 'allowOutdatedFiles', []],
  ['AllowOutdatedFiles:\n  - Prefix: /dists/\n    Minutes: 540\n  - Prefix: /\n', 'allowOutdatedFiles',
    [{ prefix: '/dists/', minutes: 540 }, { prefix: '/', minutes: 0 }]],
  ['Fallbacks:\n  - URL: http://fallback1.mirror/repo\n    CountryCode: fr\n    ContinentCode: eu', 'fallbacks',
    [{ url: 'http://fallback1.mirror/repo/', countryCode: 'FR', continentCode: 'EU' }]],
  ['Fallbacks:\n  - URL: mirror.example.org/pub/\n  - {URL: "HTTPS://m.example.org/", CountryCode: NO, ContinentCode: Eu}', 'fallbacks',
    [{ url: 'mirror.example.org/pub/', countryCode: '', continentCode: '' },
      { url: 'https://m.example.org/', countryCode: 'NO', continentCode: 'EU' }]],
  ['Store: sqlite', 'store', 'sqlite'],
  ['Store: redis', 'store', 'redis'],
  ['RedisAddress: 10.0.0.1:6379', 'store', 'redis'],
  ['RedisDB: 2', 'store', 'redis'],
  ['RedisPassword: x', 'store', 'redis'],
  ['RedisSentinelMasterName: m', 'store', 'redis'],
  ['RedisPassword:', 'store', 'sqlite'],
  ['RedisAddress: 10.0.0.1:6379\nStore: sqlite', 'store', 'sqlite'],
  ['DatabasePath: /var/lib/signpost/signpost.db', 'databasePath', '/var/lib/signpost/signpost.db'],
  ['DatabasePath: state/s.db', 'databasePath', '/srv/signpost/state/s.db'],
  ['TrustedProxies: []', 'trustedProxies', []],
  ['TrustedProxies: [10.0.0.0/8, 192.0.2.7, "2001:db8::/32", "::1"]', 'trustedProxies',
    ['10.0.0.0/8', '192.0.2.7/32', '2001:db8::/32', '::1/128']],
  ['AdminListenAddress: 127.0.0.1:9000', 'adminListenAddress', '127.0.0.1:9000'],
  ['AdminListenAddress: unix:/run/signpost-admin.sock', 'adminListenAddress', 'unix:/run/signpost-admin.sock'],
  ['AdminToken: t0ken', 'adminToken', 't0ken'],
  ['RPCListenAddress: localhost:3390', 'adminListenAddress', 'localhost:3390'],
  ['RPCPassword: secret', 'adminToken', 'secret'],
  ['RPCListenAddress: localhost:3390\nAdminListenAddress: 127.0.0.1:4000', 'adminListenAddress', '127.0.0.1:4000'],
  ['AdminToken: mine\nRPCPassword: theirs', 'adminToken', 'mine'],
  ['GeoipCityDatabase: /var/lib/GeoIP/GeoLite2-City.mmdb', 'geoipCityDatabase', '/var/lib/GeoIP/GeoLite2-City.mmdb'],
  ['GeoipCityDatabase: geo/city.mmdb', 'geoipCityDatabase', '/srv/signpost/geo/city.mmdb'],
  ['GeoipASNDatabase: asn.mmdb', 'geoipASNDatabase', '/srv/signpost/asn.mmdb'],
  ['Workers: 1', 'workers', 1],
  ['Workers: 8', 'workers', 8],
  ['CheckTimeout: 5', 'checkTimeout', 5000],
  ['CheckTimeout: 2500ms', 'checkTimeout', 2500],
  ['HealthUpAfter: 1', 'healthUpAfter', 1],
  ['HealthUpAfter: 5', 'healthUpAfter', 5],
  ['HealthFlapWindow: 30m', 'healthFlapWindow', 1_800_000],
  ['HealthFlapWindow: 0', 'healthFlapWindow', 0],
  ['HealthMaxUpAfter: 8', 'healthMaxUpAfter', 8],
  ['CheckConcurrency: 4', 'checkConcurrency', 4],
  ['StatsRetention: 90d', 'statsRetention', 90 * 86_400_000],
  ['StatsRetention: 0', 'statsRetention', 0],
  ['MaxMirrorLag: 0', 'maxMirrorLag', 0],
  ['MaxMirrorLag: 6h', 'maxMirrorLag', 21_600_000],
  ['MaxMirrorLag: 3600', 'maxMirrorLag', 3_600_000],
  ['ContentCheckInterval: 0', 'contentCheckInterval', 0],
  ['ContentCheckInterval: 30m', 'contentCheckInterval', 1_800_000],
  ['NodeName: web-1', 'nodeName', 'web-1'],
  ['NodeName: web-1.example.org:3391', 'nodeName', 'web-1.example.org:3391'],
  ['NodeName: "[2001:db8::1]:3391"', 'nodeName', '[2001:db8::1]:3391'],
  ['NodeName: 7', 'nodeName', '7'],
  ['NodeName: ""', 'nodeName', ''],
  // An empty value keeps the default.
  ['Repository:', 'repository', '/srv/signpost/repo'],
  ['CheckInterval:', 'checkInterval', 60_000],
  ['Fallbacks:', 'fallbacks', []],
  ['TrustedProxies:', 'trustedProxies', ['127.0.0.0/8', '::1/128']],
];

describe('parseConfig: valid values', () => {
  for (const [text, field, expected] of valid) {
    it(`${text.replace(/\n/g, '⏎')} → ${field}`, () => {
      assert.deepEqual(parse(text)[field], expected);
    });
  }

  it('resolves aliases', () => {
    const c = parse('CheckTimeout: &t 15s\nMaxMirrorLag: *t\n');
    assert.equal(c.maxMirrorLag, 15_000);
  });

  it('accepts every key of the table with a value', () => {
    const tested = new Set(valid.flatMap(([text]) => [...text.matchAll(/^(\w+):/gm)].map((m) => m[1])));
    for (const key of knownKeys) {
      if (plannedKeys.includes(key)) continue;
      assert.ok(tested.has(key), `no valid-value case for ${key}`);
    }
  });
});

// [yaml, message after the file name]
const invalid: Array<[string, string]> = [
  ['Repository: ""', ':1: Repository: expected a path, got an empty text'],
  ['Repository: [a, b]', ':1: Repository: expected a text value, got a list'],
  ['Templates: {a: 1}', ':1: Templates: expected a text value, got a mapping'],
  ['OutputMode: JSON', ':1: OutputMode: expected one of "auto", "json", "redirect", got "JSON"'],
  ['OutputMode: html', ':1: OutputMode: expected one of "auto", "json", "redirect", got "html"'],
  ['ListenAddress: 8080', ':1: ListenAddress: expected "host:port", ":port", "[ipv6]:port" or "unix:/path", got "8080"'],
  ['ListenAddress: "::1:8080"', ':1: ListenAddress: expected "host:port", ":port", "[ipv6]:port" or "unix:/path", got "::1:8080"'],
  ['ListenAddress: :99999', ':1: ListenAddress: expected "host:port", ":port", "[ipv6]:port" or "unix:/path", got ":99999"'],
  ['Gzip: maybe', ':1: Gzip: expected true or false (yes/no and on/off are accepted too), got "maybe"'],
  ['Gzip: 1', ':1: Gzip: expected true or false (yes/no and on/off are accepted too), got 1'],
  ['AllowHTTPToHTTPSRedirects: [true]', ':1: AllowHTTPToHTTPSRedirects: expected true or false (yes/no and on/off are accepted too), got a list'],
  ['SameDownloadInterval: -1', ':1: SameDownloadInterval: expected a number of seconds ≥ 0 or a duration such as "10m", got -1'],
  ['SameDownloadInterval: soon', ':1: SameDownloadInterval: expected a number of seconds or a duration such as "15s", got "soon"'],
  ['RedisAddress: unix:/run/redis.sock', ':1: RedisAddress: expected "host:port", ":port" or "[ipv6]:port", got "unix:/run/redis.sock"'],
  ['RedisAddress: redis', ':1: RedisAddress: expected "host:port", ":port" or "[ipv6]:port", got "redis"'],
  ['RedisPassword: [a]', ':1: RedisPassword: expected a text value, got a list'],
  ['RedisDB: -1', ':1: RedisDB: expected a whole number ≥ 0, got -1'],
  ['RedisDB: 1.5', ':1: RedisDB: expected a whole number ≥ 0, got 1.5'],
  ['RedisDB: "1"', ':1: RedisDB: expected a whole number ≥ 0, got "1"'],
  ['RedisSentinels:\n  - Host: 10.0.0.1:26379', ':2: RedisSentinelMasterName: required when RedisSentinels is set'],
  ['RedisSentinelMasterName: m\nRedisSentinels:\n  - Host: 10.0.0.1', ':3: RedisSentinels[0].Host: expected "host:port", ":port" or "[ipv6]:port", got "10.0.0.1"'],
  ['RedisSentinelMasterName: m\nRedisSentinels:\n  - 10.0.0.1:26379', ':3: RedisSentinels[0]: expected a mapping of keys, got "10.0.0.1:26379"'],
  ['RedisSentinelMasterName: m\nRedisSentinels:\n  - Hots: 10.0.0.1:26379', ':3: RedisSentinels[0].Hots: unknown key (did you mean Host?)'],
  ['RedisSentinelMasterName: m\nRedisSentinels:\n  - {}', ':3: RedisSentinels[0]: Host is required, e.g. "Host: 10.0.0.1:26379"'],
  ['RedisSentinels: 10.0.0.1:26379', ':1: RedisSentinels: expected a list, got "10.0.0.1:26379"'],
  ['ConcurrentSync: 0', ':1: ConcurrentSync: expected a whole number ≥ 1, got 0'],
  ['ConcurrentSync: many', ':1: ConcurrentSync: expected a whole number ≥ 1, got "many"'],
  ['ScanInterval: 0', ':1: ScanInterval: expected a duration > 0, got 0'],
  ['ScanInterval: -30', ':1: ScanInterval: expected a duration > 0, got -30'],
  ['ScanInterval: 30 minutes', ':1: ScanInterval: expected a number of minutes or a duration such as "15s", got "30 minutes"'],
  ['CheckInterval: -1', ':1: CheckInterval: expected a duration ≥ 0 (0 = off), got -1'],
  ['CheckInterval: abc', ':1: CheckInterval: expected a number of minutes or a duration such as "15s", got "abc"'],
  ['CheckInterval: .inf', ':1: CheckInterval: duration out of range, got Infinity'],
  ['CheckInterval: {m: 1}', ':1: CheckInterval: expected a number of minutes or a duration such as "15s", got a mapping'],
  ['RepositoryScanInterval: often', ':1: RepositoryScanInterval: expected a number of minutes or a duration such as "15s", got "often"'],
  ['MaxLinkHeaders: -1', ':1: MaxLinkHeaders: expected a whole number ≥ 0, got -1'],
  ['FixTimezoneOffsets: 2', ':1: FixTimezoneOffsets: expected true or false (yes/no and on/off are accepted too), got 2'],
  ['Hashes: On', ':1: Hashes: expected a mapping of keys, got "On"'],
  ['Hashes:\n  SHA512: On', ':2: Hashes.SHA512: unknown key (did you mean SHA1?)'],
  ['Hashes:\n  sha256: On', ':2: Hashes.sha256: unknown key (did you mean SHA256?)'],
  ['Hashes:\n  SHA256: enabled', ':2: Hashes.SHA256: expected true or false (yes/no and on/off are accepted too), got "enabled"'],
  ['DisallowRedirects: "yes please"', ':1: DisallowRedirects: expected true or false (yes/no and on/off are accepted too), got "yes please"'],
  ['WeightDistributionRange: 0', ':1: WeightDistributionRange: expected a number > 0, got 0'],
  ['WeightDistributionRange: -1.5', ':1: WeightDistributionRange: expected a number > 0, got -1.5'],
  ['WeightDistributionRange: wide', ':1: WeightDistributionRange: expected a number > 0, got "wide"'],
  ['WeightDistributionRange: .nan', ':1: WeightDistributionRange: expected a number > 0, got .nan'],
  ['DisableOnMissingFile: sometimes', ':1: DisableOnMissingFile: expected true or false (yes/no and on/off are accepted too), got "sometimes"'],
  ['AllowOutdatedFiles:\n  - Prefix: dists/\n    Minutes: 540', ':2: AllowOutdatedFiles[0].Prefix: expected a path prefix starting with "/", got "dists/"'],
  ['AllowOutdatedFiles:\n  - Prefix: /dists/\n    Minutes: -1', ':3: AllowOutdatedFiles[0].Minutes: expected a whole number ≥ 0, got -1'],
  ['AllowOutdatedFiles:\n  - Prefix: /dists/\n    Minutes: 9h', ':3: AllowOutdatedFiles[0].Minutes: expected a whole number ≥ 0, got "9h"'],
  ['AllowOutdatedFiles:\n  - Prefix: /a/\n  - Minutes: 5', ':3: AllowOutdatedFiles[1]: Prefix is required, e.g. "Prefix: /dists/"'],
  ['AllowOutdatedFiles:\n  - Prefix: /a/\n    Minute: 5', ':3: AllowOutdatedFiles[0].Minute: unknown key (did you mean Minutes?)'],
  ['AllowOutdatedFiles: /dists/', ':1: AllowOutdatedFiles: expected a list, got "/dists/"'],
  ['Fallbacks:\n  - URL: ftp://fallback.mirror/repo/', ':2: Fallbacks[0].URL: only http://, https:// or scheme-less URLs are allowed, got "ftp://fallback.mirror/repo/"'],
  ['Fallbacks:\n  - URL: http://ok/\n    CountryCode: France', ':3: Fallbacks[0].CountryCode: expected a two-letter country code such as "FR", got "France"'],
  ['Fallbacks:\n  - URL: http://ok/\n    ContinentCode: Europe', ':3: Fallbacks[0].ContinentCode: expected a continent code (AF, AN, AS, EU, NA, OC, SA), got "Europe"'],
  ['Fallbacks:\n  - CountryCode: FR', ':2: Fallbacks[0]: URL is required'],
  ['Fallbacks:\n  - Url: http://ok/', ':2: Fallbacks[0].Url: unknown key (did you mean URL?)'],
  ['Fallbacks:\n  -', ':2: Fallbacks[0]: expected a mapping of keys, got an empty value'],
  ['Store: postgres', ':1: Store: expected one of "sqlite", "redis", got "postgres"'],
  ['DatabasePath: ""', ':1: DatabasePath: expected a path, got an empty text'],
  ['TrustedProxies: 10.0.0.0/8', ':1: TrustedProxies: expected a list, got "10.0.0.0/8"'],
  ['TrustedProxies:\n  - 10.0.0.0/8\n  - 10.0.0.0/40', ':3: TrustedProxies[1]: expected an IPv4 or IPv6 network such as "10.0.0.0/8" or "::1/128", got "10.0.0.0/40"'],
  ['TrustedProxies: [proxy.example.org]', ':1: TrustedProxies[0]: expected an IPv4 or IPv6 network such as "10.0.0.0/8" or "::1/128", got "proxy.example.org"'],
  ['AdminListenAddress: 3391', ':1: AdminListenAddress: expected "host:port", ":port", "[ipv6]:port" or "unix:/path", got "3391"'],
  ['RPCListenAddress: localhost', ':1: RPCListenAddress: expected "host:port", ":port", "[ipv6]:port" or "unix:/path", got "localhost"'],
  ['AdminToken: [a]', ':1: AdminToken: expected a text value, got a list'],
  ['Workers: 0', ':1: Workers: expected a whole number ≥ 1, got 0'],
  ['Workers: auto', ':1: Workers: expected a whole number ≥ 1, got "auto"'],
  ['CheckTimeout: 0', ':1: CheckTimeout: expected a duration > 0, got 0'],
  ['CheckTimeout: ten', ':1: CheckTimeout: expected a number of seconds or a duration such as "15s", got "ten"'],
  ['HealthUpAfter: 0', ':1: HealthUpAfter: expected a whole number ≥ 1, got 0'],
  ['HealthFlapWindow: -1s', ':1: HealthFlapWindow: expected a duration ≥ 0 (0 = off), got "-1s"'],
  ['HealthMaxUpAfter: 0', ':1: HealthMaxUpAfter: expected a whole number ≥ 1, got 0'],
  ['CheckConcurrency: 0', ':1: CheckConcurrency: expected a whole number ≥ 1, got 0'],
  ['StatsRetention: soon', ':1: StatsRetention: expected a number of seconds or a duration such as "15s", got "soon"'],
  ['MaxMirrorLag: -1h', ':1: MaxMirrorLag: expected a duration ≥ 0 (0 = off), got "-1h"'],
  ['ContentCheckInterval: hourly', ':1: ContentCheckInterval: expected a number of seconds or a duration such as "15s", got "hourly"'],
  ['NodeName: web 1', ':1: NodeName: expected up to 100 letters, digits and . _ - : @ [ ], got "web 1"'],
  ['NodeName: "a/b"', ':1: NodeName: expected up to 100 letters, digits and . _ - : @ [ ], got "a/b"'],
  [`NodeName: ${'n'.repeat(101)}`, `:1: NodeName: expected up to 100 letters, digits and . _ - : @ [ ], got "${'n'.repeat(101)}"`],
  ['NodeName: [a]', ':1: NodeName: expected a text value, got a list'],
  // Keys: unknown, misspelt, wrong case, repeated, not names.
  ['ScanIntervall: 30', ':1: ScanIntervall: unknown key (did you mean ScanInterval?)'],
  ['repository: /srv/repo', ':1: repository: unknown key (did you mean Repository?)'],
  ['REDISADDRESS: 1.2.3.4:6379', ':1: REDISADDRESS: unknown key (did you mean RedisAddress?)'],
  ['Gzip: false\nFrobnicate: 1', ':2: Frobnicate: unknown key'],
  ['Repository: /a\n\nRepository: /b', ':3: Repository: given twice (first on line 1)'],
  ['1: a', ':1: keys must be names, got 1'],
  // The file as a whole.
  ['- Repository: /srv/repo', ':1: expected keys such as "Repository: /srv/repo" at the top level, got a list'],
  ['just text', ':1: expected keys such as "Repository: /srv/repo" at the top level, got "just text"'],
  ['Repository: [/a\nGzip: true', ':2: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
  ['Repository: /a\n---\nGzip: true', ':2: invalid YAML: Source contains multiple documents; please use YAML.parseAllDocuments()'],
  ['CheckInterval: *missing', ':1: invalid YAML: alias *missing refers to no anchor'],
];

describe('parseConfig: invalid values', () => {
  for (const [text, message] of invalid) {
    it(`${text.replace(/\n/g, '⏎')}`, () => {
      refuses(text, message);
    });
  }

  it('has a refusal case for every key that can be wrong', () => {
    const tested = new Set(invalid.map(([, message]) => /^:\d+: (\w+)/.exec(message)?.[1]));
    const freeText = ['LocalJSPath', 'RedisSentinelMasterName', 'RPCPassword', 'TraceFileLocation', 'LogDir', 'GeoipDatabasePath',
      'GeoipCityDatabase', 'GeoipASNDatabase'];
    for (const key of knownKeys) {
      if (plannedKeys.includes(key) || freeText.includes(key)) continue;
      assert.ok(tested.has(key), `no invalid-value case for ${key}`);
    }
  });

  it('refuses non-text values of free-text keys', () => {
    for (const key of ['LocalJSPath', 'RedisSentinelMasterName', 'RPCPassword', 'TraceFileLocation', 'LogDir', 'GeoipDatabasePath',
      'GeoipCityDatabase', 'GeoipASNDatabase']) {
      refuses(`Gzip: true\n${key}: [x]`, `:2: ${key}: expected a text value, got a list`);
    }
  });

  it('fills the error fields', () => {
    const error = refuses('Gzip: true\nCheckInterval:\n  - 1', ':3: CheckInterval: expected a number of minutes or a duration such as "15s", got a list');
    assert.equal(error.key, 'CheckInterval');
    assert.equal(error.line, 3);
  });

  it('uses the source as the caller names it', () => {
    assert.throws(() => parseConfig('CheckInterval: abc\n', 'signpost.yaml'), {
      name: 'ConfigError',
      message: 'signpost.yaml:1: CheckInterval: expected a number of minutes or a duration such as "15s", got "abc"',
    });
  });

  it('stops at the first problem', () => {
    refuses('Gzip: true\nOutputMode: html\nWorkers: 0\n', ':2: OutputMode: expected one of "auto", "json", "redirect", got "html"');
  });
});

describe('parseConfig: keys of planned features', () => {
  it('accepts and ignores them', () => {
    const text = plannedKeys.map((key) => `${key}: anything`).join('\n');
    assert.deepEqual(parse(text), { ...defaultConfig('/srv/signpost'), source: SOURCE });
  });
  it('suggests them when misspelt', () => {
    refuses('PeersDirectry: /etc/peers.lst.d', ':1: PeersDirectry: unknown key (did you mean PeersDirectory?)');
  });
});

describe('parseConfig: a Mirrorbits configuration loads unchanged', () => {
  const mirrorbitsConf = `# vim: set ft=yaml:
Repository: /srv/repo
Templates: /usr/share/mirrorbits/
LocalJSPath:
OutputMode: auto
ListenAddress: :8080
Gzip: false
AllowHTTPToHTTPSRedirects: true
SameDownloadInterval: 600
RPCListenAddress: localhost:3390
RPCPassword: letmein
RedisAddress: 10.0.0.1:6379
RedisPassword: supersecure
RedisDB: 0
RedisSentinelMasterName: mirrorbits
RedisSentinels:
    - Host: 10.0.0.1:26379
    - Host: 10.0.0.2:26379
    - Host: 10.0.0.3:26379
LogDir: /var/log/mirrorbits
TraceFileLocation: /trace
GeoipDatabasePath: /usr/share/GeoIP/
ConcurrentSync: 5
ScanInterval: 30
CheckInterval: 1
RepositoryScanInterval: 5
Hashes:
    SHA256: On
    SHA1: Off
    MD5: Off
DisallowRedirects: false
WeightDistributionRange: 1.5
DisableOnMissingFile: false
MaxLinkHeaders: 10
FixTimezoneOffsets: false
AllowOutdatedFiles:
    - Prefix: /dists/
      Minutes: 540
Fallbacks:
    - URL: https://fallback1.mirror/repo/
      CountryCode: fr
      ContinentCode: eu
    - URL: fallback2.mirror/repo
      CountryCode: us
      ContinentCode: na
`;

  it('maps every key', () => {
    const c = parseConfig(mirrorbitsConf, '/etc/mirrorbits.conf');
    const defaults = defaultConfig('/etc');
    assert.deepEqual(c, {
      ...defaults,
      repository: '/srv/repo',
      templates: '/usr/share/mirrorbits',
      listenAddress: ':8080',
      redisAddress: '10.0.0.1:6379',
      redisPassword: 'supersecure',
      redisSentinelMasterName: 'mirrorbits',
      redisSentinels: ['10.0.0.1:26379', '10.0.0.2:26379', '10.0.0.3:26379'],
      logDir: '/var/log/mirrorbits',
      traceFileLocation: '/trace',
      geoipDatabasePath: '/usr/share/GeoIP',
      allowOutdatedFiles: [{ prefix: '/dists/', minutes: 540 }],
      fallbacks: [
        { url: 'https://fallback1.mirror/repo/', countryCode: 'FR', continentCode: 'EU' },
        { url: 'fallback2.mirror/repo/', countryCode: 'US', continentCode: 'NA' },
      ],
      store: 'redis',
      adminListenAddress: 'localhost:3390',
      adminToken: 'letmein',
      source: '/etc/mirrorbits.conf',
    });
  });

  it('loads the sample shipped with Mirrorbits, empty values included', () => {
    const sample = 'Repository: /srv/repo\nRedisPassword:\nRPCPassword:\nLocalJSPath:\nRedisSentinels:\n';
    const c = parseConfig(sample, '/etc/mirrorbits.conf');
    assert.equal(c.redisPassword, '');
    assert.equal(c.adminToken, '');
    assert.deepEqual(c.redisSentinels, []);
    assert.equal(c.store, 'sqlite');
  });
});

describe('parseConfig: relative paths', () => {
  it('resolves against the directory of the file, defaults included', () => {
    const c = parseConfig('LogDir: logs\nGeoipCityDatabase: ../geo/City.mmdb\n', '/opt/site/conf/signpost.yaml');
    assert.equal(c.logDir, '/opt/site/conf/logs');
    assert.equal(c.geoipCityDatabase, '/opt/site/geo/City.mmdb');
    assert.equal(c.repository, '/opt/site/conf/repo');
    assert.equal(c.databasePath, '/opt/site/conf/data/signpost.db');
    assert.equal(c.source, '/opt/site/conf/signpost.yaml');
  });

  it('keeps absolute paths', () => {
    const c = parseConfig('Repository: /srv/repo\nDatabasePath: /var/lib/s.db\n', '/opt/site/signpost.yaml');
    assert.equal(c.repository, '/srv/repo');
    assert.equal(c.databasePath, '/var/lib/s.db');
  });

  it('leaves URL prefixes alone', () => {
    assert.equal(parseConfig('LocalJSPath: static/js\n', '/opt/s.yaml').localJSPath, 'static/js');
  });
});
