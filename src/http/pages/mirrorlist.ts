// The `?mirrorlist` page's view model: what a template can show about the file, the client and the mirrors that
// would serve it (ranked) or were left out (with the reason), plus the map of all of them.
import type { ClientLocation } from '../../geo/location.js';
import type { Mirror } from '../../mirrors/mirror.js';
import type { RepoFile } from '../../repo/file.js';
import type { Selection } from '../../selection/select.js';
import { encodePath } from '../request-path.js';
import { humanSize, integer, km, percent } from './format.js';
import { worldMap } from './world-map.js';
import type { MapMarker } from './world-map.js';

export const ASSET_BASE = '/.signpost/';

export interface MirrorListInput {
  file: RepoFile;
  client: ClientLocation;
  selection: Selection;
  /** The fallbacks in the order a redirect would use them; shown only when no mirror serves the file. */
  fallback: readonly { url: string; countryCode: string }[];
  version: string;
  /** URL prefix of the page assets (default `/.signpost/`). */
  assetBase?: string;
}

export interface MirrorRow {
  rank: number;
  name: string;
  /** The sponsor's name when set, else the mirror's name (what Mirrorbits shows). */
  displayName: string;
  sponsorURL: string;
  /** Absolute URL of the file on this mirror. */
  fileURL: string;
  /** The mirror's base URL as the client would use it. */
  baseURL: string;
  country: string;
  continent: string;
  distance: string;
  distanceKm: number;
  score: number;
  /** `45 %`, `<1 %`, `n/a` for a mirror a redirect would not pick, `random` when the client could not be located. */
  share: string;
  sharePercent: number;
  /** True when a redirect can pick this mirror (its share is above zero). */
  eligible: boolean;
}

export interface ExcludedRow {
  name: string;
  displayName: string;
  baseURL: string;
  country: string;
  continent: string;
  distance: string;
  distanceKm: number;
  reason: string;
}

export interface MirrorListView {
  title: string;
  assets: string;
  version: string;
  page: 'mirrorlist';
  chart: boolean;
  file: {
    path: string;
    name: string;
    size: string;
    bytes: string;
    sizeBytes: number;
    /** `Sun, 01 Nov 2026 12:00:00 GMT`, '' when the repository scan gave no time. */
    modified: string;
    modifiedISO: string;
    hashes: { name: string; value: string }[];
  };
  client: {
    ip: string;
    located: boolean;
    city: string;
    country: string;
    countryCode: string;
    continentCode: string;
    /** `near Boxford, United Kingdom` / `somewhere in France` / ''. */
    place: string;
    asn: number;
    asName: string;
    latitude: number;
    longitude: number;
  };
  /** Inline `<svg>` (trusted markup: render it with `{{{map}}}`). */
  map: string;
  mirrors: MirrorRow[];
  hasMirrors: boolean;
  /** The client could not be located, so the mirrors are in random order and have no share. */
  random: boolean;
  excluded: ExcludedRow[];
  hasExcluded: boolean;
  fallback: { url: string; fileURL: string; countryCode: string }[];
  usingFallback: boolean;
  /** Value for the `fromip` field of the form. */
  fromip: string;
}

const countryOf = (m: Mirror): string => m.countryCodes.join(' ');
const display = (m: Mirror): string => m.sponsorName || m.name;

const place = (client: ClientLocation): string => {
  if (!client.valid) return '';
  if (client.city) return `near ${client.city}, ${client.country || client.countryCode}`;
  return `somewhere in ${client.country || client.countryCode}`;
};

export const mirrorListView = (input: MirrorListInput): MirrorListView => {
  const { file, client, selection, version } = input;
  const relative = encodePath(file.path).slice(1);
  const located = client.valid;

  const mirrors: MirrorRow[] = selection.choices.map((c, i) => ({
    rank: i + 1,
    name: c.mirror.name,
    displayName: display(c.mirror),
    sponsorURL: c.mirror.sponsorURL,
    fileURL: c.url + relative,
    baseURL: c.url,
    country: countryOf(c.mirror),
    continent: c.mirror.continentCode,
    distance: located ? km(c.distance) : '',
    distanceKm: Math.round(c.distance),
    score: c.score,
    share: located ? percent(c.share) : 'random',
    sharePercent: Math.round(c.share * 10) / 10,
    eligible: c.share > 0,
  }));

  // Sorted by reason as Mirrorbits does, so mirrors left out for the same cause stand together.
  const excluded: ExcludedRow[] = [...selection.excluded]
    .sort((a, b) => (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : a.mirror.name.localeCompare(b.mirror.name)))
    .map((x) => ({
      name: x.mirror.name,
      displayName: display(x.mirror),
      baseURL: x.url,
      country: countryOf(x.mirror),
      continent: x.mirror.continentCode,
      distance: located ? km(x.distance) : '',
      distanceKm: Math.round(x.distance),
      reason: x.reason,
    }));

  const markers: MapMarker[] = [];
  if (located) {
    markers.push({ latitude: client.latitude, longitude: client.longitude, kind: 'client', name: 'client', label: `You: ${client.ip}${place(client) ? `, ${place(client)}` : ''}` });
  }
  selection.choices.forEach((c, i) => {
    const row = mirrors[i];
    const share = !located ? 'picked at random' : row.eligible ? `${row.share} of redirects` : 'not picked by redirects';
    markers.push({
      latitude: c.mirror.latitude,
      longitude: c.mirror.longitude,
      kind: row.eligible ? 'up' : 'mirror',
      name: c.mirror.name,
      label: `#${row.rank} ${row.displayName}${row.distance ? ` (${row.distance})` : ''}: ${share}`,
    });
  });
  for (const x of selection.excluded) {
    markers.push({ latitude: x.mirror.latitude, longitude: x.mirror.longitude, kind: 'excluded', name: x.mirror.name, label: `${display(x.mirror)}: excluded (${x.reason})` });
  }

  const hashes = (['md5', 'sha1', 'sha256'] as const).map((h) => ({ name: h.toUpperCase(), value: file[h] || 'N/A' }));
  const modified = file.mtimeMs > 0 ? new Date(file.mtimeMs) : undefined;
  const name = file.path.slice(file.path.lastIndexOf('/') + 1);

  return {
    title: `Mirrors for ${file.path}`,
    assets: input.assetBase ?? ASSET_BASE,
    version,
    page: 'mirrorlist',
    chart: false,
    file: {
      path: file.path,
      name,
      size: humanSize(file.size),
      bytes: integer(file.size),
      sizeBytes: file.size,
      modified: modified ? modified.toUTCString() : '',
      modifiedISO: modified ? modified.toISOString() : '',
      hashes,
    },
    client: {
      ip: client.ip,
      located,
      city: client.city,
      country: client.country,
      countryCode: client.countryCode,
      continentCode: client.continentCode,
      place: place(client),
      asn: client.asn,
      asName: client.asName,
      latitude: client.latitude,
      longitude: client.longitude,
    },
    map: worldMap(markers, { fit: true, routeTo: located && mirrors.length > 0 ? 1 : undefined, title: `Map of the mirrors for ${file.path}` }),
    mirrors,
    hasMirrors: mirrors.length > 0,
    random: !located && mirrors.length > 0,
    excluded,
    hasExcluded: excluded.length > 0,
    fallback: input.fallback.map((f) => ({ url: f.url, fileURL: f.url + relative, countryCode: f.countryCode })),
    usingFallback: mirrors.length === 0 && input.fallback.length > 0,
    fromip: client.ip,
  };
};
