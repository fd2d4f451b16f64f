// Selection end to end: the Lyon worked example, the weighted draw, truncation and the un-geolocated path.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { candidatesFor, chiSquare, copyOf, seededRandom, testClient, testFile, testMirror } from './fixture.js';
import { INVALID_FILE_REASON, scoreOrder, selectMirrors, type SelectionOptions } from './select.js';
import type { Mirror } from '../mirrors/mirror.js';

const options = (overrides: Partial<SelectionOptions> = {}): SelectionOptions => ({
  weightDistributionRange: 1.5,
  allowOutdatedFiles: [],
  fixTimezoneOffsets: false,
  purpose: 'redirect',
  random: seededRandom(1),
  ...overrides,
});

const lyon = testClient({ countryCode: 'FR', continentCode: 'EU', latitude: 45.764, longitude: 4.8357, asn: 3215 });

// mirrorbits.md §3.6. Paris sits a little north of its usual coordinates so its distance is the table's 392.1 km.
const worked = (): Mirror[] => [
  testMirror({ name: 'fr-marseille', countryCodes: ['FR'], asnum: 8218, latitude: 43.2965, longitude: 5.3698 }),
  testMirror({ name: 'ch-zurich', countryCodes: ['CH'], asnum: 559, latitude: 47.3769, longitude: 8.5417 }),
  testMirror({ name: 'fr-paris', countryCodes: ['FR'], asnum: 16276, latitude: 48.863, longitude: 2.3522 }),
  testMirror({ name: 'fr-lille', countryCodes: ['FR'], asnum: 1000, score: -50, latitude: 50.6292, longitude: 3.0573 }),
  testMirror({ name: 'de-frankfurt', countryCodes: ['DE', 'FR'], asnum: 3215, score: 20, latitude: 50.1109, longitude: 8.6821 }),
  testMirror({ name: 'us-nyc', countryCodes: ['US'], asnum: 6939, latitude: 40.7128, longitude: -74.006 }),
];

const table = {
  'de-frankfurt': { km: '561.7', score: 17432, share: '45.5' },
  'fr-marseille': { km: '277.6', score: 11738, share: '22.5' },
  'fr-paris': { km: '392.1', score: 11508, share: '21.6' },
  'ch-zurich': { km: '335.2', score: 8717, share: '10.4' },
  'fr-lille': { km: '556.8', score: 4477, share: '0.0' },
  'us-nyc': { km: '6146.1', score: 1, share: '0.0' },
};
const eligibleNames = ['de-frankfurt', 'fr-marseille', 'fr-paris', 'ch-zurich'];
const eligibleShares = [11286, 5592, 5362, 2571].map((w) => w / 24811);

describe('worked example: a client in Lyon', () => {
  const file = testFile();
  const candidates = candidatesFor(file, worked());

  it('lists all six mirrors in score order with distances, scores and shares of the table', () => {
    const { choices, excluded } = selectMirrors(file, lyon, candidates, 'any', options({ purpose: 'list' }));
    assert.deepEqual(excluded, []);
    assert.deepEqual(
      choices.map((c) => c.mirror.name),
      Object.keys(table),
    );
    for (const c of choices) {
      const row = table[c.mirror.name as keyof typeof table];
      assert.equal(c.distance.toFixed(1), row.km, `${c.mirror.name} distance`);
      assert.equal(c.score, row.score, `${c.mirror.name} score`);
      assert.equal(c.share.toFixed(1), row.share, `${c.mirror.name} share`);
      assert.equal(c.url, `https://${c.mirror.name}.example.org/pub/`);
    }
    const total = choices.reduce((sum, c) => sum + c.share, 0);
    assert.ok(Math.abs(total - 100) < 1e-9);
  });

  it('redirects only among the four eligible mirrors, each once, never to Lille or New York', () => {
    const random = seededRandom(42);
    for (let run = 0; run < 500; run++) {
      const { choices } = selectMirrors(file, lyon, candidates, 'any', options({ random }));
      assert.deepEqual(choices.map((c) => c.mirror.name).sort(), [...eligibleNames].sort());
      for (const c of choices) assert.equal(c.share.toFixed(1), table[c.mirror.name as keyof typeof table].share);
    }
  });

  it('walks the cumulative weights in score order: r = 0 picks Frankfurt, r → 1 picks Zurich', () => {
    const first = (r: number): string =>
      selectMirrors(file, lyon, candidates, 'any', options({ random: () => r })).choices[0].mirror.name;
    assert.equal(first(0), 'de-frankfurt');
    assert.equal(first(11285.5 / 24811), 'de-frankfurt');
    assert.equal(first(11286.5 / 24811), 'fr-marseille');
    assert.equal(first(0.999999), 'ch-zurich');
  });

  it('makes each eligible mirror the first choice as often as its share (chi-square, p = 0.001)', () => {
    const random = seededRandom(2024);
    const counts = [0, 0, 0, 0];
    const runs = 20_000;
    for (let run = 0; run < runs; run++) {
      const { choices } = selectMirrors(file, lyon, candidates, 'any', options({ random }));
      counts[eligibleNames.indexOf(choices[0].mirror.name)]++;
    }
    const statistic = chiSquare(counts, eligibleShares);
    assert.ok(statistic < 16.27, `chi-square ${statistic.toFixed(2)} ≥ 16.27 for counts ${counts.join(' ')}`);
  });

  it('the statistical test can fail: uniform first choices are rejected', () => {
    const statistic = chiSquare([5000, 5000, 5000, 5000], eligibleShares);
    assert.ok(statistic > 16.27);
  });
});

