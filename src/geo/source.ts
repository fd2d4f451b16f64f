// The contract every GeoIP/ASN reader meets, its error type, and the country fields derived from a code.
import { continentOf, countryCodes, countryName } from './continents.js';
import { lookupAddress } from './ip.js';
import type { ParsedIP } from './ip.js';
import type { ClientLocation } from './location.js';

/** What one database file (or pair of files) says about an address. */
export interface GeoSource {
  /** The fields this source knows, or undefined when the address is invalid or not in the data. */
  lookup(ip: string): Partial<ClientLocation> | undefined;
  close?(): void;
  /** One line for operators: format, file(s), build date or size. */
  readonly describe: string;
}

/** What a file is asked to provide: a City/Country location, or an autonomous system. */
export type GeoRole = 'location' | 'asn';

/** A GeoIP file that cannot be used; `file` is the path at fault. */
export class GeoIPError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`GeoIP database ${file}: ${reason}`);
    this.name = 'GeoIPError';
  }
}

type CountryFields = Readonly<Pick<ClientLocation, 'countryCode' | 'continentCode' | 'country'>>;

/** One frozen entry per country, so records share its strings. */
const COUNTRIES = new Map<string, CountryFields>(countryCodes().map((cc) => [cc, Object.freeze({ countryCode: cc, continentCode: continentOf(cc), country: countryName(cc) })]));

/** Country code, continent and English name from a code alone (shared: copy, do not modify); an unknown code yields nothing. */
export const countryFields = (code: string): CountryFields | undefined => COUNTRIES.get(code) ?? COUNTRIES.get(code.toUpperCase());

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

let lastText: string | undefined;
let lastAddress: ParsedIP | undefined;

/**
 * lookupAddress for sources, remembering the last answer: one GeoIP lookup asks every source in
 * turn about the same text. The result is shared; callers must not modify it.
 */
export const addressOf = (ip: string): ParsedIP | undefined => {
  if (ip !== lastText) {
    lastAddress = lookupAddress(ip);
    lastText = ip;
  }
  return lastAddress;
};
