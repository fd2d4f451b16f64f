// The redirect's selection over typed arrays: the same choices as selectMirrors (same random draws, same order)
// without building exclusions or an object per candidate, so that hundreds of mirrors cost little per request.
// What depends only on the client and the mirrors (distances, restrictions, URLs, bonuses) is worked out once per
// client location and kept while the mirrors do not change. select.test.ts checks it against selectMirrors.
import type { ClientLocation } from '../geo/location.js';
import type { HoldingTable } from '../mirrors/catalog.js';
import type { DiffTable } from '../mirrors/diff-table.js';
import { EXACT_COPY, type Mirror, type MirrorFile } from '../mirrors/mirror.js';
import type { RepoFile } from '../repo/file.js';
import { distanceKm32 } from './distance.js';
import { absoluteURL, fileCheck, filterReason } from './filter.js';
import { REDIRECT_LIMIT, scoreOrder, weightedDraw } from './select.js';
import type { Choice, SelectionOptions, TLSRequirement } from './types.js';

const f32 = Math.fround;
const SMALLEST_FLOAT32 = 2 ** -149;

const PRIMARY = 1;
const SECONDARY = 2;
const SAME_AS = 4;

/** What selection needs of every mirror for one client location and protocol requirement. */
export interface ClientProfile {
  /** 1 when the mirror passes the checks that do not depend on the file (enabled, protocol, restrictions). */
  usable: Uint8Array;
  /** 1 when the file checks cannot be skipped for an exact copy (mid-sync, or lagging beyond MaxMirrorLag). */
  freshness: Uint8Array;
  /** Kilometres, float32 as Mirrorbits computes them; 0 for an un-geolocated client. */
  distances: Float32Array;
  /** PRIMARY / SECONDARY country, SAME_AS bits. */
  bonus: Uint8Array;
  /** Mirror Score / 100, in the expression Mirrorbits uses. */
  weight: Float64Array;
  urls: string[];
  /** Per byte of a matrix row: slots usable with no file check for an exact copy (usable, not freshness-sensitive). */
  fastMask: Uint8Array;
  /** Per byte of a matrix row: usable slots. */
  usableMask: Uint8Array;
}

/** Pass-fail of the file-independent checks: filterReason on a copy that always passes the file checks. */
const usableFor = (mirror: Mirror, client: ClientLocation, tls: TLSRequirement): boolean => {
  const always = fileCheck({ path: '', size: 0, mtimeMs: 0, sha1: '', sha256: '', md5: '' }, [], false, 0);
  return filterReason({ ...mirror, syncing: false, traceLagMs: -1 }, EXACT_COPY, client, tls, always) === '';
};

export const buildProfile = (table: HoldingTable, client: ClientLocation, tls: TLSRequirement, maxMirrorLagMs: number): ClientProfile => {
  const n = table.mirrors.length;
  const p: ClientProfile = {
    usable: new Uint8Array(n),
    freshness: new Uint8Array(n),
    distances: new Float32Array(n),
    bonus: new Uint8Array(n),
    weight: new Float64Array(n),
    urls: new Array<string>(n),
    fastMask: new Uint8Array(table.matrix.stride),
    usableMask: new Uint8Array(table.matrix.stride),
  };
  const country = client.valid ? client.countryCode : '';
  for (let s = 0; s < n; s++) {
    const m = table.mirrors[s];
    if (m === undefined) continue; // a free slot: never usable
    p.usable[s] = usableFor(m, client, tls) ? 1 : 0;
    p.freshness[s] = m.syncing || (maxMirrorLagMs > 0 && m.traceLagMs > maxMirrorLagMs) ? 1 : 0;
    if (p.usable[s] === 1 && s < table.matrix.slots) {
      p.usableMask[s >>> 3]! |= 1 << (s & 7);
      if (p.freshness[s] === 0) p.fastMask[s >>> 3]! |= 1 << (s & 7);
    }
    p.distances[s] = client.valid ? distanceKm32(client.latitude, client.longitude, m.latitude, m.longitude) : 0;
    const codes = m.countryCodes;
    let bonus = 0;
    if (country !== '' && codes.length > 0 && codes[0] === country) bonus |= PRIMARY;
    else if (country !== '' && codes.indexOf(country, 1) > 0) bonus |= SECONDARY;
    if (client.asn !== 0 && m.asnum === client.asn) bonus |= SAME_AS;
    p.bonus[s] = bonus;
    p.weight[s] = m.score / 100;
    p.urls[s] = absoluteURL(m, tls);
  }
  return p;
};

const TLS_SLOT: Record<TLSRequirement, number> = { any: 0, with: 1, without: 2 };

/**
 * Profiles of recent client locations, dropped whole when the mirrors change or when full. The GeoIP lookup
 * cache gives the same location object to the same address, so a WeakMap on that object comes first and saves
 * building the location key on most requests.
 */
export class ProfileCache {
  private generation = -1;
  private lagMs = -1;
  private readonly profiles = new Map<string, ClientProfile>();
  private byClient = [new WeakMap<ClientLocation, ClientProfile>(), new WeakMap<ClientLocation, ClientProfile>(), new WeakMap<ClientLocation, ClientProfile>()];

