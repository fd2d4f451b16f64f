// Builders shared by the selection tests: mirrors, clients, files and a seeded random source.
import type { ClientLocation } from '../geo/location.js';
import { defaultSettings, initialState, type Mirror, type MirrorFile } from '../mirrors/mirror.js';
import type { RepoFile } from '../repo/file.js';
import type { Candidate } from './types.js';

let nextId = 1;

/**
 * An enabled, healthy mirror serving both protocols; `overrides` win. Built as one literal with every field
 * (not by spreading the settings and state objects) so all test mirrors share one hidden class, as
 * catalog mirrors should: spreading two large objects gives each mirror its own V8 map.
 */
export const testMirror = (overrides: Partial<Mirror> & { name: string }): Mirror => {
  const d = defaultSettings();
  // Test mirrors are checked and up unless a test says otherwise.
  const s = { ...initialState(0), httpUp: true, httpsUp: true, httpDownReason: "", httpsDownReason: "" };
  const mirror: Mirror = {
    id: nextId++,
    name: overrides.name,
    httpURL: `${overrides.name}.example.org/pub/`,
    rsyncURL: d.rsyncURL,
    ftpURL: d.ftpURL,
    sponsorName: d.sponsorName,
    sponsorURL: d.sponsorURL,
    sponsorLogoURL: d.sponsorLogoURL,
    adminName: d.adminName,
    adminEmail: d.adminEmail,
    customData: d.customData,
    comment: d.comment,
    continentOnly: d.continentOnly,
    countryOnly: d.countryOnly,
    asOnly: d.asOnly,
    score: d.score,
    latitude: d.latitude,
    longitude: d.longitude,
    continentCode: d.continentCode,
    countryCodes: d.countryCodes,
    excludedCountryCodes: d.excludedCountryCodes,
    asnum: d.asnum,
    enabled: true,
    allowRedirects: d.allowRedirects,
    httpUp: s.httpUp,
    httpsUp: s.httpsUp,
    httpDownReason: s.httpDownReason,
    httpsDownReason: s.httpsDownReason,
    stateSince: s.stateSince,
    tzOffsetMs: s.tzOffsetMs,
    lastSync: s.lastSync,
    lastSuccessfulSync: s.lastSuccessfulSync,
    lastSuccessfulSyncProtocol: s.lastSuccessfulSyncProtocol,
    lastSuccessfulSyncPrecisionMs: s.lastSuccessfulSyncPrecisionMs,
    lastModTime: s.lastModTime,
    filesKnown: s.filesKnown,
    traceLagMs: s.traceLagMs,
    syncing: s.syncing,
    scanFailures: s.scanFailures,
    createdAt: s.createdAt,
  };
  return Object.assign(mirror, overrides);
};

export const NOW = Date.UTC(2024, 5, 7, 12, 0, 0);

export const testFile = (overrides: Partial<RepoFile> = {}): RepoFile => ({
  path: '/test/file.tgz',
  size: 43000,
  mtimeMs: NOW,
  sha1: '',
  sha256: '',
  md5: '',
  ...overrides,
});

/** The copy a mirror would hold of `file`, identical unless overridden. */
export const copyOf = (file: RepoFile, overrides: Partial<MirrorFile> = {}): MirrorFile => ({
  path: file.path,
  size: file.size,
  mtimeMs: file.mtimeMs,
  ...overrides,
});

export const candidatesFor = (file: RepoFile, mirrors: readonly Mirror[]): Candidate[] =>
  mirrors.map((mirror) => ({ mirror, copy: copyOf(file) }));

export const testClient = (overrides: Partial<ClientLocation> = {}): ClientLocation => ({
  ip: '192.0.2.1',
  countryCode: 'FR',
  continentCode: 'EU',
  city: '',
  country: '',
  latitude: 0,
  longitude: 0,
  asn: 0,
  asName: '',
  valid: true,
  ...overrides,
});

/** mulberry32: a small seeded PRNG so statistical tests give the same answer on every run. */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** Pearson's chi-square statistic of observed counts against expected probabilities. */
export const chiSquare = (observed: readonly number[], probabilities: readonly number[]): number => {
  const total = observed.reduce((a, b) => a + b, 0);
  let statistic = 0;
  for (let i = 0; i < observed.length; i++) {
    const expected = total * probabilities[i];
    statistic += (observed[i] - expected) ** 2 / expected;
  }
  return statistic;
};