describe('truncation of redirects', () => {
  const file = testFile();
  const client = testClient({ latitude: 48, longitude: 2 });
  // Seven mirrors within a few km of each other and the client: all in range of the closest, all eligible.
  const near = Array.from({ length: 7 }, (_, i) =>
    testMirror({ name: `near-${i}`, countryCodes: ['FR'], latitude: 48 + i * 0.01, longitude: 2 }),
  );
  const far = testMirror({ name: 'far', countryCodes: ['JP'], latitude: 35, longitude: 139 });

  it('returns at most five eligible mirrors and drops the non-eligible ones', () => {
    const { choices } = selectMirrors(file, client, candidatesFor(file, [...near, far]), 'any', options());
    assert.equal(choices.length, 5);
    assert.equal(new Set(choices.map((c) => c.mirror.name)).size, 5);
    assert.ok(choices.every((c) => c.mirror.name !== 'far' && c.share > 0));
  });

  it('lists every accepted mirror for the list purpose', () => {
    const { choices } = selectMirrors(file, client, candidatesFor(file, [...near, far]), 'any', options({ purpose: 'list' }));
    assert.equal(choices.length, 8);
    assert.equal(choices[7].mirror.name, 'far');
    assert.equal(choices[7].share, 0);
  });

  it('with one eligible mirror (k = 1) returns all accepted mirrors by score, the first with share 100', () => {
    const mirrors = [far, near[0], testMirror({ name: 'mid', countryCodes: ['US'], latitude: 40, longitude: -74 })];
    const { choices } = selectMirrors(file, client, candidatesFor(file, mirrors), 'any', options());
    assert.deepEqual(
      choices.map((c) => [c.mirror.name, c.share]),
      [
        ['near-0', 100],
        ['mid', 0],
        ['far', 0],
      ],
    );
  });

  it('with no eligible mirror (k = 0) returns all accepted mirrors in score order, untruncated, without shares', () => {
    const pinned = Array.from({ length: 7 }, (_, i) =>
      testMirror({ name: `pinned-${6 - i}`, countryCodes: ['FR'], score: -100, latitude: 40 + i, longitude: 2 }),
    );
    const { choices } = selectMirrors(file, client, candidatesFor(file, pinned), 'any', options());
    assert.equal(choices.length, 7);
    assert.ok(choices.every((c) => c.score === 1 && c.share === 0));
    assert.deepEqual(
      choices.map((c) => c.mirror.name),
      ['pinned-0', 'pinned-1', 'pinned-2', 'pinned-3', 'pinned-4', 'pinned-5', 'pinned-6'],
      'ties broken by name',
    );
  });

  it('returns a lone mirror at a distance, not eligible (score 1)', () => {
    const { choices } = selectMirrors(file, client, candidatesFor(file, [far]), 'any', options());
    assert.deepEqual(
      choices.map((c) => [c.mirror.name, c.score, c.share]),
      [['far', 1, 0]],
    );
  });

  it('makes a mirror at distance 0 eligible, alone or with others', () => {
    const here = testMirror({ name: 'here', countryCodes: ['FR'], latitude: 48, longitude: 2 });
    const alone = selectMirrors(file, client, candidatesFor(file, [here]), 'any', options()).choices;
    assert.deepEqual(
      alone.map((c) => [c.mirror.name, c.distance, c.share]),
      [['here', 0, 100]],
    );
    const withFar = selectMirrors(file, client, candidatesFor(file, [far, here]), 'any', options()).choices;
    assert.deepEqual(
      withFar.map((c) => [c.mirror.name, c.share]),
      [
        ['here', 100],
        ['far', 0],
      ],
    );
  });

  it('never redirects to a mirror whose score modifier is −100 or less', () => {
    for (const score of [-100, -250]) {
      const mirrors = worked();
      mirrors[0].score = score; // fr-marseille, otherwise the second best
      const list = selectMirrors(file, lyon, candidatesFor(file, mirrors), 'any', options({ purpose: 'list' })).choices;
      assert.deepEqual(
        list.slice(-2).map((c) => [c.mirror.name, c.score, c.share]),
        [
          ['fr-marseille', 1, 0],
          ['us-nyc', 1, 0],
        ],
        'ties at 1 broken by name',
      );
      for (let run = 0; run < 50; run++) {
        const { choices } = selectMirrors(file, lyon, candidatesFor(file, mirrors), 'any', options());
        assert.deepEqual(choices.map((c) => c.mirror.name).sort(), ['ch-zurich', 'de-frankfurt', 'fr-paris']);
      }
    }
  });
});

