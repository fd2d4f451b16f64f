// The typed-array redirect selection must give exactly what selectMirrors gives: checked on thousands of random
// mirror sets, holdings, clients and settings, with the same random draws on both sides.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClientLocation } from '../geo/location.js';
import type { HoldingTable } from '../mirrors/catalog.js';
import { DiffTable, type DiffColumn } from '../mirrors/diff-table.js';
import { HoldingMatrix } from '../mirrors/holding-matrix.js';
import { EXACT_COPY, type Mirror, type MirrorFile } from '../mirrors/mirror.js';
import type { RepoFile } from '../repo/file.js';
import { ProfileCache, buildProfile, selectForRedirect } from './fast.js';
import { NOW, seededRandom, testClient, testFile, testMirror } from './fixture.js';
import { selectMirrors, type Candidate, type Choice, type SelectionOptions, type TLSRequirement } from './select.js';

const COUNTRIES = [
  ['FR', 'EU'],
  ['DE', 'EU'],
  ['US', 'NA'],
  ['JP', 'AS'],
  ['BR', 'SA'],
] as const;

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

interface Scenario {
  table: HoldingTable;
  file: RepoFile;
  id: number;
  client: ClientLocation;
  tls: TLSRequirement;
  options: Omit<SelectionOptions, 'random' | 'purpose'>;
}

const scenario = (seed: number): Scenario => {
  const random = seededRandom(seed);
  const id = Math.floor(random() * 40);
  const file = testFile({ path: pick(random, ['/iso/a.iso', '/pool/b.deb', '/latest/c.txt']), mtimeMs: random() < 0.05 ? 0 : NOW });
  const count = 1 + Math.floor(random() * 40);
  const mirrors: Mirror[] = [];
  const bits: Uint8Array[] = [];
  const diffs: Map<number, MirrorFile>[] = [];
  for (let i = 0; i < count; i++) {
    const [country, continent] = pick(random, COUNTRIES);
    const codes: string[] = [country];
    if (random() < 0.2) codes.push(pick(random, COUNTRIES)[0]);
    const httpURL = pick(random, ['m.example.org/', 'http://m.example.org/', 'https://m.example.org/']).replace('m.', `m${i}.`);
    mirrors.push(
      testMirror({
        id: i + 1,
        name: `m${String(Math.floor(random() * 30)).padStart(2, '0')}`, // name clashes exercise the tie order
        httpURL,
        countryCodes: codes,
        continentCode: continent,
        asnum: pick(random, [0, 100, 200, 300]),
        score: pick(random, [0, 0, 0, -20, 10, 50]),
        latitude: Math.round((random() * 140 - 70) * 10) / 10,
        longitude: Math.round((random() * 340 - 170) * 10) / 10,
        enabled: random() < 0.9,
        httpUp: random() < 0.85,
        httpsUp: random() < 0.7,
        continentOnly: random() < 0.08,
        countryOnly: random() < 0.08,
        asOnly: random() < 0.04,
        excludedCountryCodes: random() < 0.08 ? ['US'] : [],
        syncing: random() < 0.08,
        traceLagMs: random() < 0.1 ? 7_200_000 : -1,
        lastModTime: random() < 0.5 ? NOW - 1000 : NOW + 1000,
        tzOffsetMs: random() < 0.1 ? 3_600_000 : 0,
        lastSuccessfulSyncPrecisionMs: pick(random, [1000, 60_000]),
      }),
    );
    const b = new Uint8Array(8);
    const d = new Map<number, MirrorFile>();
    const roll = random();
    if (roll < 0.6) b[id >>> 3]! |= 1 << (id & 7);
    else if (roll < 0.85) {
      d.set(id, {
        path: file.path,
        size: random() < 0.5 ? file.size : file.size + 1,
        mtimeMs: pick(random, [0, NOW, NOW - 30_000, NOW - 3_600_000, NOW + 5000]),
      });
    }
    bits.push(b);
    diffs.push(d);
  }
  const [country, continent] = pick(random, COUNTRIES);
  const client = testClient({
    valid: random() < 0.85,
    countryCode: country,
    continentCode: continent,
    latitude: Math.round((random() * 140 - 70) * 10) / 10,
    longitude: Math.round((random() * 340 - 170) * 10) / 10,
    asn: pick(random, [0, 100, 200]),
  });
  if (!client.valid) Object.assign(client, { countryCode: '', continentCode: '', latitude: 0, longitude: 0 });
  // Some free slots, as removals leave them.
  const slotted: (Mirror | undefined)[] = [];
  const columns = new Map<number, DiffColumn>();
  const matrix = new HoldingMatrix(64, count * 2);
  mirrors.forEach((mirror, i) => {
    if (random() < 0.1) slotted.push(undefined);
    const slot = slotted.length;
    slotted.push(mirror);
    matrix.setColumn(slot, bits[i]!);
    const copies = [...diffs[i]!.entries()].sort((a, b) => a[0] - b[0]);
    columns.set(slot, { ids: copies.map(([id]) => id), sizes: copies.map(([, c]) => c.size), mtimes: copies.map(([, c]) => c.mtimeMs) });
  });
  const slotDiffs = DiffTable.build(64, columns, () => true);
  return {
    table: { mirrors: slotted, matrix, diffs: slotDiffs, generation: seed },
    file,
    id,
    client,
    tls: pick(random, ['any', 'with', 'without'] as const),
    options: {
      weightDistributionRange: pick(random, [1.5, 2, 1]),
      allowOutdatedFiles: random() < 0.3 ? [{ prefix: '/latest/', minutes: 60 }] : [],
      fixTimezoneOffsets: random() < 0.5,
      maxMirrorLagMs: random() < 0.5 ? 3_600_000 : 0,
    },
  };
};

