import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { continentOf, countryCodes, countryName, isContinentCode, isCountryCode } from './continents.js';

describe('continents', () => {
  // The continent MaxMind assigns (GeoNames), including the transcontinental choices.
  const cases: [string, string, string][] = [
    ['FR', 'EU', 'France'],
    ['US', 'NA', 'United States'],
    ['BR', 'SA', 'Brazil'],
    ['AU', 'OC', 'Australia'],
    ['JP', 'AS', 'Japan'],
    ['EG', 'AF', 'Egypt'],
    ['AQ', 'AN', 'Antarctica'],
    ['RU', 'EU', 'Russia'],
    ['TR', 'AS', 'Türkiye'],
    ['CY', 'EU', 'Cyprus'],
    ['GE', 'AS', 'Georgia'],
    ['KZ', 'AS', 'Kazakhstan'],
    ['PA', 'NA', 'Panama'],
    ['GL', 'NA', 'Greenland'],
    ['TL', 'OC', 'Timor-Leste'],
    ['GS', 'AN', 'South Georgia and South Sandwich Islands'],
    ['TF', 'AN', 'French Southern Territories'],
    ['RE', 'AF', 'Réunion'],
    ['XK', 'EU', 'Kosovo'],
    ['GB', 'EU', 'United Kingdom'],
    ['CW', 'NA', 'Curaçao'],
    ['SS', 'AF', 'South Sudan'],
  ];
  for (const [cc, continent, name] of cases) {
    it(`${cc} → ${continent}, ${name}`, () => {
      assert.equal(continentOf(cc), continent);
      assert.equal(countryName(cc), name);
      assert.equal(isCountryCode(cc), true);
    });
  }

  it('covers all of ISO 3166-1 (249 codes) plus XK, each with a continent and a name', () => {
    const codes = countryCodes();
    assert.equal(codes.length, 250);
    assert.deepEqual([...codes].sort(), codes, 'sorted');
    for (const cc of codes) {
      assert.match(cc, /^[A-Z]{2}$/);
      assert.ok(isContinentCode(continentOf(cc)), `${cc} has continent ${continentOf(cc)}`);
      assert.notEqual(countryName(cc), '', `${cc} has a name`);
    }
    const perContinent = new Map<string, number>();
    for (const cc of codes) perContinent.set(continentOf(cc), (perContinent.get(continentOf(cc)) ?? 0) + 1);
    assert.deepEqual([...perContinent.keys()].sort(), ['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA']);
  });

  it('ignores case and answers "" for codes it does not know', () => {
    assert.equal(continentOf('fr'), 'EU');
    assert.equal(countryName('de'), 'Germany');
    assert.equal(isCountryCode('jp'), true);
    for (const code of ['ZZ', 'UK', 'EU', '', 'FRA', 'F']) {
      assert.equal(isCountryCode(code), false, code);
      assert.equal(continentOf(code), '', code);
      assert.equal(countryName(code), '', code);
    }
  });

  it('knows the seven continent codes only', () => {
    for (const c of ['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA', 'eu']) assert.equal(isContinentCode(c), true, c);
    for (const c of ['', 'AM', 'ME', 'OCE', 'E']) assert.equal(isContinentCode(c), false, c);
  });
});
