import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ClientLocation } from '../../geo/location.js';
import { unknownLocation } from '../../geo/location.js';
import { defaultSettings, initialState } from '../../mirrors/mirror.js';
import type { Mirror } from '../../mirrors/mirror.js';
import { mirrorView } from '../../mirrors/view.js';
import type { RepoFile } from '../../repo/file.js';
import type { Selection } from '../../selection/select.js';
import { mirrorListView } from './mirrorlist.js';
import { mirrorStatsView, renderMirrorStats } from './mirrorstats.js';
import type { DownloadCounts, Downloads } from './mirrorstats.js';

const NOW = Date.parse('2026-11-21T15:30:00Z');

const mirror = (id: number, name: string, patch: Partial<Mirror> = {}): Mirror => ({
  id,
  name,
  httpURL: `http://${name}.example/pub/`,
  ...defaultSettings(),
  ...initialState(NOW - 3_600_000),
  enabled: true,
  httpUp: true,
  httpsUp: true,
  countryCodes: ['FR'],
  lastSuccessfulSync: NOW - 600_000,
  latitude: 48.85,
  longitude: 2.35,
  ...patch,
});

const file: RepoFile = { path: '/dir/a file.iso', size: 2048, mtimeMs: Date.parse('2026-11-01T12:00:00Z'), sha1: '', sha256: 'ab'.repeat(32), md5: '' };
const gb: ClientLocation = { ip: '2.125.160.217', countryCode: 'GB', continentCode: 'EU', city: 'Boxford', country: 'United Kingdom', latitude: 51.75, longitude: -1.25, asn: 0, asName: '', valid: true };

