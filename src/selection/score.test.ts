// Scoring table: every branch of the formula, the score modifier, the zero-distance guard and the ASN rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeScores, type ScoredMirror } from './score.js';
import { testClient } from './fixture.js';

const fr = testClient({ countryCode: 'FR', asn: 3215 });
const m = (countryCodes: string[], asnum = 1, score = 0): ScoredMirror => ({ countryCodes, asnum, score });

describe('computeScores', () => {
  it('reproduces the worked example from its distances (mirrorbits.md §3.6)', () => {
    const result = computeScores(
      [m(['FR'], 8218), m(['CH'], 559), m(['FR'], 16276), m(['FR'], 1000, -50), m(['DE', 'FR'], 3215, 20), m(['US'], 6939)],
      [277.6186, 335.2364, 392.1184, 556.7676, 561.7212, 6146.1118],
      fr,
      1.5,
    );
    assert.equal(result.base, 6146);
    assert.equal(result.closest, Math.fround(277.6186));
    assert.equal(result.farthest, Math.fround(6146.1118));
    assert.deepEqual(result.scores, [11738, 8717, 11508, 4477, 17432, 1]);
  });

  // B = 1000 (farthest at 1000.9 km), closest 100 km, range 150 km.
  const cases: [string, ScoredMirror, number, number][] = [
    ['in range, primary: (B − d) added whole', m(['FR']), 120.5, 1000 - 120 + 1 + 879],
    ['in range, secondary country: halved', m(['DE', 'FR']), 120.5, 1000 - 120 + 1 + 439],
    ['in range, other country: halved', m(['DE']), 150, 1000 - 150 + 1 + 425],
    ['beyond range, primary: B − 5d', m(['FR']), 150.5, 1000 - 150 + 1 + 247],
    ['beyond range, primary, far: B − 5d is negative', m(['FR']), 300, 1000 - 300 + 1 - 500],
    ['beyond range, secondary country: B − closest', m(['DE', 'FR']), 300, 1000 - 300 + 1 + 900],
    ['beyond range, other country: no bonus', m(['DE']), 300, 1000 - 300 + 1],
    ['beyond range, no country: no bonus', m([]), 300, 701],
    ['same ASN: + B/2', m(['DE'], 3215), 300, 701 + 500],
    ['score +100 doubles', m(['DE'], 1, 100), 300, 1402],
    ['score −50 halves, rounding half up', m(['DE'], 1, -50), 300, 351],
    ['score −100 pins to 1', m(['DE'], 1, -100), 300, 1],
    ['score −150 pins to 1', m(['DE'], 1, -150), 300, 1],
    ['score +12.5', m(['DE'], 1, 12.5), 300, Math.trunc(701 * 1.125 + 0.5)],
    ['negative raw score pins to 1', m(['FR']), 900, 1],
  ];
  for (const [name, mirror, distance, expected] of cases) {
    it(`${name} → ${expected}`, () => {
      const { scores, base } = computeScores([m(['US']), m(['US']), mirror], [100, 1000.9, distance], fr, 1.5);
      assert.equal(base, 1000);
      assert.equal(scores[2], expected);
    });
  }

  it('treats a closest mirror at distance 0 as a tiny positive range: only mirrors at 0 are in range', () => {
    const { scores, base } = computeScores([m(['FR']), m(['DE']), m(['FR'])], [0, 0, 0.5], fr, 1.5);
    assert.equal(base, 0);
    assert.deepEqual(scores, [1, 1, 1]);
    const spread = computeScores([m(['FR']), m(['DE']), m(['FR']), m(['US'])], [0, 0, 0.5, 100], fr, 1.5);
    assert.deepEqual(spread.scores, [201, 151, 101 + Math.trunc(100 - 2.5), 1]);
  });

  it('scores a lone mirror 1 unless it is at distance 0', () => {
    assert.deepEqual(computeScores([m(['FR'])], [42.7], fr, 1.5), { base: 42, closest: Math.fround(42.7), farthest: Math.fround(42.7), scores: [1] });
    assert.deepEqual(computeScores([m(['FR'])], [0], fr, 1.5).scores, [1]);
    assert.equal(computeScores([m(['FR'])], [0], fr, 1.5).base, 0);
  });

  it('returns empty extrema for no mirrors, and tracks min and max (mirrorbits.md §14.1)', () => {
    assert.deepEqual(computeScores([], [], fr, 1.5), { base: 0, closest: 0, farthest: 0, scores: [] });
    const three = computeScores([m([]), m([]), m([])], [30, 20, 10], fr, 1.5);
    assert.deepEqual([three.closest, three.farthest], [10, 30]);
  });

  it('gives no same-network bonus when the client ASN is unknown (0), unlike Mirrorbits', () => {
    const unknownAS = testClient({ countryCode: 'FR', asn: 0 });
    const { scores } = computeScores(
      [m(['US'], 0), m(['US'], 7), m(['US'], 5), m(['US'], 5)],
      [300, 300, 100, 1000.9],
      unknownAS,
      1.5,
    );
    assert.deepEqual(scores.slice(0, 2), [701, 701]);
    const knownAS = testClient({ countryCode: 'FR', asn: 7 });
    const bonus = computeScores([m(['US'], 0), m(['US'], 7), m(['US'], 5), m(['US'], 5)], [300, 300, 100, 1000.9], knownAS, 1.5);
    assert.deepEqual(bonus.scores.slice(0, 2), [701, 701 + 500]);
  });

  it('uses the range factor in single precision', () => {
    // 3 × float32(1.1) is 3.3000002 in single precision, 3.3000000000000003 in doubles: a mirror at
    // float32(3.3000002) km is in range for Mirrorbits and must be for us.
    const d = Math.fround(3.3000002);
    const { scores } = computeScores([m(['DE']), m(['DE']), m(['US'])], [3, d, 1000.9], fr, 1.1);
    assert.equal(scores[1], 1000 - 3 + 1 + 498);
  });
});
