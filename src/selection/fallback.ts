// Orders the configured fallback mirrors for a client when no real mirror can serve it.
import type { Fallback } from '../config/config.js';
import type { ClientLocation } from '../geo/location.js';
import type { TLSRequirement } from './types.js';

export interface RankedFallback {
  /** Absolute base URL: as configured with a scheme, else `http://` for TLS 'without', `https://` otherwise. */
  url: string;
  countryCode: string;
  continentCode: string;
}

const absolute = (url: string, tls: TLSRequirement): string => {
  if (url.startsWith('http://') || url.startsWith('https://')) return url;
  return (tls === 'without' ? 'http://' : 'https://') + url;
};

/**
 * Fallbacks in Mirrorbits' rank order for a geolocated client: those in the client's country first, then those
 * on its continent, otherwise in configuration order. (Mirrorbits also ranks by ASN and distance, but
 * fallbacks have neither, so those steps never separate two fallbacks.) For an un-geolocated client the order
 * is a uniform shuffle, where Mirrorbits sorted with a coin-flip comparator whose order is not uniform.
 */
export function rankFallbacks(
  fallbacks: readonly Fallback[],
  client: ClientLocation,
  tls: TLSRequirement,
  random: () => number,
): RankedFallback[] {
  const ranked = fallbacks.map((f) => ({
    url: absolute(f.url, tls),
    countryCode: f.countryCode.toUpperCase(),
    continentCode: f.continentCode.toUpperCase(),
  }));
  if (!client.valid) {
    for (let i = ranked.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = ranked[i];
      ranked[i] = ranked[j];
      ranked[j] = t;
    }
    return ranked;
  }
  const rank = (f: RankedFallback): number =>
    (f.countryCode === client.countryCode ? 0 : 2) +
    (client.continentCode !== '' && f.continentCode === client.continentCode ? 0 : 1);
  // Array.prototype.sort is stable, so equally ranked fallbacks keep their configured order.
  return ranked.sort((a, b) => rank(a) - rank(b));
}
