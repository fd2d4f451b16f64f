import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { geoipFixtures, tempDir } from '../../test/support/paths.js';
import { GeoIP, GeoIPError } from './geoip.js';
import { unknownLocation } from './location.js';
import type { ClientLocation } from './location.js';

const fixture = (name: string): string => join(geoipFixtures, name);
const testFiles = { cityDatabase: fixture('GeoLite2-City-Test.mmdb'), asnDatabase: fixture('GeoLite2-ASN-Test.mmdb'), databasePath: '' };

/** Copies a file over another and moves its mtime, so a change is visible even within one clock tick. */
const replace = (from: string, to: string, secondsAhead: number): void => {
  copyFileSync(from, to);
  const when = new Date(Date.now() + secondsAhead * 1000);
  utimesSync(to, when, when);
};

describe('GeoIP on the MaxMind test databases', () => {
  let geo: GeoIP;
  before(async () => {
    geo = await GeoIP.open(testFiles);
  });
  after(() => geo.close());

  const cases: [string, Partial<ClientLocation>][] = [
    ['81.2.69.160', { countryCode: 'GB', continentCode: 'EU', country: 'United Kingdom', city: 'London', latitude: 51.5142, longitude: -0.0931, asn: 0, valid: true }],
    ['::ffff:81.2.69.160', { countryCode: 'GB', city: 'London', valid: true }],
    ['89.160.20.128', { countryCode: 'SE', continentCode: 'EU', city: 'Linköping', asn: 29518, asName: 'Bredband2 AB', valid: true }],
    ['216.160.83.56', { countryCode: 'US', continentCode: 'NA', city: 'Milton', asn: 209, asName: '', valid: true }],
    ['2001:218::1', { countryCode: 'JP', continentCode: 'AS', country: 'Japan', city: '', valid: true }],
    ['[2001:218::1]', { countryCode: 'JP', valid: true }],
    ['175.16.199.0', { countryCode: 'CN', continentCode: 'AS', city: 'Changchun', valid: true }],
    // Known ASN, unknown location: the ASN still comes through on an invalid location.
    ['1.128.0.0', { countryCode: '', continentCode: '', asn: 1221, asName: 'Telstra Pty Ltd', valid: false }],
    // Continent without a country in the data: kept, but not a geolocated client.
    ['2a02:d500::1', { countryCode: '', continentCode: 'EU', valid: false }],
    ['10.0.0.1', { countryCode: '', asn: 0, latitude: 0, longitude: 0, valid: false }],
    ['not an address', { countryCode: '', asn: 0, valid: false }],
    ['', { valid: false }],
  ];
  for (const [ip, expected] of cases) {
    it(`${JSON.stringify(ip)} → ${JSON.stringify(expected)}`, () => {
      const got = geo.lookup(ip);
      assert.equal(got.ip, ip);
      for (const [key, value] of Object.entries(expected)) assert.equal(got[key as keyof ClientLocation], value, key);
      // Always a complete ClientLocation.
      assert.deepEqual(Object.keys(got).sort(), ['asName', 'asn', 'city', 'continentCode', 'country', 'countryCode', 'ip', 'latitude', 'longitude', 'valid']);
      // Asked again: the cached answer, equal to the first.
      const again = geo.lookup(ip);
      assert.deepEqual(again, got);
      assert.equal(again, got);
    });
  }

  it('answers a frozen object, shared by the callers asking for the same address', () => {
    const a = geo.lookup('81.2.69.160');
    assert.ok(Object.isFrozen(a));
    assert.throws(() => {
      (a as ClientLocation).city = 'changed';
    }, TypeError);
    assert.equal(geo.lookup('81.2.69.160'), a);
    assert.equal(geo.lookup('81.2.69.160').city, 'London');
  });

  it('answers the same as without the cache after it has turned over many times', async () => {
    const addresses = Array.from({ length: 40_000 }, (_, i) => (i % 2 === 0 ? `81.2.69.${i % 256}` : `2001:218::${i.toString(16)}`));
    const fresh = await GeoIP.open(testFiles);
    try {
      for (const ip of addresses) geo.lookup(ip);
      // Long evicted and asked again, and still cached: each as a first lookup on a fresh GeoIP says.
      for (const ip of [...addresses.slice(0, 500), ...addresses.slice(-500)]) assert.deepEqual(geo.lookup(ip), fresh.lookup(ip), ip);
    } finally {
      fresh.close();
    }
  });

  it('describes its sources', () => {
    const { city, asn } = geo.sources();
    assert.match(city, /GeoLite2-City mmdb .*GeoLite2-City-Test\.mmdb/);
    assert.match(asn, /GeoLite2-ASN mmdb .*GeoLite2-ASN-Test\.mmdb/);
  });

  it('answers unknownLocation once closed', async () => {
    const closed = await GeoIP.open(testFiles);
    assert.equal(closed.lookup('81.2.69.160').city, 'London');
    closed.close();
    closed.close();
    assert.deepEqual(closed.lookup('81.2.69.160'), unknownLocation('81.2.69.160'));
    assert.deepEqual(closed.sources(), { city: 'closed', asn: 'closed' });
    assert.equal(await closed.reopenIfChanged(), false);
  });
});

