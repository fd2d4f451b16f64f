// Syntax of addresses, networks, fallback URLs and location codes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkCIDR, checkContinentCode, checkCountryCode, checkHostPort, checkListenAddress, checkMirrorURL } from './formats.js';
import { closestName } from './suggest.js';

describe('checkListenAddress', () => {
  const good = [':8080', '127.0.0.1:3391', 'localhost:80', 'redirector.example.org:443', '[::1]:8080', '[::]:0',
    '0.0.0.0:65535', 'unix:/run/signpost.sock', 'unix:relative.sock'];
  for (const text of good) it(`accepts ${text}`, () => assert.equal(checkListenAddress(text), text));
  const bad = ['8080', ':', ':65536', ':80a', 'host:', '::1:8080', '[::1]', '[127.0.0.1]:80', '[zz]:80', 'a b:80',
    'unix:', 'http://host:80', '1.2.3:80', '-host:80', 'host:80:90', ''];
  for (const text of bad) it(`refuses ${JSON.stringify(text)}`, () => assert.equal(checkListenAddress(text), undefined));
  it('does not take unix sockets where only host:port fits', () => assert.equal(checkHostPort('unix:/x'), undefined));
});

describe('checkCIDR', () => {
  const cases: Array<[string, string | undefined]> = [
    ['127.0.0.0/8', '127.0.0.0/8'],
    ['10.1.2.3', '10.1.2.3/32'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['::1/128', '::1/128'],
    ['2001:db8::/32', '2001:db8::/32'],
    ['::1', '::1/128'],
    ['::ffff:10.0.0.0/104', '::ffff:10.0.0.0/104'],
    ['10.0.0.0/08', '10.0.0.0/8'],
    ['10.0.0.0/33', undefined],
    ['::/129', undefined],
    ['10.0.0/8', undefined],
    ['10.0.0.0/', undefined],
    ['10.0.0.0/8/8', undefined],
    ['10.0.0.0/-1', undefined],
    ['example.org/8', undefined],
    ['', undefined],
  ];
  for (const [text, expected] of cases) it(`${JSON.stringify(text)} → ${expected}`, () => assert.equal(checkCIDR(text), expected));
});

describe('checkMirrorURL', () => {
  const good: Array<[string, string]> = [
    ['http://fallback1.mirror/repo', 'http://fallback1.mirror/repo/'],
    ['https://fallback1.mirror/repo/', 'https://fallback1.mirror/repo/'],
    ['HTTPS://Mirror.example.org/', 'https://Mirror.example.org/'],
    ['mirror.example.org/pub', 'mirror.example.org/pub/'],
    ['mirror.example.org:8080/pub/', 'mirror.example.org:8080/pub/'],
    ['http://[2001:db8::1]:8080/x', 'http://[2001:db8::1]:8080/x/'],
    ['mirror.example.org', 'mirror.example.org/'],
  ];
  for (const [text, url] of good) it(`accepts ${text}`, () => assert.deepEqual(checkMirrorURL(text), { url }));
  const bad: Array<[string, RegExp]> = [
    ['ftp://mirror.example.org/pub/', /only http:\/\/, https:\/\/ or scheme-less/],
    ['rsync://mirror.example.org/pub/', /only http:\/\/, https:\/\/ or scheme-less/],
    ['', /expected an http/],
    ['/pub/', /expected an http/],
    ['//mirror.example.org/pub/', /expected an http/],
    ['http:///pub', /expected an http/],
    ['http://mirror.example.org/a b', /expected an http/],
    ['http://mirror.example.org/?q=1', /no query or fragment/],
  ];
  for (const [text, problem] of bad) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      const result = checkMirrorURL(text);
      assert.ok('problem' in result, `accepted ${text}`);
      assert.match(result.problem, problem);
    });
  }
});

describe('location codes', () => {
  it('upper-cases valid codes', () => {
    assert.equal(checkCountryCode('fr'), 'FR');
    assert.equal(checkContinentCode('eu'), 'EU');
    assert.equal(checkContinentCode('OC'), 'OC');
  });
  it('refuses malformed codes', () => {
    for (const text of ['', 'F', 'FRA', 'F1', 'é1']) assert.equal(checkCountryCode(text), undefined, text);
    for (const text of ['', 'EUR', 'XX', 'E']) assert.equal(checkContinentCode(text), undefined, text);
  });
});

describe('closestName', () => {
  const keys = ['Repository', 'ScanInterval', 'CheckInterval', 'RepositoryScanInterval', 'Gzip', 'MD5', 'SHA1'];
  const cases: Array<[string, string | undefined]> = [
    ['repository', 'Repository'],
    ['ScanIntervall', 'ScanInterval'],
    ['Repositroy', 'Repository'],
    ['CheckIntervals', 'CheckInterval'],
    ['gzip', 'Gzip'],
    ['SHA2', 'SHA1'],
    ['Listen', undefined],
    ['Completely different', undefined],
  ];
  for (const [name, expected] of cases) it(`${name} → ${expected}`, () => assert.equal(closestName(name, keys), expected));
});
