// Mirror selection: from the mirrors that have a file, the ordered choices for one client plus the mirrors
// left out with a reason each. Pure and synchronous: it runs on every request.
import type { ClientLocation } from '../geo/location.js';
import type { Mirror } from '../mirrors/mirror.js';
import type { RepoFile } from '../repo/file.js';
import { distanceKm32 } from './distance.js';
import { absoluteURL, fileCheck, filterReason } from './filter.js';
import { computeScores } from './score.js';
import type { Candidate, Choice, Exclusion, Selection, SelectionOptions, TLSRequirement } from './types.js';

export type { Candidate, Choice, Exclusion, Selection, SelectionOptions, TLSRequirement } from './types.js';
export { absoluteURL, fileCheck, filterReason, truncateTime, type FileCheck } from './filter.js';
export { computeScores, type ScoredMirror, type Scores } from './score.js';
export { rankFallbacks, type RankedFallback } from './fallback.js';
export { goDuration } from './duration.js';
export { distanceKm32 } from './distance.js';

/** How many mirrors a redirect answer carries at most (Mirrorbits: the redirect target plus Link headers). */
export const REDIRECT_LIMIT = 5;

export const INVALID_FILE_REASON = 'Invalid file info (modtime is zero)';

/**
 * Ordered choices for `client` among `candidates` (mirrors whose last scan listed `file`).
 * Geolocated client: mirrors scored by distance, country and network. For a redirect with two or more
 * eligible mirrors (score above the base), those alone in weighted random order, at most five; otherwise,
 * and always for a list, every accepted mirror in score order with its share. Un-geolocated client: accepted
 * mirrors in uniform random order, at most five for a redirect. Empty `choices`: use the fallbacks.
 */
export function selectMirrors(
  file: RepoFile,
  client: ClientLocation,
  candidates: readonly Candidate[],
  tls: TLSRequirement,
  options: SelectionOptions,
): Selection {
  const excluded: Exclusion[] = [];
  const accepted: Mirror[] = [];
  const urls: string[] = [];
  const distances: number[] = [];
  // Mirrorbits refuses to compare against a repository time it does not know; the caller falls back.
  const invalidFile = file.mtimeMs === 0;
  const check = fileCheck(file, options.allowOutdatedFiles, options.fixTimezoneOffsets, options.maxMirrorLagMs ?? 0);
  const located = client.valid;

  for (let i = 0; i < candidates.length; i++) {
    const { mirror, copy } = candidates[i];
    const distance = located ? distanceKm32(client.latitude, client.longitude, mirror.latitude, mirror.longitude) : 0;
    const url = absoluteURL(mirror, tls);
    const reason = invalidFile ? INVALID_FILE_REASON : filterReason(mirror, copy, client, tls, check);
    if (reason !== '') {
      excluded.push({ mirror, url, distance, reason });
    } else {
      accepted.push(mirror);
      urls.push(url);
      distances.push(distance);
    }
  }

  if (!located) return { choices: shuffled(accepted, urls, options), excluded };
  return { choices: ranked(accepted, urls, distances, client, options), excluded };
}

/** Uniform random order (partial Fisher–Yates: only the positions that are returned get drawn). */
function shuffled(accepted: Mirror[], urls: string[], options: SelectionOptions): Choice[] {
  const n = accepted.length;
  const count = options.purpose === 'redirect' ? Math.min(REDIRECT_LIMIT, n) : n;
  const choices: Choice[] = new Array<Choice>(count);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(options.random() * (n - i));
    const m = accepted[j];
    const u = urls[j];
    accepted[j] = accepted[i];
    urls[j] = urls[i];
    accepted[i] = m;
    urls[i] = u;
    choices[i] = { mirror: m, url: u, distance: 0, score: 0, share: 0 };
  }
  return choices;
}

