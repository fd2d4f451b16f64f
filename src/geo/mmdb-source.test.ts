import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { geoipFixtures, tempDir } from '../../test/support/paths.js';
import { formatIP, parseIP } from './ip.js';
import { openSource } from './open-source.js';
import { GeoIPError } from './source.js';
import type { GeoSource } from './source.js';

const fixture = (name: string): string => join(geoipFixtures, name);

/** First and last address of a CIDR from the MaxMind JSON sources. */
const ends = (cidr: string): [string, string] => {
  const [address, prefixText] = cidr.split('/');
  const parsed = parseIP(address!)!;
  const prefix = Number(prefixText);
  const first = parsed.bytes.slice();
  const last = parsed.bytes.slice();
  for (let bit = prefix; bit < first.length * 8; bit++) {
    first[bit >> 3]! &= ~(0x80 >> (bit & 7));
    last[bit >> 3]! |= 0x80 >> (bit & 7);
  }
  return [formatIP({ family: parsed.family, bytes: first }), formatIP({ family: parsed.family, bytes: last })];
};

type Json = Record<string, unknown>;
const networks = (file: string): [string, Json][] =>
  (JSON.parse(readFileSync(fixture(file), 'utf8')) as Record<string, Json>[]).flatMap((entry) => Object.entries(entry));
const at = (record: Json, ...path: string[]): unknown => path.reduce<unknown>((v, key) => (v as Json | undefined)?.[key], record);

const refused = (file: string, pattern: RegExp) => (error: unknown) =>
  error instanceof GeoIPError && error.file === file && error.message.includes(file) && pattern.test(error.message);

describe('mmdb sources on the MaxMind test databases', () => {
  let city: GeoSource;
  let geoip2City: GeoSource;
  let country: GeoSource;
  let asn: GeoSource;

  before(async () => {
    [city, geoip2City, country, asn] = await Promise.all([
      openSource(fixture('GeoLite2-City-Test.mmdb'), 'location'),
      openSource(fixture('GeoIP2-City-Test.mmdb'), 'location'),
      openSource(fixture('GeoLite2-Country-Test.mmdb'), 'location'),
      openSource(fixture('GeoLite2-ASN-Test.mmdb'), 'asn'),
    ]);
  });

  it('City: every network of GeoLite2-City-Test.json, first and last address', () => {
    const all = networks('GeoLite2-City-Test.json');
    assert.ok(all.length > 200);
    let v6 = 0;
    for (const [cidr, record] of all) {
      if (cidr.includes(':')) v6++;
      for (const ip of ends(cidr)) {
        const got = city.lookup(ip);
        assert.ok(got !== undefined, `${ip} (${cidr}) not found`);
        const cc = (at(record, 'country', 'iso_code') as string | undefined) ?? '';
        assert.equal(got.countryCode ?? '', cc, `${ip} country`);
        assert.equal(got.continentCode ?? '', at(record, 'continent', 'code') ?? '', `${ip} continent`);
        assert.equal(got.country ?? '', at(record, 'country', 'names', 'en') ?? '', `${ip} country name`);
        assert.equal(got.city ?? '', at(record, 'city', 'names', 'en') ?? '', `${ip} city`);
        assert.equal(got.latitude ?? 0, at(record, 'location', 'latitude') ?? 0, `${ip} latitude`);
        assert.equal(got.longitude ?? 0, at(record, 'location', 'longitude') ?? 0, `${ip} longitude`);
      }
    }
    assert.ok(v6 > 100, 'IPv6 networks covered');
  });

  it('ASN: every network of GeoLite2-ASN-Test.json, first and last address', () => {
    const all = networks('GeoLite2-ASN-Test.json');
    assert.ok(all.length > 700);
    for (const [cidr, record] of all) {
      for (const ip of ends(cidr)) {
        assert.deepEqual(asn.lookup(ip), { asn: record['autonomous_system_number'], asName: record['autonomous_system_organization'] ?? '' }, `${ip} (${cidr})`);
      }
    }
  });

  const spot: [string, string, Partial<Record<'countryCode' | 'continentCode' | 'city' | 'country', string>> | undefined][] = [
    ['81.2.69.160', 'GeoIP2-City', { countryCode: 'GB', continentCode: 'EU', city: 'London', country: 'United Kingdom' }],
    ['::ffff:81.2.69.160', 'GeoIP2-City', { countryCode: 'GB', city: 'London' }],
    ['[::ffff:81.2.69.160]', 'GeoIP2-City', { countryCode: 'GB', city: 'London' }],
    ['89.160.20.128', 'GeoIP2-City', { countryCode: 'SE', continentCode: 'EU', city: 'Linköping', country: 'Sweden' }],
    ['216.160.83.56', 'GeoIP2-City', { countryCode: 'US', continentCode: 'NA', city: 'Milton', country: 'United States' }],
    ['2.125.160.216', 'GeoIP2-City', { countryCode: 'GB', city: 'Boxford' }],
    ['175.16.199.0', 'GeoIP2-City', { countryCode: 'CN', continentCode: 'AS', city: 'Changchun' }],
    ['2001:218::1', 'GeoIP2-City', { countryCode: 'JP', continentCode: 'AS', city: '' }],
    ['2001:218:ffff:ffff:ffff:ffff:ffff:ffff', 'GeoIP2-City', { countryCode: 'JP' }],
    ['2001:219::', 'GeoIP2-City', undefined],
    ['81.2.69.160', 'Country', { countryCode: 'GB', continentCode: 'EU', country: 'United Kingdom', city: '' }],
    ['89.160.20.128', 'Country', { countryCode: 'SE', city: '' }],
    ['2001:218::1', 'Country', { countryCode: 'JP', continentCode: 'AS' }],
    ['216.160.83.56', 'Country', { countryCode: 'US', continentCode: 'NA' }],
    ['8.8.8.8', 'Country', undefined],
    ['10.0.0.1', 'GeoIP2-City', undefined],
    ['::1', 'GeoIP2-City', undefined],
    ['not-an-ip', 'GeoIP2-City', undefined],
    ['1.2.3', 'Country', undefined],
    ['', 'Country', undefined],
  ];
  for (const [ip, db, expected] of spot) {
    it(`${db}: ${JSON.stringify(ip)} → ${expected === undefined ? 'nothing' : JSON.stringify(expected)}`, () => {
      const got = (db === 'Country' ? country : geoip2City).lookup(ip);
      if (expected === undefined) return assert.equal(got, undefined);
      assert.ok(got !== undefined);
      for (const [key, value] of Object.entries(expected)) assert.equal(got[key as keyof typeof got] ?? '', value, key);
    });
  }

  it('ASN spot checks, IPv4 and IPv6, and unknown addresses', () => {
    assert.deepEqual(asn.lookup('1.128.0.0'), { asn: 1221, asName: 'Telstra Pty Ltd' });
    assert.deepEqual(asn.lookup('::ffff:1.128.0.1'), { asn: 1221, asName: 'Telstra Pty Ltd' });
    assert.deepEqual(asn.lookup('89.160.20.128'), { asn: 29518, asName: 'Bredband2 AB' });
    assert.deepEqual(asn.lookup('216.160.83.56'), { asn: 209, asName: '' });
    assert.equal(asn.lookup('81.2.69.160'), undefined);
    assert.equal(asn.lookup('garbage'), undefined);
    const [cidr, record] = networks('GeoLite2-ASN-Test.json').find(([c]) => c.includes(':'))!;
    assert.equal(asn.lookup(ends(cidr)[0])?.asn, record['autonomous_system_number']);
  });

  it('describes each file by type, path and build date', () => {
    assert.match(city.describe, /^GeoLite2-City mmdb .*GeoLite2-City-Test\.mmdb, built \d{4}-\d\d-\d\d$/);
    assert.match(asn.describe, /^GeoLite2-ASN mmdb /);
  });

  it('returns the same frozen answer for repeated lookups', () => {
    const a = city.lookup('81.2.69.160');
    assert.ok(Object.isFrozen(a));
    assert.equal(city.lookup('81.2.69.161'), a);
  });
});

