// Maps the records of the mmdb shapes we read to ClientLocation fields: GeoIP2/GeoLite2 and DB-IP
// City/Country (nested objects), ip-location-db (flat, code only), and ASN databases.
import { continentOf, countryName } from './continents.js';
import type { ClientLocation } from './location.js';
import { countryFields } from './source.js';

type Fields = Partial<ClientLocation>;
type Rec = Record<string, unknown>;

/** Every map key locationFields reads, at any depth: the decoder may skip the rest. */
export const LOCATION_KEYS: ReadonlySet<string> = new Set(['country', 'iso_code', 'names', 'en', 'continent', 'code', 'city', 'location', 'latitude', 'longitude', 'country_code']);
/** Every map key asnFields reads. */
export const ASN_KEYS: ReadonlySet<string> = new Set(['autonomous_system_number', 'autonomous_system_organization', 'traits']);

// Records come from a file we do not control: read every field defensively.
const obj = (v: unknown): Rec | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Rec) : undefined);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

const setPosition = (out: Fields, lat: unknown, lon: unknown): void => {
  const latitude = num(lat);
  const longitude = num(lon);
  if (latitude === undefined || longitude === undefined) return;
  out.latitude = latitude;
  out.longitude = longitude;
};

/** GeoIP2 shape: country.iso_code, continent.code, city.names.en, country.names.en, location.*. */
const nestedLocation = (r: Rec): Fields => {
  const out: Fields = {};
  const country = obj(r['country']);
  const cc = str(country?.['iso_code']).toUpperCase();
  if (cc !== '') {
    out.countryCode = cc;
    out.country = str(obj(country?.['names'])?.['en']) || countryName(cc);
  }
  const continent = str(obj(r['continent'])?.['code']).toUpperCase() || continentOf(cc);
  if (continent !== '') out.continentCode = continent;
  const city = str(obj(obj(r['city'])?.['names'])?.['en']);
  if (city !== '') out.city = city;
  const location = obj(r['location']);
  if (location !== undefined) setPosition(out, location['latitude'], location['longitude']);
  return out;
};

/** ip-location-db shape: {city, country_code, latitude, longitude, ...}; the rest comes from our table. */
const flatLocation = (r: Rec): Fields => {
  const country = countryFields(str(r['country_code']));
  // Built with its country fields at once: spreading them, then adding more, is ten times slower.
  const out: Fields = country === undefined ? {} : { countryCode: country.countryCode, continentCode: country.continentCode, country: country.country };
  const city = str(r['city']);
  if (city !== '') out.city = city;
  setPosition(out, r['latitude'], r['longitude']);
  return out;
};

/** Either location shape, told apart by the record itself so one reader serves both. */
export const locationFields = (record: unknown): Fields | undefined => {
  const r = obj(record);
  if (r === undefined) return undefined;
  return typeof r['country_code'] === 'string' ? flatLocation(r) : nestedLocation(r);
};

/**
 * ASN shape (MaxMind, DB-IP, ip-location-db): autonomous_system_number and _organization, at the
 * top level or, in Enterprise-style databases, under traits.
 */
export const asnFields = (record: unknown): Fields | undefined => {
  const top = obj(record);
  const r = top !== undefined && !('autonomous_system_number' in top) ? (obj(top['traits']) ?? top) : top;
  const asn = num(r?.['autonomous_system_number']);
  if (r === undefined || asn === undefined || asn <= 0) return undefined;
  return { asn, asName: str(r['autonomous_system_organization']) };
};
