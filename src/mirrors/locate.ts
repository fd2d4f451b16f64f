// Where a mirror is: from the operator's flags, else DNS of its HTTP host and the GeoIP data.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { continentOf } from '../geo/continents.js';
import type { GeoIP } from '../geo/geoip.js';
import type { MirrorSettings } from './mirror.js';

export interface Located {
  latitude: number;
  longitude: number;
  continentCode: string;
  countryCodes: string[];
  asnum: number;
  warnings: string[];
}

/** Host of a mirror's HTTP URL (scheme-less allowed, port ignored, brackets of IPv6 removed). */
export const httpHost = (httpURL: string): string => {
  const url = new URL(/^https?:\/\//.test(httpURL) ? httpURL : `http://${httpURL}`);
  return url.hostname.replace(/^\[|\]$/g, '');
};

/** Fills location fields the operator did not give; `given` lists the fields set explicitly. */
export const locateMirror = async (settings: MirrorSettings, given: ReadonlySet<string>, geo: GeoIP): Promise<Located> => {
  const out: Located = {
    latitude: settings.latitude,
    longitude: settings.longitude,
    continentCode: settings.continentCode,
    countryCodes: settings.countryCodes,
    asnum: settings.asnum,
    warnings: [],
  };
  // The continent follows from the primary country when only the country was given.
  if (!given.has('continentCode') && out.countryCodes[0]) out.continentCode = continentOf(out.countryCodes[0]);
  const needed = ['latitude', 'longitude', 'continentCode', 'countryCodes', 'asnum'].filter((f) => !given.has(f));
  if (needed.length === 0) return out;
  const host = httpHost(settings.httpURL);
  let address = host;
  if (!isIP(host)) {
    try {
      const all = await lookup(host, { all: true });
      address = all[0]?.address ?? '';
      if (all.length > 1) out.warnings.push(`${host} has ${all.length} addresses; assuming they share the location of ${address}`);
    } catch (error) {
      out.warnings.push(`DNS lookup of ${host} failed (${(error as NodeJS.ErrnoException).code ?? 'error'}); give --latitude, --longitude and --country`);
      return out;
    }
  }
  let where;
  try {
    where = (await geo.use()).lookup(address);
  } catch (error) {
    out.warnings.push(`${(error as Error).message}; give --latitude, --longitude and --country`);
    return out;
  }
  if (!where.valid && where.asn === 0) {
    out.warnings.push(`GeoIP knows nothing of ${address}; give --latitude, --longitude and --country`);
    return out;
  }
  if (!given.has('latitude') && where.valid) out.latitude = where.latitude;
  if (!given.has('longitude') && where.valid) out.longitude = where.longitude;
  if (!given.has('countryCodes') && where.countryCode) {
    out.countryCodes = [where.countryCode];
    if (!given.has('continentCode')) out.continentCode = where.continentCode;
  }
  if (!given.has('asnum') && where.asn) out.asnum = where.asn;
  return out;
};
