// The `?mirrorstats` page's view model: every mirror's state and downloads (today and over a chosen period), a map
// of the mirrors coloured by state, and the downloads per day for the chart and its table.
import type { MirrorStateName, MirrorView } from '../../mirrors/view.js';
import { ago, humanDuration, humanSize, integer, shareOf, utcDay, utcMinute } from './format.js';
import { ASSET_BASE } from './mirrorlist.js';
import { PageRenderer } from './renderer.js';
import { addDays, daysBetween, parsePeriod } from './period.js';
import { worldMap } from './world-map.js';

export interface Downloads {
  count: number;
  bytes: number;
}

/** The statistics reads the page makes (a subset of the Store). Mirror id 0 counts the fallbacks. */
export interface DownloadCounts {
  mirrorDownloads(period: string): Promise<Map<number, Downloads>>;
  mirrorDownloadsBetween(from: string, to: string): Promise<Map<number, Downloads>>;
  dailyDownloads(from: string, to: string): Promise<{ day: string; count: number; bytes: number }[]>;
}

export interface MirrorStatsInput {
  mirrors: readonly MirrorView[];
  store: DownloadCounts;
  /** The `from` / `to` query parameters (YYYY-MM-DD, UTC days); absent = the last 30 days. */
  from?: string | null;
  to?: string | null;
  now: number;
  version: string;
  /** URL prefix of the page assets (default `/.signpost/`). */
  assetBase?: string;
}

export interface DownloadCells {
  downloads: string;
  count: number;
  bytes: string;
  byteCount: number;
  /** Share of all downloads of the same span, `12.5 %`; '' when there were none. */
  share: string;
}

export interface MirrorStatsRow {
  id: number;
  name: string;
  displayName: string;
  sponsorURL: string;
  url: string;
  country: string;
  state: MirrorStateName;
  stateLabel: string;
  /** `2026-11-01 12:00 UTC`, '' when unknown. */
  since: string;
  sinceAgo: string;
  reason: string;
  flags: string[];
  hasFlags: boolean;
  /** How far the mirror's trace file is behind the master's: `3 h 20 min`, `none`, or `unknown`. */
  lag: string;
  /** `ok`, `warn`, `bad` or `unknown`, for colouring the lag. */
  lagClass: string;
  traceTime: string;
  lastScan: string;
  files: number;
  today: DownloadCells;
  period: DownloadCells;
}

export interface MirrorStatsView {
  title: string;
  assets: string;
  version: string;
  page: 'mirrorstats';
  /** The layout loads the chart's script and styles when true. */
  chart: boolean;
  /** `2026-11-01 12:00 UTC`: when the page was made. */
  generated: string;
  today: string;
  period: { from: string; to: string; days: number; error: string; hasError: boolean };
  /** Links to common periods: `{ label, from, to }`. */
  presets: { label: string; from: string; to: string }[];
  /** Store read failure, '' when the numbers are good. */
  statsError: string;
  counts: { mirrors: number; up: number; partial: number; down: number; disabled: number };
  totals: { today: DownloadCells; period: DownloadCells };
  /** Downloads sent to the configured fallbacks, and to mirrors since removed (both '' when none). */
  fallbackToday: string;
  fallbackPeriod: string;
  removedPeriod: string;
  /** Inline `<svg>` (trusted markup: render it with `{{{map}}}`). */
  map: string;
  mirrors: MirrorStatsRow[];
  hasMirrors: boolean;
  daily: { day: string; downloads: string; count: number; bytes: string; byteCount: number }[];
  /** `{"days":[unix seconds…],"downloads":[…],"bytes":[…]}` made safe for a `<script>` element (render with `{{{dailyJSON}}}`). */
  dailyJSON: string;
  maxToday: number;
  maxPeriod: number;
}

const STATE_LABEL: Record<MirrorStateName, string> = { up: 'up', down: 'down', partial: 'partly up', disabled: 'disabled' };
const HOUR = 3_600_000;

const cells = (d: Downloads | undefined, total: number): DownloadCells => {
  const count = d?.count ?? 0;
  const bytes = d?.bytes ?? 0;
  return { downloads: integer(count), count, bytes: humanSize(bytes), byteCount: bytes, share: count > 0 ? shareOf(count, total) : '' };
};

const sum = (map: Map<number, Downloads>, keep: (id: number) => boolean = () => true): Downloads => {
  let count = 0;
  let bytes = 0;
  for (const [id, d] of map) {
    if (!keep(id)) continue;
    count += d.count;
    bytes += d.bytes;
  }
  return { count, bytes };
};

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown, otherwise: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : otherwise);
const time = (iso: string | null | unknown): number => (typeof iso === 'string' ? Date.parse(iso) || 0 : 0);

const lagOf = (m: MirrorView, flags: string[]): { lag: string; lagClass: string } => {
  const lagMs = num(m.traceLagMs, -1);
  if (lagMs < 0) return { lag: 'unknown', lagClass: 'unknown' };
  // Mirrorbits' colours for the age of a trace: orange past two days, red past a month.
  const lagClass = lagMs > 720 * HOUR ? 'bad' : lagMs > 48 * HOUR || flags.some((f) => f.startsWith('lagging')) ? 'warn' : 'ok';
  return { lag: lagMs < 60_000 ? 'none' : humanDuration(lagMs), lagClass };
};