describe('mmdb files that must be refused', () => {
  const dir = tempDir();
  after(() => dir.remove());

  const broken: [string, RegExp][] = [
    ['GeoIP2-City-Test-Broken-Double-Format.mmdb', /is invalid: corrupt data section at byte \d+: double of size 5/],
    ['GeoIP2-City-Test-Invalid-Node-Count.mmdb', /is invalid: search tree of 100000 nodes .* does not fit in the file/],
  ];
  for (const [name, message] of broken) {
    it(`refuses ${name} with a clear error`, async () => {
      await assert.rejects(openSource(fixture(name), 'location'), refused(fixture(name), message));
    });
  }

  it('refuses a search tree pointing outside the data section', async () => {
    const db = readFileSync(fixture('GeoLite2-City-Test.mmdb'));
    db.fill(0xff, 7 * 10, 7 * 11); // node 10 of a 28-bit tree: both records at the maximum
    const file = join(dir.path, 'bad-pointer.mmdb');
    writeFileSync(file, db);
    await assert.rejects(openSource(file, 'location'), refused(file, /search tree node 10 points to \d+, outside the data section/));
  });

  it('refuses a truncated file, a gzip file, a missing file and an empty file', async () => {
    const whole = readFileSync(fixture('GeoLite2-City-Test.mmdb'));
    const truncated = join(dir.path, 'truncated.mmdb');
    writeFileSync(truncated, whole.subarray(0, whole.length / 2));
    await assert.rejects(openSource(truncated, 'location'), refused(truncated, /is not a MaxMind DB \(\.mmdb\) file/));
    const gz = join(dir.path, 'GeoLite2-City.mmdb.gz');
    writeFileSync(gz, gzipSync(whole));
    await assert.rejects(openSource(gz, 'location'), refused(gz, /gzip-compressed/));
    const missing = join(dir.path, 'missing.mmdb');
    await assert.rejects(openSource(missing, 'location'), refused(missing, /cannot be read: .*ENOENT/));
    const empty = join(dir.path, 'empty.mmdb');
    writeFileSync(empty, '');
    await assert.rejects(openSource(empty, 'location'), refused(empty, /is empty/));
  });

  it('refuses an ASN database given for locations and a City database given for ASNs', async () => {
    const asnFile = fixture('GeoLite2-ASN-Test.mmdb');
    const cityFile = fixture('GeoLite2-City-Test.mmdb');
    await assert.rejects(openSource(asnFile, 'location'), refused(asnFile, /is an ASN database \(GeoLite2-ASN\)/));
    await assert.rejects(openSource(cityFile, 'asn'), refused(cityFile, /is a City\/Country database \(GeoLite2-City\), not an ASN one/));
  });

  it('still opens a valid copy under another name', async () => {
    const copy = join(dir.path, 'anything.bin');
    copyFileSync(fixture('GeoLite2-Country-Test.mmdb'), copy);
    assert.equal((await openSource(copy, 'location')).lookup('81.2.69.160')?.countryCode, 'GB');
  });
});
