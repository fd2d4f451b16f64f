// The request mix: real client addresses from many countries (sampled from the bundled ASN ranges and kept only
// when the bundled GeoIP data places them in a country), paired with repository files, more often popular ones.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { GeoIP } from '../src/geo/geoip.js';
import { seeded } from './random.js';
import type { Random } from './random.js';

export interface Client {
  ip: string;
  country: string;
}

export interface RequestPair {
  ip: string;
  path: string;
}

const require = createRequire(import.meta.url);

const ipToInt = (ip: string): number => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
const intToIp = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** IPv4 ranges [first, last] of the bundled ASN table (the same data the daemon reads by default). */
const asnRanges = (): [number, number][] => {
  const file = join(dirname(require.resolve('@ip-location-db/asn/package.json')), 'asn-ipv4.csv');
  const ranges: [number, number][] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const comma = line.indexOf(',');
    const second = line.indexOf(',', comma + 1);
    if (comma < 0 || second < 0) continue;
    ranges.push([ipToInt(line.slice(0, comma)), ipToInt(line.slice(comma + 1, second))]);
  }
  return ranges;
};

/**
 * `count` distinct addresses, each located in a country by the daemon's default GeoIP data. Ranges are picked
 * uniformly (not by size), which spreads the clients over many networks and countries.
 */
export const sampleClients = async (count: number, seed = 7): Promise<Client[]> => {
  const random = seeded(seed);
  const ranges = asnRanges();
  const geo = await GeoIP.open({ cityDatabase: '', asnDatabase: '', databasePath: '/nonexistent' });
  try {
    const seen = new Set<string>();
    const out: Client[] = [];
    for (let attempts = 0; out.length < count; attempts++) {
      if (attempts > count * 50) throw new Error(`only ${out.length} of ${count} sampled addresses have a country in the bundled GeoIP data`);
      const [first, last] = ranges[Math.floor(random() * ranges.length)]!;
      const ip = intToIp(first + Math.floor(random() * (last - first + 1)));
      if (seen.has(ip)) continue;
      const where = geo.lookup(ip);
      if (!where.valid) continue;
      seen.add(ip);
      out.push({ ip, country: where.countryCode });
    }
    return out;
  } finally {
    geo.close();
  }
};

/** An index in [0, n) drawn with a Zipf-like skew: a few files are asked for much more often than the rest. */
const skewed = (random: Random, n: number): number => Math.min(n - 1, Math.floor(n * Math.pow(random(), 2.5)));

/** `pairs` distinct (client, file) pairs, shuffled; files drawn with popularity skew, clients uniformly. */
export const requestMix = (clients: readonly Client[], paths: readonly string[], pairs: number, seed = 11): RequestPair[] => {
  if (clients.length * paths.length < pairs) throw new Error(`cannot make ${pairs} distinct pairs from ${clients.length} clients and ${paths.length} files`);
  const random = seeded(seed);
  // Popularity is by a shuffled rank, so that the popular files are spread over the tree.
  const ranked = [...paths];
  for (let i = ranked.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [ranked[i], ranked[j]] = [ranked[j]!, ranked[i]!];
  }
  const seen = new Set<string>();
  const out: RequestPair[] = [];
  while (out.length < pairs) {
    const ip = clients[Math.floor(random() * clients.length)]!.ip;
    const path = ranked[skewed(random, ranked.length)]!;
    const key = `${ip} ${path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ ip, path });
  }
  return out;
};

/** How many distinct countries and clients a mix covers. */
export const mixSummary = (mix: readonly RequestPair[], clients: readonly Client[]): { pairs: number; clients: number; files: number; countries: number } => {
  const countryOf = new Map(clients.map((c) => [c.ip, c.country]));
  return {
    pairs: mix.length,
    clients: new Set(mix.map((p) => p.ip)).size,
    files: new Set(mix.map((p) => p.path)).size,
    countries: new Set(mix.map((p) => countryOf.get(p.ip))).size,
  };
};