describe('un-geolocated client', () => {
  const file = testFile();
  const client = testClient({ countryCode: '', continentCode: '', valid: false, latitude: 48, longitude: 2 });
  const mirrors = Array.from({ length: 8 }, (_, i) =>
    testMirror({ name: `m${i}`, countryCodes: ['FR'], latitude: 40 + i, longitude: 2, score: i * 50 }),
  );
  const candidates = candidatesFor(file, mirrors);

  it('redirects to five distinct accepted mirrors with no distance, score or share', () => {
    const { choices } = selectMirrors(file, client, candidates, 'any', options());
    assert.equal(choices.length, 5);
    assert.equal(new Set(choices.map((c) => c.mirror.name)).size, 5);
    assert.ok(choices.every((c) => c.distance === 0 && c.score === 0 && c.share === 0));
  });

  it('lists all accepted mirrors', () => {
    const { choices } = selectMirrors(file, client, candidates, 'any', options({ purpose: 'list' }));
    assert.deepEqual(choices.map((c) => c.mirror.name).sort(), mirrors.map((m) => m.name).sort());
  });

  it('orders uniformly at random (chi-square on the first choice, 7 degrees of freedom, p = 0.001)', () => {
    const random = seededRandom(7);
    const counts = new Array<number>(8).fill(0);
    for (let run = 0; run < 8000; run++) {
      const { choices } = selectMirrors(file, client, candidates, 'any', options({ random }));
      counts[Number(choices[0].mirror.name.slice(1))]++;
    }
    const statistic = chiSquare(counts, new Array<number>(8).fill(1 / 8));
    assert.ok(statistic < 24.32, `chi-square ${statistic.toFixed(2)} for counts ${counts.join(' ')}`);
  });

  it('does not reorder the caller’s candidates', () => {
    selectMirrors(file, client, candidates, 'any', options());
    assert.deepEqual(
      candidates.map((c) => c.mirror.name),
      mirrors.map((m) => m.name),
    );
  });
});

describe('exclusions', () => {
  it('keeps each excluded mirror with its URL, distance and reason, in candidate order', () => {
    const file = testFile();
    const mirrors = worked();
    mirrors[0].enabled = false;
    mirrors[2].httpURL = 'http://fr-paris.example.org/pub/';
    const candidates = candidatesFor(file, mirrors);
    candidates[3].copy = copyOf(file, { size: 1 });
    const { choices, excluded } = selectMirrors(file, lyon, candidates, 'with', options({ purpose: 'list' }));
    assert.deepEqual(
      excluded.map((e) => [e.mirror.name, e.url, e.distance.toFixed(1), e.reason]),
      [
        ['fr-marseille', '', '277.6', 'Disabled'],
        ['fr-paris', 'http://fr-paris.example.org/pub/', '392.1', 'Not HTTPS'],
        ['fr-lille', 'https://fr-lille.example.org/pub/', '556.8', 'File size mismatch'],
      ],
    );
    assert.deepEqual(
      choices.map((c) => c.mirror.name),
      ['de-frankfurt', 'ch-zurich', 'us-nyc'],
    );
  });

  it('excludes every mirror when the repository file has no modification time', () => {
    const file = testFile({ mtimeMs: 0 });
    const { choices, excluded } = selectMirrors(file, lyon, candidatesFor(file, worked()), 'any', options());
    assert.deepEqual(choices, []);
    assert.equal(excluded.length, 6);
    assert.ok(excluded.every((e) => e.reason === INVALID_FILE_REASON));
  });

  it('returns nothing for no candidates', () => {
    assert.deepEqual(selectMirrors(testFile(), lyon, [], 'any', options()), { choices: [], excluded: [] });
  });
});

describe('scoreOrder', () => {
  const reference = (mirrors: Mirror[], scores: number[], indices: number[]): number[] =>
    [...indices].sort(
      (a, b) =>
        scores[b] - scores[a] ||
        (mirrors[a].name < mirrors[b].name ? -1 : mirrors[a].name > mirrors[b].name ? 1 : mirrors[a].id - mirrors[b].id),
    );

  it('sorts by score descending, then name, then id, like a comparator sort', () => {
    const random = seededRandom(5);
    for (let run = 0; run < 50; run++) {
      const n = 1 + Math.floor(random() * 60);
      const mirrors = Array.from({ length: n }, () => testMirror({ name: `m${Math.floor(random() * 10)}` }));
      const scores = mirrors.map(() => 1 + Math.floor(random() * 8));
      const indices = mirrors.map((_, i) => i).filter(() => random() < 0.8);
      assert.deepEqual(scoreOrder(mirrors, scores, [...indices]), reference(mirrors, scores, indices));
    }
  });

  it('handles scores too large for its numeric keys', () => {
    const mirrors = ['c', 'a', 'b', 'd'].map((name) => testMirror({ name }));
    const scores = [2 ** 40, 2 ** 40, 3, 2 ** 41];
    assert.deepEqual(scoreOrder(mirrors, scores, [0, 1, 2, 3]), [3, 1, 0, 2]);
  });

  it('returns an empty order for no mirrors', () => assert.deepEqual(scoreOrder([], [], []), []));
});
