// Fallback ranking: country, then continent, configuration order otherwise; schemes per TLS; random when un-geolocated.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Fallback } from '../config/config.js';
import { rankFallbacks } from './fallback.js';
import { chiSquare, seededRandom, testClient } from './fixture.js';

const fallbacks: Fallback[] = [
  { url: 'us.example.org/', countryCode: 'us', continentCode: 'na' },
  { url: 'http://nocode.example.org/', countryCode: '', continentCode: '' },
  { url: 'de.example.org/', countryCode: 'de', continentCode: 'eu' },
  { url: 'https://fr.example.org/', countryCode: 'FR', continentCode: 'EU' },
  { url: 'it.example.org/', countryCode: 'IT', continentCode: 'EU' },
];
const never = (): number => {
  throw new Error('a geolocated client must not use randomness');
};

describe('rankFallbacks', () => {
  it('puts the client’s country first, then its continent, keeping configuration order among equals', () => {
    const ranked = rankFallbacks(fallbacks, testClient({ countryCode: 'FR', continentCode: 'EU', asn: 3215 }), 'any', never);
    assert.deepEqual(
      ranked.map((f) => f.url),
      [
        'https://fr.example.org/',
        'https://de.example.org/',
        'https://it.example.org/',
        'https://us.example.org/',
        'http://nocode.example.org/',
      ],
    );
    assert.deepEqual(ranked[1], { url: 'https://de.example.org/', countryCode: 'DE', continentCode: 'EU' });
  });

  it('ranks a country match above a continent match', () => {
    const ranked = rankFallbacks(fallbacks, testClient({ countryCode: 'US', continentCode: 'EU' }), 'any', never);
    assert.deepEqual(ranked.map((f) => f.countryCode), ['US', 'DE', 'FR', 'IT', '']);
  });

  it('keeps configuration order when nothing matches', () => {
    const ranked = rankFallbacks(fallbacks, testClient({ countryCode: 'JP', continentCode: 'AS' }), 'any', never);
    assert.deepEqual(ranked.map((f) => f.countryCode), ['US', '', 'DE', 'FR', 'IT']);
  });

  it('gives scheme-less URLs http:// only when plain HTTP is required, and keeps explicit schemes', () => {
    const client = testClient({ countryCode: 'JP', continentCode: 'AS' });
    for (const [tls, scheme] of [
      ['with', 'https://'],
      ['any', 'https://'],
      ['without', 'http://'],
    ] as const) {
      const urls = rankFallbacks(fallbacks, client, tls, never).map((f) => f.url);
      assert.deepEqual(urls, [
        `${scheme}us.example.org/`,
        'http://nocode.example.org/',
        `${scheme}de.example.org/`,
        'https://fr.example.org/',
        `${scheme}it.example.org/`,
      ]);
    }
  });

  it('shuffles uniformly for an un-geolocated client', () => {
    const client = testClient({ countryCode: '', continentCode: '', valid: false });
    const random = seededRandom(99);
    const three = fallbacks.slice(2);
    const seen = new Map<string, number>();
    for (let run = 0; run < 6000; run++) {
      const key = rankFallbacks(three, client, 'any', random)
        .map((f) => f.countryCode)
        .join(' ');
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    assert.equal(seen.size, 6, `all 6 orders of 3 fallbacks appear: ${[...seen.keys()].join(', ')}`);
    // 5 degrees of freedom, p = 0.001.
    const statistic = chiSquare([...seen.values()], new Array<number>(6).fill(1 / 6));
    assert.ok(statistic < 20.52, `chi-square ${statistic.toFixed(2)}`);
  });

  it('returns an empty list for no fallbacks', () => {
    assert.deepEqual(rankFallbacks([], testClient(), 'any', never), []);
  });
});
