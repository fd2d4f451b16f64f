// The operator's view of a mirror (CLI `list --json` / `show --json` and the admin API): stable, documented field names.
import type { Mirror } from './mirror.js';

export type MirrorStateName = 'up' | 'down' | 'disabled' | 'partial';

const offers = (mirror: Mirror): { http: boolean; https: boolean } => ({
  http: !mirror.httpURL.startsWith('https://'),
  https: !mirror.httpURL.startsWith('http://'),
});

export const stateOf = (mirror: Mirror): { state: MirrorStateName; reason: string | null } => {
  if (!mirror.enabled) return { state: 'disabled', reason: null };
  const o = offers(mirror);
  const up = [o.http && mirror.httpUp, o.https && mirror.httpsUp].filter(Boolean).length;
  const offered = Number(o.http) + Number(o.https);
  const reasons = [o.http && !mirror.httpUp ? `HTTP: ${mirror.httpDownReason || 'down'}` : '', o.https && !mirror.httpsUp ? `HTTPS: ${mirror.httpsDownReason || 'down'}` : ''].filter(Boolean);
  if (up === offered) return { state: 'up', reason: null };
  return { state: up === 0 ? 'down' : 'partial', reason: reasons.join('; ') };
};

/** Conditions worth an operator's eye that do not by themselves take the mirror down. */
export const flagsOf = (mirror: Mirror, maxLagMs: number, scanFailuresFlag = 3): string[] => {
  const flags: string[] = [];
  if (mirror.scanFailures >= scanFailuresFlag) flags.push(`scan failing (${mirror.scanFailures} in a row)`);
  if (mirror.lastSuccessfulSync === 0) flags.push('never scanned');
  if (maxLagMs > 0 && mirror.traceLagMs > maxLagMs) flags.push(`lagging (${Math.round(mirror.traceLagMs / 60_000)} min)`);
  if (mirror.syncing) flags.push('sync in progress');
  return flags;
};

const iso = (ms: number): string | null => (ms > 0 ? new Date(ms).toISOString() : null);

export interface MirrorView {
  id: number;
  name: string;
  enabled: boolean;
  state: MirrorStateName;
  reason: string | null;
  since: string | null;
  http: string;
  rsync: string;
  ftp: string;
  country: string[];
  continent: string;
  asn: number;
  latitude: number;
  longitude: number;
  score: number;
  [field: string]: unknown;
}

export const mirrorView = (mirror: Mirror, filesHeld: number, maxLagMs = 0): MirrorView => {
  const { state, reason } = stateOf(mirror);
  const o = offers(mirror);
  return {
    id: mirror.id,
    name: mirror.name,
    enabled: mirror.enabled,
    state,
    reason,
    since: iso(mirror.stateSince),
    http: mirror.httpURL,
    rsync: mirror.rsyncURL,
    ftp: mirror.ftpURL,
    country: mirror.countryCodes,
    continent: mirror.continentCode,
    asn: mirror.asnum,
    latitude: mirror.latitude,
    longitude: mirror.longitude,
    score: mirror.score,
    excludedCountries: mirror.excludedCountryCodes,
    continentOnly: mirror.continentOnly,
    countryOnly: mirror.countryOnly,
    asOnly: mirror.asOnly,
    allowRedirects: mirror.allowRedirects,
    sponsorName: mirror.sponsorName,
    sponsorURL: mirror.sponsorURL,
    sponsorLogoURL: mirror.sponsorLogoURL,
    adminName: mirror.adminName,
    adminEmail: mirror.adminEmail,
    customData: mirror.customData,
    comment: mirror.comment,
    health: {
      http: o.http ? (mirror.httpUp ? 'up' : 'down') : 'n/a',
      https: o.https ? (mirror.httpsUp ? 'up' : 'down') : 'n/a',
    },
    httpDownReason: mirror.httpDownReason || null,
    httpsDownReason: mirror.httpsDownReason || null,
    files: filesHeld,
    lastScan: iso(mirror.lastSync),
    lastSuccessfulScan: iso(mirror.lastSuccessfulSync),
    lastScanProtocol: mirror.lastSuccessfulSyncProtocol || null,
    scanPrecisionMs: mirror.lastSuccessfulSyncPrecisionMs,
    tzOffsetMs: mirror.tzOffsetMs,
    traceTime: iso(mirror.lastModTime),
    traceLagMs: mirror.traceLagMs,
    syncing: mirror.syncing,
    scanFailures: mirror.scanFailures,
    flags: flagsOf(mirror, maxLagMs),
    created: iso(mirror.createdAt),
  };
};