function ranked(
  accepted: Mirror[],
  urls: string[],
  distances: number[],
  client: ClientLocation,
  options: SelectionOptions,
): Choice[] {
  const n = accepted.length;
  const { base, scores } = computeScores(accepted, distances, client, options.weightDistributionRange);

  let eligible = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (scores[i] > base) {
      eligible++;
      total += scores[i] - base;
    }
  }

  const choice = (i: number, share: number): Choice => ({
    mirror: accepted[i],
    url: urls[i],
    distance: distances[i],
    score: scores[i],
    share,
  });

  if (eligible > 1 && options.purpose === 'redirect') {
    // Only the eligible mirrors can be returned, so only they are put in order (the order the cumulative
    // weights are walked in, which makes a given random sequence give a reproducible answer).
    const head = new Array<number>(eligible);
    for (let i = 0, h = 0; i < n; i++) if (scores[i] > base) head[h++] = i;
    scoreOrder(accepted, scores, head);
    // Weighted draw without replacement; only the returned positions are drawn, the rest would be cut anyway.
    const picks = weightedDraw(head, scores, base, total, Math.min(REDIRECT_LIMIT, eligible), options.random);
    const choices: Choice[] = picks.map((i) => choice(i, ((scores[i] - base) * 100) / total));
    return choices;
  }

  // A list, or a redirect with at most one eligible mirror: everything accepted, untruncated, by score.
  // Eligible mirrors are exactly the head of the score order.
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) order[i] = i;
  scoreOrder(accepted, scores, order);
  const choices: Choice[] = new Array<Choice>(n);
  for (let p = 0; p < n; p++) {
    const i = order[p];
    let share = 0;
    if (eligible === 1) share = p === 0 ? 100 : 0;
    else if (p < eligible) share = ((scores[i] - base) * 100) / total;
    choices[p] = choice(i, share);
  }
  return choices;
}

/**
 * Draws `count` of the positions in `head` (already in score order) without replacement, each with weight
 * scores[i] − base out of `total`, walking the cumulative weights as Mirrorbits does; returns them in draw order.
 */
export function weightedDraw(head: readonly number[], scores: ArrayLike<number>, base: number, total: number, count: number, random: () => number): number[] {
  const picks = new Array<number>(count);
  const taken = new Uint8Array(head.length);
  let rest = total;
  for (let c = 0; c < count; c++) {
    const r = Math.floor(random() * rest);
    let cumulative = 0;
    let pick = -1;
    for (let j = 0; j < head.length; j++) {
      if (taken[j] === 1) continue;
      pick = j;
      cumulative += scores[head[j]!]! - base;
      if (cumulative > r) break;
    }
    taken[pick] = 1;
    picks[c] = head[pick]!;
    rest -= scores[head[pick]!]! - base;
  }
  return picks;
}

// Room for a position below the score in a sort key; keys stay exact doubles while
// score · KEY_SPAN < 2^53, i.e. for scores below 2^33 (real ones stay under about 10^5 · (1 + Score/100)).
const KEY_SPAN = 2 ** 20;
const MAX_KEYED_SCORE = 2 ** 33;

const byName =
  (mirrors: readonly Mirror[]) =>
  (a: number, b: number): number => {
    const na = mirrors[a].name;
    const nb = mirrors[b].name;
    if (na !== nb) return na < nb ? -1 : 1;
    return mirrors[a].id - mirrors[b].id;
  };

/**
 * Sorts `indices` (into `mirrors` and `scores`) in place by score descending, ties by name then id so lists
 * are reproducible (Mirrorbits left ties in arbitrary order), and returns it. A numeric typed-array sort of
 * score+position keys, then name order within runs of equal scores, costs a fraction of a comparator sort.
 */
export function scoreOrder(mirrors: readonly Mirror[], scores: readonly number[], indices: number[]): number[] {
  const n = indices.length;
  let keyed = n < KEY_SPAN;
  for (let p = 0; p < n && keyed; p++) keyed = scores[indices[p]] < MAX_KEYED_SCORE;
  if (!keyed) {
    const names = byName(mirrors);
    return indices.sort((a, b) => scores[b] - scores[a] || names(a, b));
  }
  const keys = new Float64Array(n);
  for (let p = 0; p < n; p++) keys[p] = -scores[indices[p]] * KEY_SPAN + p;
  keys.sort();
  const original = indices.slice();
  for (let p = 0; p < n; p++) {
    const key = keys[p];
    indices[p] = original[key - Math.floor(key / KEY_SPAN) * KEY_SPAN];
  }
  let names: ((a: number, b: number) => number) | undefined;
  for (let start = 0; start < n; ) {
    const score = scores[indices[start]];
    let end = start + 1;
    while (end < n && scores[indices[end]] === score) end++;
    if (end - start > 1) {
      names ??= byName(mirrors);
      const run = indices.slice(start, end).sort(names);
      for (let p = start; p < end; p++) indices[p] = run[p - start];
    }
    start = end;
  }
  return indices;
}
