// The per-candidate filter: every exclusion reason, in Mirrorbits' order, and the URL chosen per protocol.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AllowOutdatedRule } from '../config/config.js';
import type { ClientLocation } from '../geo/location.js';
import type { Mirror, MirrorFile } from '../mirrors/mirror.js';
import { absoluteURL, fileCheck, filterReason, truncateTime } from './filter.js';
import { copyOf, NOW, testClient, testFile, testMirror } from './fixture.js';
import type { TLSRequirement } from './types.js';

const file = testFile();
const client = testClient({ countryCode: 'FR', continentCode: 'EU', asn: 4444 });
const invalid = testClient({ countryCode: '', continentCode: '', asn: 0, valid: false });

interface Case {
  name: string;
  mirror?: Partial<Mirror>;
  copy?: Partial<MirrorFile>;
  client?: ClientLocation;
  tls?: TLSRequirement;
  rules?: AllowOutdatedRule[];
  fixTimezoneOffsets?: boolean;
  maxMirrorLagMs?: number;
  reason: string;
}

const run = (c: Case): string =>
  filterReason(
    testMirror({ name: 'm1', ...c.mirror }),
    copyOf(file, c.copy),
    c.client ?? client,
    c.tls ?? 'any',
    fileCheck(file, c.rules ?? [], c.fixTimezoneOffsets ?? false, c.maxMirrorLagMs ?? 0),
  );

const table = (cases: Case[]): void => {
  for (const c of cases) it(`${c.name} → ${c.reason || 'accepted'}`, () => assert.equal(run(c), c.reason));
};

describe('filter order: the first failing check gives the reason', () => {
  const everythingWrong: Partial<Mirror> = {
    enabled: false,
    httpURL: 'http://m1.example.org/',
    continentOnly: true,
    continentCode: 'NA',
    countryOnly: true,
    countryCodes: ['US'],
    asOnly: true,
    asnum: 1,
    excludedCountryCodes: ['FR'],
  };
  const fix = (m: Partial<Mirror>): Partial<Mirror> => ({ ...everythingWrong, ...m });
  const wrongCopy = { size: 1, mtimeMs: NOW - 10_000 };
  table([
    { name: 'disabled', mirror: everythingWrong, copy: wrongCopy, tls: 'with', reason: 'Disabled' },
    { name: 'protocol', mirror: fix({ enabled: true }), copy: wrongCopy, tls: 'with', reason: 'Not HTTPS' },
    { name: 'size', mirror: fix({ enabled: true }), copy: wrongCopy, tls: 'without', reason: 'File size mismatch' },
    {
      name: 'mtime',
      mirror: fix({ enabled: true }),
      copy: { mtimeMs: NOW - 10_000 },
      tls: 'without',
      reason: 'Mod time mismatch (diff: 10s)',
    },
    { name: 'continent', mirror: fix({ enabled: true }), tls: 'without', reason: 'Continent only' },
    { name: 'country', mirror: fix({ enabled: true, continentCode: 'EU' }), tls: 'without', reason: 'Country only' },
    {
      name: 'AS',
      mirror: fix({ enabled: true, continentCode: 'EU', countryCodes: ['DE', 'FR'] }),
      tls: 'without',
      reason: 'AS only',
    },
    {
      name: 'excluded country',
      mirror: fix({ enabled: true, continentCode: 'EU', countryCodes: ['FR'], asnum: 4444 }),
      tls: 'without',
      reason: "User's country restriction",
    },
    {
      name: 'all fixed',
      mirror: fix({ enabled: true, continentCode: 'EU', countryCodes: ['FR'], asnum: 4444, excludedCountryCodes: [] }),
      tls: 'without',
      reason: '',
    },
  ]);
});