  constructor(private readonly capacity = 4096) {}

  get(table: HoldingTable, client: ClientLocation, tls: TLSRequirement, maxMirrorLagMs: number): ClientProfile {
    if (table.generation !== this.generation || maxMirrorLagMs !== this.lagMs) {
      this.profiles.clear();
      this.byClient = [new WeakMap(), new WeakMap(), new WeakMap()];
      this.generation = table.generation;
      this.lagMs = maxMirrorLagMs;
    }
    const known = this.byClient[TLS_SLOT[tls]]!;
    const seen = known.get(client);
    if (seen !== undefined) return seen;
    const key = client.valid
      ? `${tls}|${client.latitude}|${client.longitude}|${client.countryCode}|${client.continentCode}|${client.asn}`
      : `${tls}|?|${client.asn}`;
    let profile = this.profiles.get(key);
    if (profile === undefined) {
      if (this.profiles.size >= this.capacity) this.profiles.clear();
      profile = buildProfile(table, client, tls, maxMirrorLagMs);
      this.profiles.set(key, profile);
    }
    known.set(client, profile);
    return profile;
  }
}

// Scratch space reused by every call (the request path is synchronous, so one set is enough).
let accepted = new Int32Array(64);
let scores = new Float64Array(64);
/** The current row's differing copies as bits, one byte per 8 slots like a matrix row; all zero between requests. */
let differs = new Uint8Array(8);

/** The differing copy in `slot` among a row's entries (start..end of the diff table), as a MirrorFile. */
const diffCopy = (diffs: DiffTable, start: number, end: number, slot: number, path: string): MirrorFile | undefined => {
  for (let at = start; at < end; at++) if (diffs.slots[at] === slot) return { path, size: diffs.sizes[at]!, mtimeMs: diffs.mtimes[at]! };
  return undefined;
};
const mirrorsScratch: Mirror[] = [];
const scoresScratch: number[] = [];

/**
 * selectMirrors(...).choices for purpose 'redirect', for file `id` of `table`, cut to the first `limit` (a redirect
 * uses one mirror plus MaxLinkHeaders). `client` and `tls` must be those `profile` was built for.
 */
export function selectForRedirect(
  table: HoldingTable,
  profile: ClientProfile,
  id: number,
  file: RepoFile,
  client: ClientLocation,
  tls: TLSRequirement,
  options: Pick<SelectionOptions, 'weightDistributionRange' | 'allowOutdatedFiles' | 'fixTimezoneOffsets' | 'maxMirrorLagMs' | 'random'>,
  limit = Infinity,
): Choice[] {
  if (file.mtimeMs === 0) return [];
  const n = table.mirrors.length;
  if (accepted.length < n) {
    accepted = new Int32Array(n * 2);
    scores = new Float64Array(n * 2);
  }
  const { matrix } = table;
  if (id >= matrix.files) return [];
  let check: ReturnType<typeof fileCheck> | undefined;
  let k = 0;
  // One row of the matrix, a byte (8 slots) at a time: exact copies of usable, fresh mirrors are accepted by a mask;
  // the rest (differing copies, mirrors mid-sync or lagging) go through the full filter. Accepted slots are emitted in
  // slot order, as selectMirrors sees its candidates.
  const row = id * matrix.stride;
  const { diffs } = table;
  const diffStart = diffs.rowStart[id]!;
  const diffEnd = diffs.rowStart[id + 1]!;
  if (differs.length < matrix.stride) differs = new Uint8Array(matrix.stride * 2);
  for (let at = diffStart; at < diffEnd; at++) differs[diffs.slots[at]! >>> 3]! |= 1 << (diffs.slots[at]! & 7);
  for (let b = 0; b < matrix.stride; b++) {
    const exact = matrix.exact[row + b]!;
    let take = exact & profile.fastMask[b]!;
    let slow = ((exact | differs[b]!) & profile.usableMask[b]!) & ~take;
    while (slow !== 0) {
      const mask = slow & -slow;
      slow ^= mask;
      const s = b * 8 + (31 - Math.clz32(mask));
      const copy = (exact & mask) !== 0 ? EXACT_COPY : diffCopy(diffs, diffStart, diffEnd, s, file.path);
      if (copy === undefined) continue;
      check ??= fileCheck(file, options.allowOutdatedFiles, options.fixTimezoneOffsets, options.maxMirrorLagMs ?? 0);
      if (filterReason(table.mirrors[s]!, copy, client, tls, check) === '') take |= mask;
    }
    while (take !== 0) {
      const mask = take & -take;
      take ^= mask;
      accepted[k++] = b * 8 + (31 - Math.clz32(mask));
    }
  }
  for (let at = diffStart; at < diffEnd; at++) differs[diffs.slots[at]! >>> 3] = 0;
  const choices = client.valid ? ranked(table, profile, k, client, options, limit) : shuffled(table, profile, k, options.random);
  return choices.length > limit ? choices.slice(0, limit) : choices;
}

