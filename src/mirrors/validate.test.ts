import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MirrorInputError, normalizeFtpURL, normalizeHttpURL, normalizeRsyncURL, validateName, validateSettingsPatch } from './validate.js';

describe('normalizeHttpURL', () => {
  const ok: [string, string][] = [
    ['http://mirror.example.org/pub', 'http://mirror.example.org/pub/'],
    ['https://mirror.example.org/pub/', 'https://mirror.example.org/pub/'],
    ['mirror.example.org/pub', 'mirror.example.org/pub/'],
    ['127.0.0.1:8080/x', '127.0.0.1:8080/x/'],
    ['http://[::1]:8080/', 'http://[::1]:8080/'],
    ['HTTP://Mirror.Example.org/a', 'http://mirror.example.org/a/'],
  ];
  for (const [input, expected] of ok) it(`accepts ${input}`, () => assert.equal(normalizeHttpURL(input), expected));
  const bad = ['', 'ftp://x.org/', 'javascript://alert(1)', 'http://', 'http://user:pw@x.org/', 'http://x.org/a b', 'http://x.org/?q=1', 'http://exa_mple..org/'];
  for (const input of bad) {
    it(`refuses ${JSON.stringify(input)}`, () => assert.throws(() => normalizeHttpURL(input), (e: unknown) => e instanceof MirrorInputError && e.message.startsWith('http:')));
  }
});

describe('scan URLs', () => {
  it('keeps credentials in rsync URLs (they are redacted when shown)', () => assert.equal(normalizeRsyncURL('rsync://u:p@h/mod'), 'rsync://u:p@h/mod/'));
  it('refuses a wrong scheme', () => assert.throws(() => normalizeRsyncURL('http://h/'), /rsync:/));
  it('accepts ftp', () => assert.equal(normalizeFtpURL('ftp://h:2121/pub'), 'ftp://h:2121/pub/'));
  it('empty means none', () => assert.equal(normalizeFtpURL(''), ''));
});

describe('validateName', () => {
  for (const name of ['fr-paris', 'mirror.example.org', 'a', 'A_1']) it(`accepts ${name}`, () => assert.equal(validateName(name), name));
  for (const name of ['', 'with space', '-lead', 'x'.repeat(65), 'a/b', 'é']) it(`refuses ${JSON.stringify(name)}`, () => assert.throws(() => validateName(name), MirrorInputError));
});

describe('validateSettingsPatch', () => {
  it('normalises countries and continents', () => {
    assert.deepEqual(validateSettingsPatch({ countryCodes: 'fr, de be', continentCode: 'eu' }), { countryCodes: ['FR', 'DE', 'BE'], continentCode: 'EU' });
  });
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ countryCodes: 'FRA' }, /countryCodes: "FRA" is not a two-letter country code/],
    [{ continentCode: 'XX' }, /continent/],
    [{ latitude: '91' }, /latitude/],
    [{ score: 'abc' }, /score/],
    [{ asnum: -1 }, /asnum/],
    [{ allowRedirects: 'maybe' }, /allowRedirects/],
    [{ colour: 'red' }, /colour: unknown mirror field/],
    [{ enabled: 'yes' }, /enabled/],
  ];
  for (const [input, message] of bad) it(`refuses ${JSON.stringify(input)}`, () => assert.throws(() => validateSettingsPatch(input), message));
});