describe('GeoIP.open chooses and checks its files', () => {
  const dir = tempDir();
  after(() => dir.remove());

  it('takes a Country database or a comma-separated list for cities', async () => {
    const geo = await GeoIP.open({ ...testFiles, cityDatabase: `${fixture('GeoLite2-Country-Test.mmdb')} , ${fixture('GeoLite2-City-Test.mmdb')}` });
    const where = geo.lookup('81.2.69.160');
    assert.equal(where.countryCode, 'GB');
    assert.equal(where.city, '', 'the first file that knows the address answers');
    assert.equal(geo.lookup('175.16.199.0').city, 'Changchun', 'the second file answers what the first does not know');
    assert.match(geo.sources().city, /Country-Test\.mmdb.* \+ .*City-Test\.mmdb/);
    geo.close();
  });

  it('fills continent and country name from the country code when a CSV gives only the code', async () => {
    const file = join(dir.path, 'country.csv');
    writeFileSync(file, '81.2.69.0,81.2.69.255,gb\n');
    const geo = await GeoIP.open({ ...testFiles, cityDatabase: file });
    assert.deepEqual(geo.lookup('81.2.69.160'), { ip: '81.2.69.160', countryCode: 'GB', continentCode: 'EU', city: '', country: 'United Kingdom', latitude: 0, longitude: 0, asn: 0, asName: '', valid: true });
    geo.close();
  });

  it('uses GeoLite2-City.mmdb and GeoLite2-ASN.mmdb from the GeoIP directory, preferring <file>.updated', async () => {
    const path = join(dir.path, 'geoip-dir');
    mkdirSync(path);
    copyFileSync(fixture('GeoLite2-City-Test.mmdb'), join(path, 'GeoLite2-City.mmdb'));
    copyFileSync(fixture('GeoLite2-ASN-Test.mmdb'), join(path, 'GeoLite2-ASN.mmdb'));
    const geo = await GeoIP.open({ cityDatabase: '', asnDatabase: '', databasePath: path, bundled: false });
    assert.equal(geo.lookup('81.2.69.160').city, 'London');
    assert.equal(geo.lookup('1.128.0.0').asn, 1221);
    assert.equal(geo.sources().city, `GeoLite2-City mmdb ${join(path, 'GeoLite2-City.mmdb')}, built 2026-02-04`);
    geo.close();
    copyFileSync(fixture('GeoLite2-Country-Test.mmdb'), join(path, 'GeoLite2-City.mmdb.updated'));
    const updated = await GeoIP.open({ cityDatabase: '', asnDatabase: '', databasePath: path, bundled: false });
    assert.equal(updated.lookup('81.2.69.160').city, '');
    assert.match(updated.sources().city, /GeoLite2-City\.mmdb\.updated/);
    updated.close();
  });

  it('refuses missing and broken files, naming them', async () => {
    const cases: [Partial<typeof testFiles>, string, RegExp][] = [
      [{ cityDatabase: join(dir.path, 'nope.mmdb') }, join(dir.path, 'nope.mmdb'), /cannot be read/],
      [{ asnDatabase: join(dir.path, 'nope-asn.csv') }, join(dir.path, 'nope-asn.csv'), /cannot be read/],
      [{ cityDatabase: fixture('GeoIP2-City-Test-Broken-Double-Format.mmdb') }, fixture('GeoIP2-City-Test-Broken-Double-Format.mmdb'), /double of size 5/],
      [{ cityDatabase: fixture('GeoIP2-City-Test-Invalid-Node-Count.mmdb') }, fixture('GeoIP2-City-Test-Invalid-Node-Count.mmdb'), /does not fit/],
      [{ cityDatabase: `${fixture('GeoLite2-City-Test.mmdb')},${fixture('GeoIP2-City-Test-Invalid-Node-Count.mmdb')}` }, fixture('GeoIP2-City-Test-Invalid-Node-Count.mmdb'), /does not fit/],
      [{ asnDatabase: fixture('GeoLite2-City-Test.mmdb') }, fixture('GeoLite2-City-Test.mmdb'), /not an ASN one/],
    ];
    for (const [options, file, message] of cases) {
      await assert.rejects(GeoIP.open({ ...testFiles, ...options }), (error: unknown) => error instanceof GeoIPError && error.file === file && message.test(error.message));
    }
  });

  it('refuses to run without data when the bundled data is disabled', async () => {
    await assert.rejects(
      GeoIP.open({ cityDatabase: '', asnDatabase: fixture('GeoLite2-ASN-Test.mmdb'), databasePath: dir.path, bundled: false }),
      (error: unknown) => error instanceof GeoIPError && error.file === join(dir.path, 'GeoLite2-City.mmdb') && /bundled data is disabled/.test(error.message),
    );
  });
});

