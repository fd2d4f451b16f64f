// Mirrorbits-compatible JSON shapes of the redirector's answers, without private fields (e-mail, comment, credentials, custom data).
import type { ClientLocation } from '../geo/location.js';
import type { Mirror } from '../mirrors/mirror.js';
import type { RepoFile } from '../repo/file.js';

const iso = (ms: number): string => (ms > 0 ? new Date(ms).toISOString() : '0001-01-01T00:00:00Z');

/** A URL without `user:password@`. */
export const withoutCredentials = (url: string): string => url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');

const PROTOCOL_CODES: Record<string, number> = { rsync: 0, ftp: 1, http: 2 };

export interface PlacedMirror {
  mirror: Mirror;
  url: string;
  distance: number;
  score?: number;
  share?: number;
  reason?: string;
}

export const mirrorJSON = (placed: PlacedMirror): Record<string, unknown> => {
  const m = placed.mirror;
  const out: Record<string, unknown> = {
    ID: m.id,
    Name: m.name,
    HttpURL: m.httpURL,
    RsyncURL: withoutCredentials(m.rsyncURL),
    FtpURL: withoutCredentials(m.ftpURL),
    SponsorName: m.sponsorName,
    SponsorURL: m.sponsorURL,
    SponsorLogoURL: m.sponsorLogoURL,
    ContinentOnly: m.continentOnly,
    CountryOnly: m.countryOnly,
    ASOnly: m.asOnly,
    Score: m.score,
    Latitude: m.latitude,
    Longitude: m.longitude,
    ContinentCode: m.continentCode,
    CountryCodes: m.countryCodes.join(' '),
    ExcludedCountryCodes: m.excludedCountryCodes.join(' '),
    Asnum: m.asnum,
    Enabled: m.enabled,
  };
  if (m.httpDownReason) out.HttpDownReason = m.httpDownReason;
  if (m.httpsDownReason) out.HttpsDownReason = m.httpsDownReason;
  out.StateSince = iso(m.stateSince);
  if (m.allowRedirects !== 'default') out.AllowRedirects = m.allowRedirects === 'yes' ? 1 : 2;
  out.Distance = Math.round(placed.distance * 10000) / 10000;
  out.ComputedScore = placed.score ?? 0;
  if (placed.share !== undefined && placed.share > 0) out.Weight = Math.round(placed.share * 100) / 100;
  out.LastSync = iso(m.lastSync);
  out.LastSuccessfulSync = iso(m.lastSuccessfulSync);
  out.LastSuccessfulSyncProtocol = PROTOCOL_CODES[m.lastSuccessfulSyncProtocol] ?? 0;
  out.LastSuccessfulSyncPrecision = m.lastSuccessfulSyncPrecisionMs * 1_000_000;
  out.LastModTime = iso(m.lastModTime);
  out.AbsoluteURL = placed.url;
  if (placed.reason) out.ExcludeReason = placed.reason;
  return out;
};

export const fileInfoJSON = (file: RepoFile): Record<string, unknown> => {
  const out: Record<string, unknown> = { Path: file.path };
  if (file.size > 0) out.Size = file.size;
  out.ModTime = iso(file.mtimeMs);
  if (file.sha1) out.Sha1 = file.sha1;
  if (file.sha256) out.Sha256 = file.sha256;
  if (file.md5) out.Md5 = file.md5;
  return out;
};

export const clientInfoJSON = (c: ClientLocation): Record<string, unknown> => ({
  CountryCode: c.countryCode,
  ContinentCode: c.continentCode,
  City: c.city,
  Country: c.country,
  Latitude: c.latitude,
  Longitude: c.longitude,
  ASName: c.asName,
  ASNum: c.asn,
});

/** The parts of a mirror's JSON that do not depend on the request, serialised once per mirror record. */
const fragments = new WeakMap<Mirror, { head: string; tail: string }>();

const fragmentsOf = (m: Mirror): { head: string; tail: string } => {
  let cached = fragments.get(m);
  if (cached === undefined) {
    const full = mirrorJSON({ mirror: m, url: '', distance: 0 });
    const head: Record<string, unknown> = {};
    const tail: Record<string, unknown> = {};
    let target = head;
    for (const [key, value] of Object.entries(full)) {
      if (key === 'Distance') continue;
      if (key === 'ComputedScore') {
        target = tail;
        continue;
      }
      if (key === 'AbsoluteURL') break;
      target[key] = value;
    }
    cached = { head: JSON.stringify(head).slice(0, -1), tail: JSON.stringify(tail).slice(1, -1) };
    fragments.set(m, cached);
  }
  return cached;
};

/** Exactly JSON.stringify(mirrorJSON(placed)), from cached fragments: a JSON answer lists every mirror. */
export const mirrorJSONText = (placed: PlacedMirror): string => {
  const { head, tail } = fragmentsOf(placed.mirror);
  let text = `${head},"Distance":${Math.round(placed.distance * 10000) / 10000},"ComputedScore":${placed.score ?? 0}`;
  if (placed.share !== undefined && placed.share > 0) text += `,"Weight":${Math.round(placed.share * 100) / 100}`;
  if (tail !== '') text += `,${tail}`;
  text += `,"AbsoluteURL":${JSON.stringify(placed.url)}`;
  if (placed.reason) text += `,"ExcludeReason":${JSON.stringify(placed.reason)}`;
  return `${text}}`;
};