describe('protocol requirement (mirrorbits.md §14.1 matrix, mirror down on both protocols)', () => {
  const down = { httpUp: false, httpsUp: false };
  const matrix: [TLSRequirement, string, string, string][] = [
    ['with', 'http://m1.mirror/', 'Not HTTPS', 'http://m1.mirror/'],
    ['with', 'https://m1.mirror/', 'Down', 'https://m1.mirror/'],
    ['with', 'm1.mirror/', 'Down', 'https://m1.mirror/'],
    ['without', 'https://m1.mirror/', 'Not HTTP', 'https://m1.mirror/'],
    ['without', 'http://m1.mirror/', 'Down', 'http://m1.mirror/'],
    ['without', 'm1.mirror/', 'Down', 'http://m1.mirror/'],
    ['any', 'http://m1.mirror/', 'Down / Not HTTPS', 'http://m1.mirror/'],
    ['any', 'https://m1.mirror/', 'Not HTTP / Down', 'https://m1.mirror/'],
    ['any', 'm1.mirror/', 'Down', 'http://m1.mirror/'],
  ];
  for (const [tls, url, reason, absolute] of matrix) {
    it(`${tls} ${url} → ${reason}, ${absolute}`, () => {
      const mirror = testMirror({ name: 'm1', httpURL: url, ...down });
      assert.equal(filterReason(mirror, copyOf(file), client, tls, fileCheck(file, [], false)), reason);
      assert.equal(absoluteURL(mirror, tls), absolute);
    });
  }

  const up: [TLSRequirement, Partial<Mirror>, string, string][] = [
    ['any', { httpURL: 'm1.mirror/' }, '', 'https://m1.mirror/'],
    ['any', { httpURL: 'm1.mirror/', httpsUp: false }, '', 'http://m1.mirror/'],
    ['any', { httpURL: 'm1.mirror/', httpUp: false }, '', 'https://m1.mirror/'],
    ['any', { httpURL: 'http://m1.mirror/' }, '', 'http://m1.mirror/'],
    ['any', { httpURL: 'https://m1.mirror/' }, '', 'https://m1.mirror/'],
    ['with', { httpURL: 'm1.mirror/', httpUp: false }, '', 'https://m1.mirror/'],
    ['without', { httpURL: 'm1.mirror/', httpsUp: false }, '', 'http://m1.mirror/'],
    ['with', { httpURL: 'm1.mirror/', httpsUp: false, httpsDownReason: 'TLS handshake failed' }, 'TLS handshake failed', 'https://m1.mirror/'],
    ['without', { httpURL: 'm1.mirror/', httpUp: false, httpDownReason: 'Timeout' }, 'Timeout', 'http://m1.mirror/'],
    [
      'any',
      { httpURL: 'm1.mirror/', httpUp: false, httpsUp: false, httpDownReason: 'Timeout', httpsDownReason: 'TLS handshake failed' },
      'Timeout / TLS handshake failed',
      'http://m1.mirror/',
    ],
    [
      'any',
      { httpURL: 'm1.mirror/', httpUp: false, httpsUp: false, httpDownReason: 'Timeout', httpsDownReason: 'Timeout' },
      'Timeout',
      'http://m1.mirror/',
    ],
    ['any', { httpURL: 'http://m1.mirror/', httpUp: false, httpDownReason: 'Timeout' }, 'Timeout / Not HTTPS', 'http://m1.mirror/'],
    ['any', { httpURL: 'https://m1.mirror/', httpsUp: false }, 'Not HTTP / Down', 'https://m1.mirror/'],
    ['any', { httpURL: 'm1.mirror/', enabled: false }, 'Disabled', ''],
  ];
  for (const [tls, mirror, reason, absolute] of up) {
    it(`${tls} ${JSON.stringify(mirror)} → ${reason || 'accepted'}, ${absolute || "''"}`, () => {
      const m = testMirror({ name: 'm1', ...mirror });
      assert.equal(filterReason(m, copyOf(file), client, tls, fileCheck(file, [], false)), reason);
      assert.equal(absoluteURL(m, tls), absolute);
    });
  }
});

