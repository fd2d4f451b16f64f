// Mirrorbits' scoring of the accepted mirrors for a geolocated client: nearer, in-country and same-network
// mirrors score higher; those scoring above the base share the load in proportion to how far above.
import type { ClientLocation } from '../geo/location.js';
import type { Mirror } from '../mirrors/mirror.js';

/** The mirror fields the scoring reads. */
export type ScoredMirror = Pick<Mirror, 'countryCodes' | 'asnum' | 'score'>;

export interface Scores {
  /** B: the farthest accepted distance truncated to an integer. A mirror is eligible iff its score > B. */
  base: number;
  /** Smallest accepted distance (0 when none), before the zero guard. */
  closest: number;
  farthest: number;
  /** ComputedScore per mirror, same order as the input; always ≥ 1. */
  scores: number[];
}

const f32 = Math.fround;
// Go's math.SmallestNonzeroFloat32: keeps the range test meaningful when the closest mirror is at distance 0.
const SMALLEST_FLOAT32 = 2 ** -149;

/**
 * Scores as Mirrorbits computes them, float32 steps and truncations toward zero included, with one fix:
 * the same-network bonus needs a known client ASN (Mirrorbits also granted it when both ASNs were 0).
 * `distances` are km from the client, index-aligned with `mirrors`.
 */
export function computeScores(
  mirrors: readonly ScoredMirror[],
  distances: readonly number[],
  client: ClientLocation,
  weightDistributionRange: number,
): Scores {
  const n = mirrors.length;
  let closest = 0;
  let farthest = 0;
  for (let i = 0; i < n; i++) {
    const d = f32(distances[i]);
    if (i === 0 || d < closest) closest = d;
    if (d > farthest) farthest = d;
  }
  const base = Math.trunc(farthest);
  const baseF = f32(base);
  const c = closest === 0 ? SMALLEST_FLOAT32 : closest;
  const inRange = f32(c * f32(weightDistributionRange));
  const asnBonus = Math.floor(base / 2);
  const country = client.valid ? client.countryCode : '';

  const scores = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const m = mirrors[i];
    const d = f32(distances[i]);
    const codes = m.countryCodes;
    const primary = country !== '' && codes.length > 0 && codes[0] === country;
    let s = base - Math.trunc(d) + 1;
    if (d <= inRange) {
      const bonus = f32(baseF - d);
      s += Math.trunc(primary ? bonus : f32(bonus / 2));
    } else if (primary) {
      s += Math.trunc(f32(baseF - f32(d * 5)));
    } else if (country !== '' && codes.indexOf(country, 1) > 0) {
      s += Math.trunc(f32(baseF - c));
    }
    if (client.asn !== 0 && m.asnum === client.asn) s += asnBonus;
    // Same float64 expression as Mirrorbits (s + s·Score/100 + 0.5) so rounding edges agree.
    const weighted = s + s * (m.score / 100) + 0.5;
    scores[i] = weighted > 1 ? Math.trunc(weighted) : 1;
  }
  return { base, closest, farthest, scores };
}
