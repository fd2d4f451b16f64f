// Reads ip-location-db CSV range files: ASN (start,end,asn,name), country (start,end,cc) and city
// (start,end,cc,state1,state2,city,postcode,lat,lon,timezone), addresses as text or as integers.
import { basename } from 'node:path';
import { ipv4Number, parseIPv4Into, parseIPv6Into } from './ip.js';
import type { ClientLocation } from './location.js';
import { ipv6Words, RangeTableBuilder } from './range-table.js';
import { addressOf, countryFields, GeoIPError } from './source.js';
import type { GeoRole, GeoSource } from './source.js';

type Fields = Partial<ClientLocation>;

export type CsvLayout = 'asn' | 'country' | 'city';

/** Columns after the two addresses, by layout. */
const LAYOUTS: Record<number, CsvLayout> = { 1: 'country', 2: 'asn', 8: 'city' };

class LineError extends Error {}

/** Splits CSV fields (RFC 4180 quoting); undefined when the quoting is broken. */
export const splitCsv = (text: string): string[] | undefined => {
  if (!text.includes('"')) return text.split(',');
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) === 34) {
      let value = '';
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote === -1) return undefined;
        value += text.slice(i, quote);
        if (text.charCodeAt(quote + 1) === 34) {
          value += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      out.push(value);
      if (i === text.length) return out;
      if (text.charCodeAt(i) !== 44 /* , */) return undefined;
      i++;
    } else {
      const comma = text.indexOf(',', i);
      const value = comma === -1 ? text.slice(i) : text.slice(i, comma);
      if (value.includes('"')) return undefined;
      out.push(value);
      if (comma === -1) return out;
      i = comma + 1;
    }
  }
};

const MAX_IPV6 = (1n << 128n) - 1n;
const WORD_MASK = 0xffffffffn;

type Address = { family: 4; value: number } | { family: 6; words: Uint32Array };

/** Parses address fields with reusable buffers: a 400k-line file allocates nothing per address. */
class AddressReader {
  private readonly bytes = new Uint8Array(16);

  /** numeric: 0 = text addresses, 4 or 6 = integers of that family (ip-location-db "-num" files). */
  constructor(private readonly numeric: 0 | 4 | 6) {}

  read(text: string, from: number, to: number, words: Uint32Array): Address {
    if (this.numeric === 4) {
      let value = to > from && to - from <= 10 ? 0 : -1;
      for (let i = from; i < to && value >= 0; i++) {
        const digit = text.charCodeAt(i) - 48;
        value = digit >= 0 && digit <= 9 ? value * 10 + digit : -1;
      }
      if (value < 0 || value > 0xffffffff) throw new LineError(`"${text.slice(from, to)}" is not an IPv4 address number`);
      return { family: 4, value };
    }
    if (this.numeric === 6) {
      const digits = text.slice(from, to);
      if (!/^[0-9]{1,39}$/.test(digits)) throw new LineError(`"${digits}" is not an IPv6 address number`);
      let n = BigInt(digits);
      if (n > MAX_IPV6) throw new LineError(`"${digits}" is not an IPv6 address number`);
      for (let k = 3; k >= 0; k--) {
        words[k] = Number(n & WORD_MASK);
        n >>= 32n;
      }
      return { family: 6, words };
    }
    if (parseIPv4Into(text, from, to, this.bytes, 0)) return { family: 4, value: ipv4Number(this.bytes) };
    if (parseIPv6Into(text, from, to, this.bytes)) return { family: 6, words: ipv6Words(this.bytes, words) };
    throw new LineError(`"${text.slice(from, to)}" is not an IP address`);
  }
}

const compareWords = (a: Uint32Array, b: Uint32Array): number => {
  for (let k = 0; k < 4; k++) if (a[k] !== b[k]) return a[k]! < b[k]! ? -1 : 1;
  return 0;
};

const coordinate = (text: string, limit: number, name: string): number => {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || Math.abs(value) > limit) throw new LineError(`${name} "${text}" is not a number from -${limit} to ${limit}`);
  return value;
};

/** The fields of one distinct value (the columns after the addresses); null = nothing known. */
const valueOf = (layout: CsvLayout, columns: string[]): Fields | null => {
  if (layout === 'asn') {
    const [asnText = '', name = ''] = columns;
    if (!/^[0-9]{1,10}$/.test(asnText) || Number(asnText) > 0xffffffff) throw new LineError(`AS number "${asnText}" is not a number`);
    const asn = Number(asnText);
    return asn === 0 ? null : Object.freeze({ asn, asName: name });
  }
  const cc = columns[0] ?? '';
  if (cc !== '' && !/^[A-Za-z]{2}$/.test(cc)) throw new LineError(`country code "${cc}" is not two letters`);
  const out: Fields = { ...countryFields(cc) };
  if (layout === 'city') {
    const [, , , city = '', , lat = '', lon = ''] = columns;
    if (city !== '') out.city = city;
    if (lat !== '' || lon !== '') {
      out.latitude = coordinate(lat, 90, 'latitude');
      out.longitude = coordinate(lon, 180, 'longitude');
    }
  }
  return Object.keys(out).length === 0 ? null : Object.freeze(out);
};