describe('file checks', () => {
  table([
    { name: 'same size and time', reason: '' },
    { name: 'other size', copy: { size: 12345 }, reason: 'File size mismatch' },
    { name: 'mirror 10 s newer', copy: { mtimeMs: NOW + 10_000 }, reason: 'Mod time mismatch (diff: -10s)' },
    { name: 'mirror 10 s older', copy: { mtimeMs: NOW - 10_000 }, reason: 'Mod time mismatch (diff: 10s)' },
    { name: 'mirror time unknown', copy: { mtimeMs: 0 }, reason: '' },
    { name: 'unknown time, other size', copy: { mtimeMs: 0, size: 1 }, reason: 'File size mismatch' },
    { name: 'same second at 1 s precision', copy: { mtimeMs: NOW + 999 }, reason: '' },
    {
      name: 'same second at 1 ms precision',
      mirror: { lastSuccessfulSyncPrecisionMs: 1 },
      copy: { mtimeMs: NOW + 999 },
      reason: 'Mod time mismatch (diff: -999ms)',
    },
    {
      name: 'same minute at 1 min precision (HTTP index)',
      mirror: { lastSuccessfulSyncPrecisionMs: 60_000 },
      copy: { mtimeMs: NOW + 59_000 },
      reason: '',
    },
    {
      name: 'next minute at 1 min precision',
      mirror: { lastSuccessfulSyncPrecisionMs: 60_000 },
      copy: { mtimeMs: NOW + 60_000 },
      reason: 'Mod time mismatch (diff: -1m0s)',
    },
    {
      name: 'an hour behind',
      copy: { mtimeMs: NOW - 3_600_000 },
      reason: 'Mod time mismatch (diff: 1h0m0s)',
    },
  ]);

  it('truncates the repository time too, including its sub-millisecond fraction', () => {
    const fractional = testFile({ mtimeMs: NOW + 1500.75 });
    const at = (precision: number, mirrorTime: number): string =>
      filterReason(
        testMirror({ name: 'm1', lastSuccessfulSyncPrecisionMs: precision }),
        copyOf(fractional, { mtimeMs: mirrorTime }),
        client,
        'any',
        fileCheck(fractional, [], false),
      );
    assert.equal(at(1000, NOW + 1000), '');
    assert.equal(at(1, NOW + 1500), '');
    assert.equal(at(1, NOW + 1000), 'Mod time mismatch (diff: 500ms)');
  });
});

describe('AllowOutdatedFiles (mirrorbits.md §14.1 matrix: the mirror copy is 100 s older)', () => {
  const rules: [string, AllowOutdatedRule[], string, string][] = [
    ['no rule', [], 'Mod time mismatch (diff: 1m40s)', 'File size mismatch'],
    ['/test/ 1 min', [{ prefix: '/test/', minutes: 1 }], 'Mod time mismatch (diff: 1m40s)', 'Mod time mismatch (diff: 1m40s)'],
    ['/wrong/ 2 min', [{ prefix: '/wrong/', minutes: 2 }], 'Mod time mismatch (diff: 1m40s)', 'File size mismatch'],
    ['/test/ 2 min', [{ prefix: '/test/', minutes: 2 }], '', ''],
    [
      'first matching rule wins',
      [
        { prefix: '/test/file', minutes: 1 },
        { prefix: '/test/', minutes: 2 },
      ],
      'Mod time mismatch (diff: 1m40s)',
      'Mod time mismatch (diff: 1m40s)',
    ],
  ];
  for (const [name, list, sameSize, otherSize] of rules) {
    table([
      { name: `${name}, same size`, rules: list, copy: { mtimeMs: NOW - 100_000 }, reason: sameSize },
      { name: `${name}, other size`, rules: list, copy: { mtimeMs: NOW - 100_000, size: 1 }, reason: otherSize },
    ]);
  }
  table([
    {
      name: 'a newer mirror copy is never tolerated',
      rules: [{ prefix: '/', minutes: 60 }],
      copy: { mtimeMs: NOW + 10_000 },
      reason: 'Mod time mismatch (diff: -10s)',
    },
  ]);
});

describe('FixTimezoneOffsets (mirrorbits.md §14.1 matrix: the mirror lists times 1 h behind)', () => {
  const behind = { mtimeMs: NOW - 3_600_000 };
  table([
    { name: 'offset 0, option off', copy: behind, reason: 'Mod time mismatch (diff: 1h0m0s)' },
    { name: 'offset 0, option on', copy: behind, fixTimezoneOffsets: true, reason: 'Mod time mismatch (diff: 1h0m0s)' },
    { name: 'offset 1 h, option off', copy: behind, mirror: { tzOffsetMs: 3_600_000 }, reason: 'Mod time mismatch (diff: 1h0m0s)' },
    { name: 'offset 1 h, option on', copy: behind, mirror: { tzOffsetMs: 3_600_000 }, fixTimezoneOffsets: true, reason: '' },
  ]);
});

