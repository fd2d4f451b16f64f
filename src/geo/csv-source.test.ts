import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '../../test/support/paths.js';
import { splitCsv } from './csv-source.js';
import { openSource } from './open-source.js';
import { GeoIPError } from './source.js';
import type { GeoRole, GeoSource } from './source.js';

const dir = tempDir();
after(() => dir.remove());

const csv = async (name: string, lines: string[] | string, role: GeoRole): Promise<GeoSource> => {
  const file = join(dir.path, name);
  writeFileSync(file, Array.isArray(lines) ? `${lines.join('\n')}\n` : lines);
  return openSource(file, role);
};

const refusedAt = (name: string, line: number, pattern: RegExp) => (error: unknown) => {
  const file = join(dir.path, name);
  return error instanceof GeoIPError && error.file === file && error.message.startsWith(`GeoIP database ${file}: line ${line}: `) && pattern.test(error.message);
};

describe('splitCsv', () => {
  const cases: [string, string[] | undefined][] = [
    ['a,b,c', ['a', 'b', 'c']],
    ['13335,"Cloudflare, Inc."', ['13335', 'Cloudflare, Inc.']],
    ['201907,"LLC ""SPUTNIK"""', ['201907', 'LLC "SPUTNIK"']],
    ['"",x,', ['', 'x', '']],
    ['1,"a""b,c",d', ['1', 'a"b,c', 'd']],
    ['1,"open', undefined],
    ['1,"closed"junk', undefined],
    ['1,in"side', undefined],
  ];
  for (const [text, expected] of cases) it(JSON.stringify(text), () => assert.deepEqual(splitCsv(text), expected));
});