describe('mirrorListView', () => {
  const [a, b, c, d, e] = [mirror(1, 'a', { sponsorName: 'Sponsor A' }), mirror(2, 'b'), mirror(3, 'c'), mirror(4, 'd'), mirror(5, 'e')];
  const selection: Selection = {
    choices: [
      { mirror: a!, url: 'https://a.example/pub/', distance: 12.4, score: 900, share: 75 },
      { mirror: b!, url: 'https://b.example/pub/', distance: 400, score: 300, share: 25 },
      { mirror: c!, url: 'http://c.example/pub/', distance: 9000, score: 10, share: 0 },
    ],
    excluded: [
      { mirror: d!, url: 'http://d.example/pub/', distance: 10, reason: 'Not HTTPS' },
      { mirror: e!, url: 'http://e.example/pub/', distance: 20, reason: 'File size mismatch' },
    ],
  };

  it('ranks the chosen mirrors and lists the excluded ones by reason', () => {
    const v = mirrorListView({ file, client: gb, selection, fallback: [], version: '1' });
    assert.deepEqual(v.mirrors.map((m) => [m.rank, m.displayName, m.share, m.eligible, m.distance]), [
      [1, 'Sponsor A', '75 %', true, '12 km'],
      [2, 'b', '25 %', true, '400 km'],
      [3, 'c', 'n/a', false, '9,000 km'],
    ]);
    assert.equal(v.mirrors[0]!.fileURL, 'https://a.example/pub/dir/a%20file.iso');
    assert.deepEqual(v.excluded.map((x) => [x.name, x.reason]), [['e', 'File size mismatch'], ['d', 'Not HTTPS']]);
    assert.equal(v.client.place, 'near Boxford, United Kingdom');
    assert.equal(v.file.size, '2.0 KiB');
    assert.equal(v.file.modified, 'Sun, 01 Nov 2026 12:00:00 GMT');
    assert.deepEqual(v.file.hashes.map((h) => h.value.length), [3, 3, 64], 'N/A for hashes not computed');
    assert.equal(v.map.match(/class="marker /g)?.length, 6, 'five mirrors and the client');
    assert.equal(v.map.match(/marker-excluded/g)?.length, 2);
    assert.equal(v.map.match(/marker-mirror"/g)?.length, 1, 'listed but never picked');
    assert.match(v.map, /<line class="route"/);
    assert.equal(v.usingFallback, false);
  });

  it('says when the client is not located, and shows the fallbacks when no mirror serves the file', () => {
    const random = mirrorListView({ file, client: unknownLocation('192.0.2.1'), selection, fallback: [], version: '1' });
    assert.equal(random.random, true);
    assert.equal(random.client.place, '');
    assert.deepEqual(random.mirrors.map((m) => m.share), ['random', 'random', 'random']);
    assert.doesNotMatch(random.map, /marker-client|class="route"/);
    const none = mirrorListView({ file, client: gb, selection: { choices: [], excluded: [] }, fallback: [{ url: 'https://fb.example/', countryCode: 'FR' }], version: '1' });
    assert.equal(none.usingFallback, true);
    assert.equal(none.fallback[0]!.fileURL, 'https://fb.example/dir/a%20file.iso');
  });
});

const counts = (entries: [number, number, number][]): Map<number, Downloads> => new Map(entries.map(([id, count, bytes]) => [id, { count, bytes }]));

const fakeStore = (fail = false): DownloadCounts & { asked: string[] } => {
  const asked: string[] = [];
  return {
    asked,
    mirrorDownloads: async (period) => {
      asked.push(`day ${period}`);
      if (fail) throw new Error('database is locked');
      return counts([[1, 3, 3000], [2, 1, 1000], [0, 1, 10]]);
    },
    mirrorDownloadsBetween: async (from, to) => {
      asked.push(`between ${from} ${to}`);
      return counts([[1, 30, 30_000], [2, 60, 60_000], [3, 5, 5], [77, 5, 5]]);
    },
    dailyDownloads: async (from, to) => {
      asked.push(`daily ${from} ${to}`);
      return [{ day: '2026-11-20', count: 40, bytes: 4096 }, { day: '2026-11-21', count: 60, bytes: 1 }];
    },
  };
};

describe('mirrorStatsView', () => {
  const mirrors = [
    mirrorView(mirror(1, 'one', { traceLagMs: 3 * 3_600_000 }), 10, 86_400_000),
    mirrorView(mirror(2, 'two', { httpUp: false, httpDownReason: 'connection refused', httpURL: 'http://two.example/', scanFailures: 5 }), 10, 86_400_000),
    mirrorView(mirror(3, 'three', { enabled: false }), 0, 86_400_000),
  ];

  it('shows each mirror with its state, lag and downloads, busiest today first', async () => {
    const store = fakeStore();
    const v = await mirrorStatsView({ mirrors, store, now: NOW, version: '1' });
    assert.deepEqual(store.asked.sort(), ['between 2026-10-23 2026-11-21', 'daily 2026-10-23 2026-11-21', 'day 2026-11-21']);
    assert.deepEqual(v.mirrors.map((m) => [m.name, m.state, m.today.count, m.period.count]), [
      ['one', 'up', 3, 30],
      ['two', 'down', 1, 60],
      ['three', 'disabled', 0, 5],
    ]);
    const [one, two] = v.mirrors;
    assert.equal(one!.lag, '3 h');
    assert.equal(one!.lagClass, 'ok');
    assert.equal(one!.today.share, '60.0 %', 'of all downloads today, fallbacks included');
    assert.equal(one!.since, '2026-11-21 14:30 UTC');
    assert.equal(one!.sinceAgo, '1 h ago');
    assert.equal(two!.reason, 'HTTP: connection refused');
    assert.deepEqual(two!.flags, ['scan failing (5 in a row)']);
    assert.equal(two!.lag, 'unknown');
    assert.deepEqual(v.counts, { mirrors: 3, up: 1, partial: 0, down: 1, disabled: 1 });
    assert.equal(v.totals.today.count, 5);
    assert.equal(v.totals.period.count, 100);
    assert.equal(v.fallbackToday, '1');
    assert.equal(v.removedPeriod, '5');
    assert.equal(v.daily.length, 30);
    assert.deepEqual(v.daily.slice(-3).map((d) => [d.day, d.count]), [['2026-11-19', 0], ['2026-11-20', 40], ['2026-11-21', 60]]);
    const chart = JSON.parse(v.dailyJSON) as { days: number[]; downloads: number[]; bytes: number[] };
    assert.equal(chart.days.length, 30);
    assert.equal(chart.days.at(-1), Date.parse('2026-11-21T00:00:00Z') / 1000);
    assert.equal(chart.downloads.at(-2), 40);
    assert.equal(v.map.match(/class="marker /g)?.length, 3);
    assert.equal(v.map.match(/marker-disabled/g)?.length, 1);
  });

  it('takes the period from the query, and explains a bad one instead of failing', async () => {
    const ok = await mirrorStatsView({ mirrors, store: fakeStore(), from: '2026-11-20', to: '2026-11-21', now: NOW, version: '1' });
    assert.deepEqual([ok.period.from, ok.period.to, ok.period.hasError, ok.daily.length], ['2026-11-20', '2026-11-21', false, 2]);
    const bad = await mirrorStatsView({ mirrors, store: fakeStore(), from: 'soon', now: NOW, version: '1' });
    assert.equal(bad.period.hasError, true);
    assert.match(bad.period.error, /from: "soon" is not a date/);
    assert.equal(bad.period.days, 30);
    const html = await renderMirrorStats({ mirrors, store: fakeStore(), from: '<b>', now: NOW, version: '1' });
    assert.match(html, /from: &quot;&lt;b&gt;&quot; is not a date/);
    assert.equal(html.match(/<tr class="row-/g)?.length, 3);
  });

  it('shows a message, not an error page, when the store cannot answer', async () => {
    const v = await mirrorStatsView({ mirrors, store: fakeStore(true), now: NOW, version: '1' });
    assert.match(v.statsError, /database is locked/);
    assert.equal(v.totals.today.count, 0);
    assert.equal(v.mirrors.length, 3);
  });

  it('lets no text close a script element early', async () => {
    const html = await renderMirrorStats({ mirrors: [], store: fakeStore(), now: NOW, version: '</script><script>alert(1)</script>' });
    assert.equal(html.match(/<\/script>/g)?.length, 3, 'the two script tags of the layout and the data element');
  });
});
