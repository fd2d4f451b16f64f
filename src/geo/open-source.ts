// Opens the GeoSource for a file of any supported format (told by content, not name), and chains
// several files (e.g. ip-location-db's IPv4 + IPv6 pair) into one source.
import { readFile } from 'node:fs/promises';
import { csvSource } from './csv-source.js';
import type { ClientLocation } from './location.js';
import { isMmdbFile, mmdbSource } from './mmdb-source.js';
import { errorMessage, GeoIPError } from './source.js';
import type { GeoRole, GeoSource } from './source.js';

export const openSource = async (file: string, role: GeoRole): Promise<GeoSource> => {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (error) {
    throw new GeoIPError(file, `cannot be read: ${errorMessage(error)}`);
  }
  if (data.length === 0) throw new GeoIPError(file, 'is empty');
  if (isMmdbFile(data) || file.endsWith('.mmdb') || (data[0] === 0x1f && data[1] === 0x8b)) return mmdbSource(file, data, role);
  return csvSource(file, data, role);
};

/** The first source that knows an address answers for it. */
export const chainSources = (sources: GeoSource[]): GeoSource => {
  if (sources.length === 1) return sources[0]!;
  return {
    describe: sources.map((s) => s.describe).join(' + '),
    lookup(ip: string): Partial<ClientLocation> | undefined {
      for (const source of sources) {
        const found = source.lookup(ip);
        if (found !== undefined) return found;
      }
      return undefined;
    },
    close(): void {
      for (const source of sources) source.close?.();
    },
  };
};

/** Opens every file (all of them, or none: a failure closes those already open). */
export const openSources = async (files: string[], role: GeoRole): Promise<GeoSource> => {
  const results = await Promise.allSettled(files.map((file) => openSource(file, role)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    for (const r of results) if (r.status === 'fulfilled') r.value.close?.();
    throw failed.reason;
  }
  return chainSources(results.map((r) => (r as PromiseFulfilledResult<GeoSource>).value));
};