describe('ip-location-db ASN CSV', () => {
  const lines = [
    '1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."',
    '1.0.4.0,1.0.7.255,38803,Gtelecom Pty Ltd',
    '2.26.200.0,2.26.215.255,201907,"LLC ""SPUTNIK"""',
    '8.8.8.0,8.8.8.255,15169,Google LLC',
    '223.255.255.0,255.255.255.255,4242,Top',
    '2001::,2001::ffff:ffff:ffff:ffff:ffff:ffff,6939,Hurricane Electric LLC',
    '2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC',
    '2c0f:fff0::,2c0f:fff0:ffff:ffff:ffff:ffff:ffff:ffff,37125,Layer3',
  ];
  const expectations: [string, number | undefined, string?][] = [
    ['1.0.0.0', 13335, 'Cloudflare, Inc.'],
    ['1.0.0.255', 13335],
    ['::ffff:1.0.0.7', 13335],
    ['1.0.1.0', undefined],
    ['0.255.255.255', undefined],
    ['1.0.3.255', undefined],
    ['1.0.4.0', 38803, 'Gtelecom Pty Ltd'],
    ['1.0.7.255', 38803],
    ['1.0.8.0', undefined],
    ['2.26.201.1', 201907, 'LLC "SPUTNIK"'],
    ['8.8.8.8', 15169, 'Google LLC'],
    ['255.255.255.255', 4242],
    ['2001::1', 6939, 'Hurricane Electric LLC'],
    ['2001:0:ffff::', 6939],
    ['2001:1::', undefined],
    ['2001:4860:4860::8888', 15169, 'Google LLC'],
    ['[2001:4860:4860::8888]', 15169],
    ['2c0f:fff0:ffff:ffff:ffff:ffff:ffff:ffff', 37125],
    ['2c0f:fff1::', undefined],
    ['::', undefined],
    ['nonsense', undefined],
    ['1.0.0', undefined],
  ];

  const check = (source: GeoSource): void => {
    for (const [ip, asn, name] of expectations) {
      const got = source.lookup(ip);
      assert.equal(got?.asn, asn, ip);
      if (name !== undefined) assert.equal(got?.asName, name, ip);
    }
  };

  it('text addresses, IPv4 and IPv6 in one file', async () => {
    const source = await csv('asn.csv', lines, 'asn');
    check(source);
    assert.match(source.describe, /^ip-location-db asn CSV .*asn\.csv \(5 IPv4 \+ 3 IPv6 ranges\)$/);
  });

  it('the -num forms (integers, family from the file name), as an IPv4 + IPv6 pair', async () => {
    const number = (ip: string): string => {
      if (!ip.includes(':')) return String(ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0));
      const url = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
      const [head = '', tail = ''] = url.split('::');
      const groups = [...head.split(':').filter(Boolean), ...Array(8 - head.split(':').filter(Boolean).length - tail.split(':').filter(Boolean).length).fill('0'), ...tail.split(':').filter(Boolean)];
      return BigInt(`0x${groups.map((g) => g.padStart(4, '0')).join('')}`).toString();
    };
    const numeric = (list: string[]): string[] =>
      list.map((line) => {
        const [start = '', end = '', ...rest] = line.split(',');
        return [number(start), number(end), ...rest].join(',');
      });
    const v4 = await csv('asn-ipv4-num.csv', numeric(lines.filter((l) => !l.includes(':'))), 'asn');
    const v6 = await csv('asn-ipv6-num.csv', numeric(lines.filter((l) => l.includes(':'))), 'asn');
    assert.match(v6.describe, /\(3 IPv6 ranges\)/);
    check({ describe: '', lookup: (ip) => v4.lookup(ip) ?? v6.lookup(ip) });
    assert.equal(v4.lookup('2001::1'), undefined);
    assert.equal(v6.lookup('8.8.8.8'), undefined);
  });

  it('CRLF line ends, a byte order mark, blank and comment lines, no final newline', async () => {
    const source = await csv('crlf.csv', `\ufeff# ASN data\r\n${lines.slice(0, 2).join('\r\n')}\r\n\r\n${lines[3]}`, 'asn');
    assert.equal(source.lookup('1.0.0.1')?.asName, 'Cloudflare, Inc.');
    assert.equal(source.lookup('1.0.5.5')?.asName, 'Gtelecom Pty Ltd');
    assert.equal(source.lookup('8.8.8.8')?.asName, 'Google LLC');
  });

  it('UTF-8 names survive', async () => {
    const source = await csv('utf8.csv', ['5.0.0.0,5.0.0.255,3215,Orange S.A. – Télécom', '5.0.1.0,5.0.1.255,1,"Ünïcode, ☃"'], 'asn');
    assert.equal(source.lookup('5.0.0.1')?.asName, 'Orange S.A. – Télécom');
    assert.equal(source.lookup('5.0.1.1')?.asName, 'Ünïcode, ☃');
  });

  it('unsorted lines and nested or overlapping ranges: the containing range that starts last wins', async () => {
    const source = await csv(
      'overlap.csv',
      [
        '10.0.0.0,10.255.255.255,1,Wide',
        '10.1.0.0,10.1.255.255,2,Narrow',
        '9.0.0.0,9.0.0.255,3,Before',
        '10.1.2.0,10.1.2.255,4,Narrowest',
        '10.2.0.0,11.0.0.255,5,Straddling',
        '2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,6,Doc',
        '2001:db8:1::,2001:db8:1:ffff:ffff:ffff:ffff:ffff,7,Doc-1',
        '2001::,2001::ffff,8,First',
      ],
      'asn',
    );
    const expected: [string, number | undefined][] = [
      ['9.0.0.1', 3],
      ['10.0.0.1', 1],
      ['10.1.0.1', 2],
      ['10.1.2.3', 4],
      ['10.1.3.0', 2],
      ['10.1.255.255', 2],
      ['10.2.0.0', 5],
      ['10.255.255.255', 5],
      ['11.0.0.255', 5],
      ['11.0.1.0', undefined],
      ['2001:db8::1', 6],
      ['2001:db8:1::1', 7],
      ['2001:db8:2::1', 6],
      ['2001::1', 8],
      ['2001::1:0', undefined],
    ];
    for (const [ip, asn] of expected) assert.equal(source.lookup(ip)?.asn, asn, ip);
  });

  it('AS 0 means "not routed": no answer', async () => {
    const source = await csv('as0.csv', ['1.0.0.0,1.0.0.255,0,', '1.0.1.0,1.0.1.255,7,'], 'asn');
    assert.equal(source.lookup('1.0.0.1'), undefined);
    assert.deepEqual(source.lookup('1.0.1.1'), { asn: 7, asName: '' });
  });

  it('quoted and unquoted fields, empty names, leading zeros', async () => {
    const source = await csv('quoting.csv', ['1.0.0.0,1.0.0.255,7,', '1.0.1.0,1.0.1.255,"8",x', '1.0.2.0,1.0.2.255,009,"a, ""b"""', '1.0.3.0,1.0.3.255,10,""', '1.0.4.0,1.0.4.255,11, spaced '], 'asn');
    const expected: [string, unknown][] = [
      ['1.0.0.1', { asn: 7, asName: '' }],
      ['1.0.1.1', { asn: 8, asName: 'x' }],
      ['1.0.2.1', { asn: 9, asName: 'a, "b"' }],
      ['1.0.3.1', { asn: 10, asName: '' }],
      ['1.0.4.1', { asn: 11, asName: ' spaced ' }],
    ];
    // Twice: decoded, then remembered.
    for (let pass = 0; pass < 2; pass++) for (const [ip, fields] of expected) assert.deepEqual(source.lookup(ip), fields, ip);
  });

  it('lines across read chunks: long names, CRLF, many distinct values', async () => {
    const names = Array.from({ length: 3000 }, (_, i) => `Network ${i} ${'é'.repeat(i % 50)}${'x'.repeat(i % 97)}`);
    const lines = names.map((name, i) => `${i >> 8}.${i & 255}.0.0,${i >> 8}.${i & 255}.255.255,${i + 1},"${name}"`);
    // One name far longer than a read chunk.
    lines.push(`200.0.0.0,200.0.0.255,99999,${'y'.repeat(200_000)}`);
    const source = await csv('chunks.csv', `${lines.join('\r\n')}\r\n`, 'asn');
    for (let i = 0; i < names.length; i += 7) assert.deepEqual(source.lookup(`${i >> 8}.${i & 255}.1.2`), { asn: i + 1, asName: names[i] });
    assert.equal(source.lookup('200.0.0.1')?.asName?.length, 200_000);
    assert.match(source.describe, /\(3001 IPv4 ranges\)/);
  });
});