/** Embeds JSON in HTML: `<` escaped so that no `</script>` or `<!--` can end the element early. */
const scriptJSON = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

export const mirrorStatsView = async (input: MirrorStatsInput): Promise<MirrorStatsView> => {
  const { now } = input;
  const today = utcDay(now);
  const period = parsePeriod(input.from, input.to, now);

  let todayCounts = new Map<number, Downloads>();
  let periodCounts = new Map<number, Downloads>();
  let dailyRows: { day: string; count: number; bytes: number }[] = [];
  let statsError = '';
  try {
    [todayCounts, periodCounts, dailyRows] = await Promise.all([
      input.store.mirrorDownloads(today),
      input.store.mirrorDownloadsBetween(period.from, period.to),
      input.store.dailyDownloads(period.from, period.to),
    ]);
  } catch (error) {
    statsError = `The download statistics cannot be read right now (${(error as Error).message}); the counts below show zero.`;
  }

  const known = new Set(input.mirrors.map((m) => m.id));
  const totalToday = sum(todayCounts);
  const totalPeriod = sum(periodCounts);

  const rows: MirrorStatsRow[] = input.mirrors.map((m) => {
    const flags = strings(m.flags);
    const sinceMs = time(m.since);
    const name = m.name;
    return {
      id: m.id,
      name,
      displayName: text(m.sponsorName) || name,
      sponsorURL: text(m.sponsorURL),
      url: m.http,
      country: m.country.join(' '),
      state: m.state,
      stateLabel: STATE_LABEL[m.state],
      since: utcMinute(sinceMs),
      sinceAgo: sinceMs > 0 ? ago(sinceMs, now) : '',
      reason: m.reason ?? '',
      flags,
      hasFlags: flags.length > 0,
      ...lagOf(m, flags),
      traceTime: utcMinute(time(m.traceTime)),
      lastScan: utcMinute(time(m.lastSuccessfulScan)),
      files: num(m.files, 0),
      today: cells(todayCounts.get(m.id), totalToday.count),
      period: cells(periodCounts.get(m.id), totalPeriod.count),
    };
  });
  // Busiest first, as Mirrorbits orders the table.
  rows.sort((a, b) => b.today.count - a.today.count || b.period.count - a.period.count || a.name.localeCompare(b.name));

  const byDay = new Map(dailyRows.map((d) => [d.day, d]));
  const daily = daysBetween(period.from, period.to).map((day) => {
    const d = byDay.get(day);
    return { day, downloads: integer(d?.count ?? 0), count: d?.count ?? 0, bytes: humanSize(d?.bytes ?? 0), byteCount: d?.bytes ?? 0 };
  });

  const counts = { mirrors: rows.length, up: 0, partial: 0, down: 0, disabled: 0 };
  for (const r of rows) counts[r.state]++;

  const fallbackToday = todayCounts.get(0)?.count ?? 0;
  const fallbackPeriod = periodCounts.get(0)?.count ?? 0;
  const removedPeriod = sum(periodCounts, (id) => id !== 0 && !known.has(id)).count;

  const markers = input.mirrors.map((m) => ({
    latitude: m.latitude,
    longitude: m.longitude,
    kind: m.state,
    name: m.name,
    label: `${m.name}: ${STATE_LABEL[m.state]}${m.reason ? ` (${m.reason})` : ''}${m.latitude === 0 && m.longitude === 0 ? ', location not set' : ''}`,
  }));

  return {
    title: 'Mirror statistics',
    assets: input.assetBase ?? ASSET_BASE,
    version: input.version,
    page: 'mirrorstats',
    chart: true,
    generated: utcMinute(now),
    today,
    period: { from: period.from, to: period.to, days: period.days, error: period.error, hasError: period.error !== '' },
    presets: [
      { label: 'Last 7 days', from: addDays(today, -6), to: today },
      { label: 'Last 30 days', from: addDays(today, -29), to: today },
      { label: 'This month', from: `${today.slice(0, 8)}01`, to: today },
      { label: 'Last 365 days', from: addDays(today, -364), to: today },
    ],
    statsError,
    counts,
    totals: { today: cells(totalToday, totalToday.count), period: cells(totalPeriod, totalPeriod.count) },
    fallbackToday: fallbackToday > 0 ? integer(fallbackToday) : '',
    fallbackPeriod: fallbackPeriod > 0 ? integer(fallbackPeriod) : '',
    removedPeriod: removedPeriod > 0 ? integer(removedPeriod) : '',
    map: worldMap(markers, { title: 'Map of the mirrors, coloured by state' }),
    mirrors: rows,
    hasMirrors: rows.length > 0,
    daily,
    dailyJSON: scriptJSON({
      days: daily.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000),
      downloads: daily.map((d) => d.count),
      bytes: daily.map((d) => d.byteCount),
    }),
    maxToday: Math.max(0, ...rows.map((r) => r.today.count)),
    maxPeriod: Math.max(0, ...rows.map((r) => r.period.count)),
  };
};

let builtIn: PageRenderer | undefined;

/** HTML of the page; without `renderer`, Signpost's built-in templates (the daemon passes the one made from `Templates`). */
export const renderMirrorStats = async (input: MirrorStatsInput, renderer?: PageRenderer): Promise<string> =>
  (renderer ?? (builtIn ??= new PageRenderer(''))).render('mirrorstats', await mirrorStatsView(input));