export interface CsvTable {
  layout: CsvLayout;
  ipv4Ranges: number;
  ipv6Ranges: number;
  find: (ip: string) => Fields | undefined;
}

/**
 * Parses a whole ip-location-db CSV file. The layout comes from the column count; integer
 * addresses are IPv6 when the file name says "ipv6" (as ip-location-db names them), else IPv4.
 */
export const parseCsv = (file: string, data: Buffer): CsvTable => {
  // Latin-1 keeps one character per byte, so offsets in `text` are byte offsets into `data`:
  // lines are cut in the string, and only each distinct value is decoded as UTF-8.
  const text = data.toString('latin1');
  let pos = text.startsWith('\xef\xbb\xbf') ? 3 : 0;
  const builder = new RangeTableBuilder<Fields | null>({ v4: Math.ceil(data.length / 40), v6: 1024 });
  const indexByText = new Map<string, number>();
  let layout: CsvLayout | undefined;
  let addresses: AddressReader | undefined;
  let line = 0;
  const startWords = new Uint32Array(4);
  const endWords = new Uint32Array(4);
  try {
    while (pos < text.length) {
      line++;
      let lineEnd = text.indexOf('\n', pos);
      if (lineEnd === -1) lineEnd = text.length;
      const next = lineEnd + 1;
      const end = lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd;
      if (end === pos || text.charCodeAt(pos) === 35 /* # */) {
        pos = next;
        continue;
      }
      const comma1 = text.indexOf(',', pos);
      const comma2 = comma1 === -1 ? -1 : text.indexOf(',', comma1 + 1);
      if (comma2 === -1 || comma2 >= end) throw new LineError('expected start,end,… (fewer than 3 fields)');
      addresses ??= new AddressReader(/^[0-9]+$/.test(text.slice(pos, comma1)) ? (/ipv6/i.test(basename(file)) ? 6 : 4) : 0);
      const start = addresses.read(text, pos, comma1, startWords);
      const stop = addresses.read(text, comma1 + 1, comma2, endWords);
      const rest = text.slice(comma2 + 1, end);
      let index = indexByText.get(rest);
      if (index === undefined) {
        const columns = splitCsv(data.toString('utf8', comma2 + 1, end));
        if (columns === undefined) throw new LineError('broken quoting');
        const found = LAYOUTS[columns.length];
        layout ??= found;
        if (found === undefined || found !== layout) {
          throw new LineError(`${columns.length + 2} fields, expected ${layout === undefined ? '3 (country), 4 (ASN) or 10 (city)' : `the ${layout} layout of the first line`}`);
        }
        index = builder.addValue(valueOf(layout, columns));
        indexByText.set(rest, index);
      }
      if (start.family === 4 && stop.family === 4) {
        if (start.value > stop.value) throw new LineError('start address is after end address');
        builder.addV4(start.value, stop.value, index);
      } else if (start.family === 6 && stop.family === 6) {
        if (compareWords(start.words, stop.words) > 0) throw new LineError('start address is after end address');
        builder.addV6(start.words, stop.words, index);
      } else {
        throw new LineError('start and end are of different IP versions');
      }
      pos = next;
    }
  } catch (error) {
    if (error instanceof LineError) throw new GeoIPError(file, `line ${line}: ${error.message}`);
    throw error;
  }
  if (layout === undefined) throw new GeoIPError(file, 'holds no ranges');
  const table = builder.build();
  return {
    layout,
    ipv4Ranges: table.ipv4Ranges,
    ipv6Ranges: table.ipv6Ranges,
    find: (ip) => {
      const address = addressOf(ip);
      return address === undefined ? undefined : (table.find(address) ?? undefined);
    },
  };
};

/** A GeoSource over an ip-location-db CSV already read into memory. */
export const csvSource = (file: string, data: Buffer, role: GeoRole): GeoSource => {
  const table = parseCsv(file, data);
  if (role === 'asn' && table.layout !== 'asn') throw new GeoIPError(file, `is a ${table.layout} CSV, not an ASN one`);
  if (role === 'location' && table.layout === 'asn') throw new GeoIPError(file, 'is an ASN CSV, not a city or country one');
  const ranges = [table.ipv4Ranges > 0 ? `${table.ipv4Ranges} IPv4` : '', table.ipv6Ranges > 0 ? `${table.ipv6Ranges} IPv6` : ''].filter(Boolean).join(' + ');
  return {
    describe: `ip-location-db ${table.layout} CSV ${file} (${ranges} ranges)`,
    lookup: table.find,
  };
};