describe('ip-location-db country and city CSV', () => {
  it('country: code, continent and name from the table', async () => {
    const source = await csv('country.csv', ['1.0.0.0,1.0.0.255,AU', '1.0.1.0,1.0.3.255,cn', '2.0.0.0,2.0.0.255,ZZ', '2a01::,2a01:ffff:ffff:ffff:ffff:ffff:ffff:ffff,fr'], 'location');
    assert.deepEqual(source.lookup('1.0.0.1'), { countryCode: 'AU', continentCode: 'OC', country: 'Australia' });
    assert.deepEqual(source.lookup('1.0.2.0'), { countryCode: 'CN', continentCode: 'AS', country: 'China' });
    assert.equal(source.lookup('2.0.0.1'), undefined, 'unknown code');
    assert.deepEqual(source.lookup('2a01:e0a::1'), { countryCode: 'FR', continentCode: 'EU', country: 'France' });
    assert.match(source.describe, /^ip-location-db country CSV /);
  });

  it('city: position and city name, empty fields allowed', async () => {
    const source = await csv(
      'city.csv',
      [
        '1.0.0.0,1.0.0.255,AU,Queensland,,Brisbane,4000,-27.4679,153.0281,Australia/Brisbane',
        '90.84.0.0,90.84.255.255,FR,"Auvergne-Rhône-Alpes",Rhône,Lyon,69001,45.764,4.8357,Europe/Paris',
        '3.0.0.0,3.0.0.255,US,,,,,,,',
        '2a01:cb00::,2a01:cbff:ffff:ffff:ffff:ffff:ffff:ffff,FR,,,"Paris, 1er",,48.8566,2.3522,',
      ],
      'location',
    );
    assert.deepEqual(source.lookup('1.0.0.1'), { countryCode: 'AU', continentCode: 'OC', country: 'Australia', city: 'Brisbane', latitude: -27.4679, longitude: 153.0281 });
    assert.deepEqual(source.lookup('90.84.12.34'), { countryCode: 'FR', continentCode: 'EU', country: 'France', city: 'Lyon', latitude: 45.764, longitude: 4.8357 });
    assert.deepEqual(source.lookup('3.0.0.3'), { countryCode: 'US', continentCode: 'NA', country: 'United States' });
    assert.equal(source.lookup('2a01:cb00::1')?.city, 'Paris, 1er');
    assert.match(source.describe, /^ip-location-db city CSV .*\(3 IPv4 \+ 1 IPv6 ranges\)/);
  });

  it('refuses the wrong kind for the role asked', async () => {
    await assert.rejects(csv('asn-as-city.csv', ['1.0.0.0,1.0.0.255,13335,Cloudflare'], 'location'), /asn-as-city\.csv: is an ASN CSV, not a city or country one/);
    await assert.rejects(csv('country-as-asn.csv', ['1.0.0.0,1.0.0.255,AU'], 'asn'), /country-as-asn\.csv: is a country CSV, not an ASN one/);
  });
});

