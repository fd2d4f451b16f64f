// The per-candidate filter of mirror selection: is this mirror's copy usable for this client and protocol,
// and if not, why (reason texts are Mirrorbits').
import type { AllowOutdatedRule } from '../config/config.js';
import type { ClientLocation } from '../geo/location.js';
import { EXACT_COPY, type Mirror, type MirrorFile } from '../mirrors/mirror.js';
import type { RepoFile } from '../repo/file.js';
import { goDuration } from './duration.js';
import type { TLSRequirement } from './types.js';

/** What the file checks need, worked out once per request rather than once per candidate. */
export interface FileCheck {
  file: RepoFile;
  /** False when an AllowOutdatedFiles rule matches the path. */
  checkSize: boolean;
  /** How much older than the repository a mirror's copy may be (0 = exact match at the mirror's precision). */
  maxOutdatedMs: number;
  fixTimezoneOffsets: boolean;
  /** MaxMirrorLag: a mirror whose trace is further behind is not trusted for files changed since its trace (0 = off). */
  maxMirrorLagMs: number;
}

/** The first AllowOutdatedFiles rule whose prefix starts the path decides; rules are checked in order. */
export function fileCheck(file: RepoFile, rules: readonly AllowOutdatedRule[], fixTimezoneOffsets: boolean, maxMirrorLagMs = 0): FileCheck {
  for (const rule of rules) {
    if (file.path.startsWith(rule.prefix)) {
      return { file, checkSize: false, maxOutdatedMs: rule.minutes * 60_000, fixTimezoneOffsets, maxMirrorLagMs };
    }
  }
  return { file, checkSize: true, maxOutdatedMs: 0, fixTimezoneOffsets, maxMirrorLagMs };
}

// Go's Time.Truncate counts from 1 January of year 1, not from the Unix epoch; for a precision that does
// not divide this offset the two differ, and the mtime comparison must match Mirrorbits'.
const GO_ZERO_TIME_OFFSET_MS = 62_135_596_800_000;

// The offset modulo the last precision seen: nearly every mirror has the same precision, and `%` on
// doubles costs more than the rest of the check.
let shiftPrecision = 1000;
let shift = 0;

/** `t` rounded down to a multiple of `precision` since Go's zero time; unchanged when precision ≤ 0. */
export function truncateTime(t: number, precision: number): number {
  if (!(precision > 0)) return t;
  if (precision !== shiftPrecision) {
    shift = GO_ZERO_TIME_OFFSET_MS % precision;
    shiftPrecision = precision;
  }
  // Multiples since year 1 sit at k·precision − shift on the Unix time line.
  return Math.floor((t + shift) / precision) * precision - shift;
}

const hasScheme = (url: string): boolean => url.startsWith('http://') || url.startsWith('https://');
const httpsUsable = (mirror: Mirror): boolean => mirror.httpsUp && !mirror.httpURL.startsWith('http://');

/**
 * The base URL the mirror is used (or would have been used) with: as configured when it has a scheme,
 * otherwise with the scheme the request needs — for 'any', HTTPS when the mirror can serve it, else HTTP.
 * '' for a disabled mirror, as Mirrorbits leaves it.
 */
export function absoluteURL(mirror: Mirror, tls: TLSRequirement): string {
  if (!mirror.enabled) return '';
  const url = mirror.httpURL;
  if (hasScheme(url)) return url;
  if (tls === 'with' || (tls === 'any' && mirror.httpsUp)) return 'https://' + url;
  return 'http://' + url;
}

const httpsReason = (mirror: Mirror): string => {
  if (mirror.httpURL.startsWith('http://')) return 'Not HTTPS';
  if (!mirror.httpsUp) return mirror.httpsDownReason || 'Down';
  return '';
};

const httpReason = (mirror: Mirror): string => {
  if (mirror.httpURL.startsWith('https://')) return 'Not HTTP';
  if (!mirror.httpUp) return mirror.httpDownReason || 'Down';
  return '';
};

const protocolReason = (mirror: Mirror, tls: TLSRequirement): string => {
  if (tls === 'with') return httpsReason(mirror);
  if (tls === 'without') return httpReason(mirror);
  if (httpsUsable(mirror)) return '';
  const overHTTP = httpReason(mirror);
  if (overHTTP === '') return '';
  const overHTTPS = httpsReason(mirror);
  return overHTTP === overHTTPS ? overHTTP : `${overHTTP} / ${overHTTPS}`;
};

/**
 * Why this candidate cannot serve the request, '' when it can. Checks run in Mirrorbits' order and the
 * first failure wins: enabled, protocol, size, mtime, continent-only, country-only, AS-only, excluded countries.
 */
export function filterReason(
  mirror: Mirror,
  copy: MirrorFile,
  client: ClientLocation,
  tls: TLSRequirement,
  check: FileCheck,
): string {
  if (!mirror.enabled) return 'Disabled';
  const protocol = protocolReason(mirror, tls);
  if (protocol !== '') return protocol;

  const file = check.file;
  if (copy !== EXACT_COPY && check.checkSize && copy.size !== file.size) return 'File size mismatch';
  if (copy !== EXACT_COPY && copy.mtimeMs !== 0) {
    const precision = mirror.lastSuccessfulSyncPrecisionMs;
    const mirrorTime = truncateTime(
      check.fixTimezoneOffsets ? copy.mtimeMs + mirror.tzOffsetMs : copy.mtimeMs,
      precision,
    );
    const delta = truncateTime(file.mtimeMs, precision) - mirrorTime;
    if (delta < 0 || delta > check.maxOutdatedMs) return `Mod time mismatch (diff: ${goDuration(delta)})`;
  }
  // Freshness (Signpost): a mirror mid-sync, or lagging beyond MaxMirrorLag, is not trusted for files that changed
  // after the state its trace file vouches for, even when its last scan listed them.
  if (mirror.syncing || (check.maxMirrorLagMs > 0 && mirror.traceLagMs > check.maxMirrorLagMs)) {
    const vouched = mirror.lastModTime > 0 ? mirror.lastModTime : mirror.lastSuccessfulSync;
    if (file.mtimeMs > vouched) {
      return check.maxMirrorLagMs > 0 && mirror.traceLagMs > check.maxMirrorLagMs
        ? `Lagging (trace ${goDuration(mirror.traceLagMs)} behind)`
        : 'Sync in progress';
    }
  }

  if (mirror.continentOnly && (!client.valid || client.continentCode !== mirror.continentCode)) {
    return 'Continent only';
  }
  if (mirror.countryOnly && (!client.valid || !mirror.countryCodes.includes(client.countryCode))) {
    return 'Country only';
  }
  if (mirror.asOnly && (!client.valid || client.asn !== mirror.asnum)) return 'AS only';
  if (client.valid && mirror.excludedCountryCodes.includes(client.countryCode)) return "User's country restriction";
  return '';
}