const choiceAt = (table: HoldingTable, profile: ClientProfile, s: number, score: number, share: number): Choice => ({
  mirror: table.mirrors[s]!,
  url: profile.urls[s]!,
  distance: profile.distances[s]!,
  score,
  share,
});

/** selectMirrors' uniform order for an un-geolocated client: the same draws over the same positions. */
function shuffled(table: HoldingTable, profile: ClientProfile, k: number, random: () => number): Choice[] {
  const count = Math.min(REDIRECT_LIMIT, k);
  const choices = new Array<Choice>(count);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (k - i));
    const s = accepted[j]!;
    accepted[j] = accepted[i]!;
    accepted[i] = s;
    choices[i] = { mirror: table.mirrors[s]!, url: profile.urls[s]!, distance: 0, score: 0, share: 0 };
  }
  return choices;
}

/** computeScores and ranked of select.ts over the accepted slots. */
function ranked(
  table: HoldingTable,
  profile: ClientProfile,
  k: number,
  client: ClientLocation,
  options: Pick<SelectionOptions, 'weightDistributionRange' | 'random'>,
  limit: number,
): Choice[] {
  const d = profile.distances;
  let closest = 0;
  let farthest = 0;
  for (let i = 0; i < k; i++) {
    const x = d[accepted[i]!]!;
    if (i === 0 || x < closest) closest = x;
    if (x > farthest) farthest = x;
  }
  const base = Math.trunc(farthest);
  const baseF = f32(base);
  const c = closest === 0 ? SMALLEST_FLOAT32 : closest;
  const inRange = f32(c * f32(options.weightDistributionRange));
  const asnBonus = Math.floor(base / 2);
  const located = client.countryCode !== '';

  let eligible = 0;
  let total = 0;
  for (let i = 0; i < k; i++) {
    const slot = accepted[i]!;
    const x = d[slot]!;
    const bonus = profile.bonus[slot]!;
    let s = base - Math.trunc(x) + 1;
    if (x <= inRange) {
      const b = f32(baseF - x);
      s += Math.trunc((bonus & PRIMARY) !== 0 ? b : f32(b / 2));
    } else if ((bonus & PRIMARY) !== 0) {
      s += Math.trunc(f32(baseF - f32(x * 5)));
    } else if (located && (bonus & SECONDARY) !== 0) {
      s += Math.trunc(f32(baseF - c));
    }
    if ((bonus & SAME_AS) !== 0) s += asnBonus;
    const weighted = s + s * profile.weight[slot]! + 0.5;
    const score = weighted > 1 ? Math.trunc(weighted) : 1;
    scores[i] = score;
    if (score > base) {
      eligible++;
      total += score - base;
    }
  }

  // scoreOrder of select.ts works on arrays by position: give it this call's accepted mirrors and scores.
  mirrorsScratch.length = k;
  scoresScratch.length = k;
  for (let i = 0; i < k; i++) {
    mirrorsScratch[i] = table.mirrors[accepted[i]!]!;
    scoresScratch[i] = scores[i]!;
  }

  if (eligible > 1) {
    const head = new Array<number>(eligible);
    for (let i = 0, h = 0; i < k; i++) if (scores[i]! > base) head[h++] = i;
    scoreOrder(mirrorsScratch, scoresScratch, head);
    const picks = weightedDraw(head, scores, base, total, Math.min(REDIRECT_LIMIT, eligible), options.random);
    const choices = picks.map((i) => choiceAt(table, profile, accepted[i]!, scores[i]!, ((scores[i]! - base) * 100) / total));
    return choices;
  }

  // Every accepted mirror in score order, of which only the first `limit` are made into choices: when that is a
  // few of hundreds, they are picked by insertion rather than by sorting them all.
  const made = Math.min(k, limit);
  const order = made * 4 < k ? topPositions(k, made) : scoreOrder(mirrorsScratch, scoresScratch, [...Array(k).keys()]);
  const choices = new Array<Choice>(made);
  for (let p = 0; p < made; p++) {
    const i = order[p]!;
    let share = 0;
    if (eligible === 1) share = p === 0 ? 100 : 0;
    else if (p < eligible) share = ((scores[i]! - base) * 100) / total;
    choices[p] = choiceAt(table, profile, accepted[i]!, scores[i]!, share);
  }
  return choices;
}

/** scoreOrder's order: score descending, then name, then id. */
const before = (i: number, j: number): boolean => {
  if (scoresScratch[i] !== scoresScratch[j]) return scoresScratch[i]! > scoresScratch[j]!;
  const a = mirrorsScratch[i]!;
  const b = mirrorsScratch[j]!;
  if (a.name !== b.name) return a.name < b.name;
  return a.id < b.id;
};

/** The first `count` of positions 0..k-1 in scoreOrder's order, by insertion into a short sorted list. */
function topPositions(k: number, count: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < k; i++) {
    if (top.length === count && !before(i, top[count - 1]!)) continue;
    let at = top.length === count ? count - 1 : top.length;
    while (at > 0 && before(i, top[at - 1]!)) {
      top[at] = top[at - 1]!;
      at--;
    }
    top[at] = i;
  }
  return top;
}