const holdersOf = (s: Scenario): Candidate[] => {
  const out: Candidate[] = [];
  s.table.mirrors.forEach((mirror, slot) => {
    if (mirror === undefined) return;
    if (s.table.matrix.holdsExactly(s.id, slot)) out.push({ mirror, copy: EXACT_COPY });
    else {
      const copy = s.table.diffs.get(s.id, slot);
      if (copy) out.push({ mirror, copy: { path: s.file.path, ...copy } });
    }
  });
  return out;
};

const summary = (choices: readonly Choice[]) => choices.map((c) => [c.mirror.id, c.url, c.distance, c.score, c.share]);

describe('selectForRedirect', () => {
  it('gives the choices of selectMirrors, draw for draw, on 5,000 random cases', () => {
    let nonEmpty = 0;
    let weighted = 0;
    for (let seed = 1; seed <= 5000; seed++) {
      const s = scenario(seed);
      const expected = selectMirrors(s.file, s.client, holdersOf(s), s.tls, { ...s.options, purpose: 'redirect', random: seededRandom(seed * 7) }).choices;
      const profile = buildProfile(s.table, s.client, s.tls, s.options.maxMirrorLagMs ?? 0);
      const actual = selectForRedirect(s.table, profile, s.id, s.file, s.client, s.tls, { ...s.options, random: seededRandom(seed * 7) });
      assert.deepEqual(summary(actual), summary(expected), `seed ${seed}`);
      const limit = 1 + (seed % 12);
      const cut = selectForRedirect(s.table, profile, s.id, s.file, s.client, s.tls, { ...s.options, random: seededRandom(seed * 7) }, limit);
      assert.deepEqual(summary(cut), summary(expected.slice(0, limit)), `seed ${seed}, limit ${limit}`);
      if (expected.length > 0) nonEmpty++;
      if (expected.some((c) => c.share > 0 && c.share < 100)) weighted++;
    }
    // The cases cover what matters: many with choices, many with a weighted draw.
    assert.ok(nonEmpty > 2500, `${nonEmpty} cases with choices`);
    assert.ok(weighted > 500, `${weighted} cases with a weighted draw`);
  });

  it('keeps profiles per client location and drops them when the mirrors change', () => {
    const s = scenario(3);
    const cache = new ProfileCache(2);
    const a = cache.get(s.table, s.client, s.tls, 0);
    assert.equal(cache.get(s.table, { ...s.client }, s.tls, 0), a, 'same location, same profile');
    assert.notEqual(cache.get(s.table, s.client, s.tls, 1000), a, 'another MaxMirrorLag');
    const changed = { ...s.table, generation: s.table.generation + 1 };
    assert.notEqual(cache.get(changed, s.client, s.tls, 0), a, 'mirrors changed');
  });
});