describe('freshness: lagging and syncing mirrors (file changed at NOW)', () => {
  const hour = 3_600_000;
  table([
    { name: 'lag unknown', mirror: { traceLagMs: -1, lastModTime: NOW - 5 * hour }, maxMirrorLagMs: hour, reason: '' },
    { name: 'lag within the maximum', mirror: { traceLagMs: hour / 2, lastModTime: NOW - hour / 2 }, maxMirrorLagMs: hour, reason: '' },
    { name: 'lag beyond, file changed after the trace', mirror: { traceLagMs: 3 * hour, lastModTime: NOW - 3 * hour }, maxMirrorLagMs: hour, reason: 'Lagging (trace 3h0m0s behind)' },
    { name: 'lag beyond, file older than the trace', mirror: { traceLagMs: 3 * hour, lastModTime: NOW + 1000 }, maxMirrorLagMs: hour, reason: '' },
    { name: 'lag beyond but MaxMirrorLag off', mirror: { traceLagMs: 3 * hour, lastModTime: NOW - 3 * hour }, maxMirrorLagMs: 0, reason: '' },
    { name: 'syncing, file changed after the trace', mirror: { syncing: true, lastModTime: NOW - 1000 }, reason: 'Sync in progress' },
    { name: 'syncing, file older than the trace', mirror: { syncing: true, lastModTime: NOW + 1000 }, reason: '' },
    { name: 'syncing without a trace: the last scan vouches', mirror: { syncing: true, lastModTime: 0, lastSuccessfulSync: NOW - 1000 }, reason: 'Sync in progress' },
    { name: 'size mismatch comes first', mirror: { syncing: true, lastModTime: NOW - 1000 }, copy: { size: 1 }, reason: 'File size mismatch' },
  ]);
});

describe('geographic restrictions (client EU, FR, AS4444)', () => {
  table([
    { name: 'continent only, NA', mirror: { continentOnly: true, continentCode: 'NA' }, reason: 'Continent only' },
    { name: 'continent only, EU', mirror: { continentOnly: true, continentCode: 'EU' }, reason: '' },
    {
      name: 'continent only, EU, un-geolocated client',
      mirror: { continentOnly: true, continentCode: 'EU' },
      client: invalid,
      reason: 'Continent only',
    },
    { name: 'country only, UK', mirror: { countryOnly: true, countryCodes: ['UK'] }, reason: 'Country only' },
    { name: 'country only, FI NO SE', mirror: { countryOnly: true, countryCodes: ['FI', 'NO', 'SE'] }, reason: 'Country only' },
    { name: 'country only, DE FR', mirror: { countryOnly: true, countryCodes: ['DE', 'FR'] }, reason: '' },
    {
      name: 'country only, un-geolocated client',
      mirror: { countryOnly: true, countryCodes: ['FR'] },
      client: invalid,
      reason: 'Country only',
    },
    { name: 'AS only, 5555', mirror: { asOnly: true, asnum: 5555 }, reason: 'AS only' },
    { name: 'AS only, 4444', mirror: { asOnly: true, asnum: 4444 }, reason: '' },
    { name: 'AS only, un-geolocated client', mirror: { asOnly: true, asnum: 0 }, client: invalid, reason: 'AS only' },
    { name: 'excluded FR', mirror: { excludedCountryCodes: ['FR'] }, reason: "User's country restriction" },
    { name: 'excluded ES FR IT PT', mirror: { excludedCountryCodes: ['ES', 'FR', 'IT', 'PT'] }, reason: "User's country restriction" },
    { name: 'excluded DE', mirror: { excludedCountryCodes: ['DE'] }, reason: '' },
    { name: 'excluded FR, un-geolocated client', mirror: { excludedCountryCodes: ['FR'] }, client: invalid, reason: '' },
  ]);
});

describe('truncateTime', () => {
  it('leaves times alone for a precision of 0', () => assert.equal(truncateTime(NOW + 123.5, 0), NOW + 123.5));
  it('truncates toward the past at whole seconds and minutes', () => {
    assert.equal(truncateTime(NOW + 1999, 1000), NOW + 1000);
    assert.equal(truncateTime(NOW + 59_999, 60_000), NOW);
    assert.equal(truncateTime(-1500, 1000), -2000);
  });
  it('counts from Go’s zero time (year 1), not from 1970, for precisions that do not divide the gap', () => {
    const goZero = 62_135_596_800_000n;
    for (const t of [0, 1, NOW, NOW + 6]) {
      const expected = Number(BigInt(t) - ((BigInt(t) + goZero) % 7n));
      assert.equal(truncateTime(t, 7), expected, `t = ${t}`);
    }
    assert.notEqual(truncateTime(0, 7), 0);
  });
});