describe('GeoIP.reopenIfChanged', () => {
  const dir = tempDir();
  after(() => dir.remove());
  const city = join(dir.path, 'GeoLite2-City.mmdb');
  const asn = join(dir.path, 'asn.csv');
  let geo: GeoIP;

  before(async () => {
    copyFileSync(fixture('GeoLite2-City-Test.mmdb'), city);
    writeFileSync(asn, '81.2.69.0,81.2.69.255,20712,Andrews & Arnold Ltd\n');
    geo = await GeoIP.open({ cityDatabase: '', asnDatabase: asn, databasePath: dir.path, bundled: false });
  });
  after(() => geo.close());

  it('does nothing while the files are unchanged', async () => {
    assert.equal(await geo.reopenIfChanged(), false);
    assert.equal(geo.lookup('81.2.69.160').city, 'London');
  });

  it('swaps in a replaced file, forgetting the answers from the old one at once', async () => {
    const old = geo.lookup('81.2.69.160');
    assert.equal(old.city, 'London');
    replace(fixture('GeoLite2-Country-Test.mmdb'), city, 10);
    assert.equal(geo.lookup('81.2.69.160'), old, 'until the reload, the cached answer');
    assert.equal(await geo.reopenIfChanged(), true);
    assert.notEqual(geo.lookup('81.2.69.160'), old);
    assert.equal(geo.lookup('81.2.69.160').city, '');
    assert.equal(geo.lookup('81.2.69.160').countryCode, 'GB');
    assert.match(geo.sources().city, /GeoLite2-Country/);
    assert.equal(await geo.reopenIfChanged(), false);
  });

  it('switches to a <file>.updated that appears', async () => {
    replace(fixture('GeoIP2-City-Test.mmdb'), `${city}.updated`, 20);
    assert.equal(await geo.reopenIfChanged(), true);
    assert.equal(geo.lookup('81.2.69.160').city, 'London');
    assert.match(geo.sources().city, /^GeoIP2-City mmdb .*\.updated/);
  });

  it('keeps the running data when the replacement is broken, and says which file', async () => {
    const before = geo.sources();
    replace(fixture('GeoIP2-City-Test-Broken-Double-Format.mmdb'), `${city}.updated`, 30);
    await assert.rejects(geo.reopenIfChanged(), (error: unknown) => error instanceof GeoIPError && error.file === `${city}.updated` && /double of size/.test(error.message));
    assert.equal(geo.lookup('81.2.69.160').city, 'London');
    assert.deepEqual(geo.sources(), before);
    // Still broken: still refused, still serving.
    await assert.rejects(geo.reopenIfChanged(), GeoIPError);
    assert.equal(geo.lookup('89.160.20.128').city, 'Linköping');
  });

  it('swaps nothing when one of two changed files is broken', async () => {
    replace(fixture('GeoLite2-Country-Test.mmdb'), `${city}.updated`, 40);
    writeFileSync(asn, '81.2.69.0,81.2.69.255,notanumber,Broken\n');
    await assert.rejects(geo.reopenIfChanged(), (error: unknown) => error instanceof GeoIPError && error.file === asn && /line 1: AS number/.test(error.message));
    assert.equal(geo.lookup('81.2.69.160').city, 'London', 'the valid new city file was not swapped in alone');
    assert.equal(geo.lookup('81.2.69.160').asn, 20712);
  });

  it('recovers once the files are fixed; concurrent calls reload once', async () => {
    writeFileSync(asn, '81.2.69.0,81.2.69.255,64512,Fixed\n');
    const results = await Promise.all([geo.reopenIfChanged(), geo.reopenIfChanged()]);
    assert.deepEqual(results, [true, false]);
    const where = geo.lookup('81.2.69.160');
    assert.equal(where.city, '');
    assert.equal(where.asn, 64512);
    assert.equal(where.asName, 'Fixed');
  });
});