describe('malformed CSV lines fail the load, naming file and line', () => {
  const good = '1.0.0.0,1.0.0.255,13335,Cloudflare';
  const cases: [string, string[], GeoRole, number, RegExp][] = [
    ['bad-ip', [good, '1.0.1.0,1.0.1.256,1,x'], 'asn', 2, /"1\.0\.1\.256" is not an IP address/],
    ['leading-zero', ['01.0.0.0,1.0.0.255,1,x'], 'asn', 1, /"01\.0\.0\.0" is not an IP address/],
    ['reversed', [good, '', '1.0.2.0,1.0.1.0,1,x'], 'asn', 3, /start address is after end address/],
    ['reversed-v6', ['2001::2,2001::1,1,x'], 'asn', 1, /start address is after end address/],
    ['mixed', ['1.0.0.0,2001::,1,x'], 'asn', 1, /different IP versions/],
    ['too-few', [good, '1.0.1.0,1.0.1.255'], 'asn', 2, /fewer than 3 fields/],
    ['one-field', ['garbage'], 'asn', 1, /fewer than 3 fields/],
    ['five-fields', ['1.0.0.0,1.0.0.255,1,x,y'], 'asn', 1, /5 fields, expected 3 \(country\), 4 \(ASN\) or 10 \(city\)/],
    ['layout-change', [good, '1.0.1.0,1.0.1.255,AU'], 'asn', 2, /3 fields, expected the asn layout of the first line/],
    ['quoting', [good, '1.0.1.0,1.0.1.255,1,"open'], 'asn', 2, /broken quoting/],
    ['asn-text', ['1.0.0.0,1.0.0.255,AS13335,Cloudflare'], 'asn', 1, /AS number "AS13335" is not a number/],
    ['asn-big', ['1.0.0.0,1.0.0.255,4294967296,x'], 'asn', 1, /AS number "4294967296"/],
    ['country-code', ['1.0.0.0,1.0.0.255,FRA'], 'location', 1, /country code "FRA" is not two letters/],
    ['latitude', ['1.0.0.0,1.0.0.255,FR,,,Lyon,,north,4.8,'], 'location', 1, /latitude "north" is not a number from -90 to 90/],
    ['longitude', ['1.0.0.0,1.0.0.255,FR,,,Lyon,,45.7,181,'], 'location', 1, /longitude "181" is not a number from -180 to 180/],
    ['half-position', ['1.0.0.0,1.0.0.255,FR,,,Lyon,,45.7,,'], 'location', 1, /longitude "" is not a number/],
    ['num-overflow-ipv4-num', ['16777216,4294967296,1,x'], 'asn', 1, /"4294967296" is not an IPv4 address number/],
    ['num-text-mix-ipv4-num', ['16777216,16777471,1,x', '1.0.1.0,1.0.1.255,2,y'], 'asn', 2, /"1\.0\.1\.0" is not an IPv4 address number/],
    ['num-ipv6-num', ['1,340282366920938463463374607431768211456,1,x'], 'asn', 1, /is not an IPv6 address number/],
  ];
  for (const [name, lines, role, line, message] of cases) {
    it(`${name}: line ${line}`, async () => {
      await assert.rejects(csv(`${name}.csv`, lines, role), refusedAt(`${name}.csv`, line, message));
    });
  }

  it('a file with no ranges', async () => {
    await assert.rejects(csv('comments.csv', ['# nothing', ''], 'asn'), /comments\.csv: holds no ranges/);
  });
});