describe('GeoIP.releaseWhenIdle (a primary that looks up rarely)', () => {
  const dir = tempDir();
  after(() => dir.remove());
  const city = join(dir.path, 'GeoLite2-City.mmdb');

  it('holds no data until used, loads it on use, and drops it again after the idle time', async () => {
    copyFileSync(fixture('GeoLite2-City-Test.mmdb'), city);
    const geo = await GeoIP.open({ ...testFiles, cityDatabase: city });
    try {
      const sources = geo.sources();
      geo.releaseWhenIdle(150);
      assert.equal(geo.lookup('81.2.69.160').valid, false, 'released: nothing known');
      assert.deepEqual(geo.sources(), sources, 'still says what it would read');
      const [a, b] = await Promise.all([geo.use(), geo.use()]);
      assert.equal(a, geo);
      assert.equal(b, geo);
      assert.equal(geo.lookup('81.2.69.160').city, 'London');
      // Each use renews the idle time.
      await new Promise((resolve) => setTimeout(resolve, 100));
      await geo.use();
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(geo.lookup('89.160.20.128').city, 'Linköping', 'used 100 ms ago: still loaded');
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(geo.lookup('81.2.69.160').valid, false, 'idle for 150 ms: released, the cached answers too');
      // The files are read again on the next use: a replacement made meanwhile is what it sees.
      replace(fixture('GeoLite2-Country-Test.mmdb'), city, 10);
      await geo.use();
      assert.equal(geo.lookup('81.2.69.160').city, '');
      assert.equal(geo.lookup('81.2.69.160').countryCode, 'GB');
      assert.match(geo.sources().city, /GeoLite2-Country/);
      // A file broken meanwhile: use names it.
      geo.releaseWhenIdle(150);
      replace(fixture('GeoIP2-City-Test-Broken-Double-Format.mmdb'), city, 20);
      await assert.rejects(geo.use(), (error: unknown) => error instanceof GeoIPError && error.file === city);
    } finally {
      geo.close();
    }
    assert.equal(geo.lookup('81.2.69.160').valid, false);
    await geo.use();
    assert.equal(geo.lookup('81.2.69.160').valid, false, 'closed stays closed');
  });
});

describe('GeoIP with the bundled ip-location-db data', () => {
  let geo: GeoIP;
  before(async () => {
    geo = await GeoIP.open({ cityDatabase: '', asnDatabase: '', databasePath: '' });
  });
  after(() => geo.close());

  const cases: [string, string, string, number][] = [
    ['8.8.8.8', 'US', 'NA', 15169],
    ['::ffff:8.8.8.8', 'US', 'NA', 15169],
    ['1.1.1.1', '', '', 13335],
    ['2001:4860:4860::8888', 'US', 'NA', 15169],
    ['2606:4700:4700::1111', '', '', 13335],
    ['[2606:4700:4700::1111]', '', '', 13335],
    ['81.2.69.160', 'GB', 'EU', 20712],
    ['10.0.0.1', '', '', 0],
    ['192.168.1.1', '', '', 0],
    ['127.0.0.1', '', '', 0],
    ['::1', '', '', 0],
  ];
  for (const [ip, cc, continent, asn] of cases) {
    it(`${ip} → ${cc || 'no country'}, AS${asn}`, () => {
      const where = geo.lookup(ip);
      assert.equal(where.countryCode, cc);
      assert.equal(where.continentCode, continent);
      assert.equal(where.asn, asn);
      assert.equal(where.valid, cc !== '');
      if (cc === 'US') {
        assert.equal(where.country, 'United States', 'country name from the table');
        assert.ok(where.latitude !== 0 && where.longitude !== 0);
      }
    });
  }

  it('names the bundled packages as its sources', () => {
    const { city, asn } = geo.sources();
    assert.match(city, /@ip-location-db\/geolite2-city-mmdb\/geolite2-city-ipv4\.mmdb.* \+ .*geolite2-city-ipv6\.mmdb/);
    assert.match(asn, /@ip-location-db\/asn\/asn-ipv4\.csv \(\d{6,} IPv4 ranges\) \+ .*asn-ipv6\.csv \(\d{5,} IPv6 ranges\)/);
  });

  it('an IPv4-only mmdb does not answer IPv6 addresses from their first 32 bits', async () => {
    const ipv4Only = geo.sources().city.split(' + ')[0]!.replace(/^city ipv4 mmdb (.*), built .*$/, '$1');
    const v4 = await GeoIP.open({ cityDatabase: ipv4Only, asnDatabase: fixture('GeoLite2-ASN-Test.mmdb'), databasePath: '' });
    assert.equal(v4.lookup('8.8.8.8').countryCode, 'US');
    // 2002:5102:45a0:: begins with the bits of 32.2.81.2; an unguarded walk would answer for that.
    assert.equal(v4.lookup('2002:5102:45a0::').valid, false);
    assert.equal(v4.lookup('2001:4860:4860::8888').valid, false);
    v4.close();
  });
});
