// Reads ip-location-db CSV range files: ASN (start,end,asn,name), country (start,end,cc) and city
// (start,end,cc,state1,state2,city,postcode,lat,lon,timezone), addresses as text or as integers.
import { basename } from 'node:path';
import { GrowableBytes, GrowableU32 } from './growable.js';
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

/** Parses address fields into reusable buffers: a 400k-line file allocates nothing per address. */
class AddressReader {
  private readonly bytes = new Uint8Array(16);

  /** numeric: 0 = text addresses, 4 or 6 = integers of that family (ip-location-db "-num" files). */
  constructor(private readonly numeric: 0 | 4 | 6) {}

  /** The family of text[from, to), its value in out[0] (IPv4) or out[0..4) (IPv6). */
  read(text: string, from: number, to: number, out: Uint32Array): 4 | 6 {
    if (this.numeric === 4) {
      let value = to > from && to - from <= 10 ? 0 : -1;
      for (let i = from; i < to && value >= 0; i++) {
        const digit = text.charCodeAt(i) - 48;
        value = digit >= 0 && digit <= 9 ? value * 10 + digit : -1;
      }
      if (value < 0 || value > 0xffffffff) throw new LineError(`"${text.slice(from, to)}" is not an IPv4 address number`);
      out[0] = value;
      return 4;
    }
    if (this.numeric === 6) {
      const digits = text.slice(from, to);
      if (!/^[0-9]{1,39}$/.test(digits)) throw new LineError(`"${digits}" is not an IPv6 address number`);
      let n = BigInt(digits);
      if (n > MAX_IPV6) throw new LineError(`"${digits}" is not an IPv6 address number`);
      for (let k = 3; k >= 0; k--) {
        out[k] = Number(n & WORD_MASK);
        n >>= 32n;
      }
      return 6;
    }
    if (parseIPv4Into(text, from, to, this.bytes, 0)) {
      out[0] = ipv4Number(this.bytes);
      return 4;
    }
    if (parseIPv6Into(text, from, to, this.bytes)) {
      ipv6Words(this.bytes, out);
      return 6;
    }
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

/**
 * The distinct value texts of a file (the raw bytes after the two addresses), one byte store
 * indexed by an open-addressing hash table: no string is made per line, and for ASN files the
 * store is the table of values itself (the 137k (AS, name) pairs of the bundled data take 4.5 MB
 * of text here, against 18 MB as objects and strings).
 */
class ValueTexts {
  private bytes: GrowableBytes;
  private ends: GrowableU32;
  private slots: Int32Array;
  private store: Buffer | undefined;
  private endList: Uint32Array | undefined;

  /** expected: bytes of distinct value text the file probably holds. */
  constructor(expected: number) {
    this.bytes = new GrowableBytes(expected);
    this.ends = new GrowableU32(expected / 32);
    let slots = 8192;
    while (slots < expected / 16) slots *= 2;
    this.slots = new Int32Array(slots).fill(-1);
  }

  private hash(data: Uint8Array, from: number, to: number): number {
    let h = 0x811c9dc5; // FNV-1a
    for (let i = from; i < to; i++) h = Math.imul(h ^ data[i]!, 0x01000193);
    return h >>> 0;
  }

  private equals(index: number, data: Uint8Array, from: number, to: number): boolean {
    const start = index === 0 ? 0 : this.ends.data[index - 1]!;
    if (this.ends.data[index]! - start !== to - from) return false;
    const stored = this.bytes.data;
    for (let i = 0; i < to - from; i++) if (stored[start + i] !== data[from + i]) return false;
    return true;
  }

  /** The index of data[from, to), or -1 when it is new. */
  find(data: Uint8Array, from: number, to: number): number {
    const mask = this.slots.length - 1;
    for (let slot = this.hash(data, from, to) & mask; ; slot = (slot + 1) & mask) {
      const index = this.slots[slot]!;
      if (index === -1) return -1;
      if (this.equals(index, data, from, to)) return index;
    }
  }

  /** Adds data[from, to), known to be new; returns its index. */
  add(data: Uint8Array, from: number, to: number): number {
    const index = this.ends.length;
    this.bytes.append(data, from, to);
    this.ends.push(this.bytes.length);
    if (this.ends.length * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.place(index, this.hash(data, from, to));
    return index;
  }

  private place(index: number, hash: number): void {
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    while (this.slots[slot] !== -1) slot = (slot + 1) & mask;
    this.slots[slot] = index;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size).fill(-1);
    const stored = this.bytes.data;
    for (let index = 0, start = 0; index < this.ends.length; index++) {
      const end = this.ends.data[index]!;
      this.place(index, this.hash(stored, start, end));
      start = end;
    }
  }

  /** Keeps the texts, cut to size, for text(); drops the index. */
  keep(): void {
    this.store = this.bytes.done();
    this.endList = this.ends.done();
    this.release();
  }

  /** Drops everything (the values were kept another way). */
  release(): void {
    this.bytes = new GrowableBytes(0);
    this.ends = new GrowableU32(0);
    this.slots = new Int32Array(0);
  }

  /** The bytes held (after keep()). */
  get data(): Buffer {
    return this.store!;
  }

  /** Where value `index` starts in data (after keep()). */
  start(index: number): number {
    return index === 0 ? 0 : this.endList![index - 1]!;
  }

  /** Where value `index` ends in data (after keep()). */
  end(index: number): number {
    return this.endList![index]!;
  }
}

const checkAsn = (columns: string[]): void => {
  const asnText = columns[0] ?? '';
  if (!/^[0-9]{1,10}$/.test(asnText) || Number(asnText) > 0xffffffff) throw new LineError(`AS number "${asnText}" is not a number`);
};

/** The value text data[start, end) of an ASN file as fields: checked when the file was read, so only split here. */
const asnValue = (data: Buffer, start: number, end: number): Fields | undefined => {
  let asn = 0;
  let at = start;
  for (; at < end && data[at] !== 44 /* , */; at++) asn = asn * 10 + data[at]! - 48;
  let asName: string;
  if (data[start] === 34 /* " */ || data[at + 1] === 34) {
    // Quoted: the rare slow way.
    const [asnText = '', name = ''] = splitCsv(data.toString('utf8', start, end)) ?? [];
    asn = Number(asnText);
    asName = name;
  } else {
    asName = at < end ? data.toString('utf8', at + 1, end) : '';
  }
  // AS 0 is "not routed".
  return asn === 0 ? undefined : Object.freeze({ asn, asName });
};

/** Slots of the decoded-ASN memo (a few hundred kB when full). */
const ASN_MEMO = 4096;

/**
 * ASN values decoded from their text, remembered in a direct-mapped table (the slot is the value
 * index modulo its size): the networks asked about often are decoded once, in bounded memory.
 */
const asnValues = (texts: ValueTexts): ((index: number) => Fields | undefined) => {
  const keys = new Int32Array(ASN_MEMO).fill(-1);
  const values = new Array<Fields | undefined>(ASN_MEMO).fill(undefined);
  return (index) => {
    const slot = index & (ASN_MEMO - 1);
    if (keys[slot] !== index) {
      values[slot] = asnValue(texts.data, texts.start(index), texts.end(index));
      keys[slot] = index;
    }
    return values[slot];
  };
};

/** A country or city value: frozen fields, shared by every lookup; undefined when nothing is known. */
const locationValue = (layout: 'country' | 'city', columns: string[]): Fields | undefined => {
  const cc = columns[0] ?? '';
  if (cc !== '' && !/^[A-Za-z]{2}$/.test(cc)) throw new LineError(`country code "${cc}" is not two letters`);
  const country = countryFields(cc);
  const out: Fields = country === undefined ? {} : { countryCode: country.countryCode, continentCode: country.continentCode, country: country.country };
  if (layout === 'city') {
    const [, , , city = '', , lat = '', lon = ''] = columns;
    if (city !== '') out.city = city;
    if (lat !== '' || lon !== '') {
      out.latitude = coordinate(lat, 90, 'latitude');
      out.longitude = coordinate(lon, 180, 'longitude');
    }
  }
  return Object.keys(out).length === 0 ? undefined : Object.freeze(out);
};

export interface CsvTable {
  layout: CsvLayout;
  ipv4Ranges: number;
  ipv6Ranges: number;
  find: (ip: string) => Fields | undefined;
}

/** Fills buf[at..] with the next bytes of the file and says how many; 0 at its end. */
export type ReadInto = (buf: Buffer, at: number) => Promise<number>;

/** Bytes read at a time: lines are cut and parsed a chunk at a time, never the whole file at once. */
const CHUNK = 64 * 1024;

/** The parse of one file, fed complete lines a chunk at a time. */
class CsvParser {
  layout: CsvLayout | undefined;
  readonly texts: ValueTexts;
  /** Country and city values by index (ASN values stay as text). */
  readonly locations: (Fields | undefined)[] = [];
  builder: RangeTableBuilder | undefined;
  private addresses: AddressReader | undefined;
  private line = 0;
  private readonly start = new Uint32Array(4);
  private readonly stop = new Uint32Array(4);

  constructor(
    private readonly file: string,
    /** The file size, to size the tables. */
    private readonly size: number,
  ) {
    this.texts = new ValueTexts(size / 8);
  }

  /** Parses the lines in data[from, to), which ends at a line end or the end of the file. */
  lines(data: Buffer, from: number, to: number): void {
    // Latin-1 keeps one character per byte, so offsets in `text` are offsets into `data`:
    // lines are cut in the string, and only each distinct value is decoded as UTF-8.
    const text = data.toString('latin1', 0, to);
    let pos = from;
    try {
      while (pos < to) {
        this.line++;
        let lineEnd = text.indexOf('\n', pos);
        if (lineEnd === -1) lineEnd = to;
        const next = lineEnd + 1;
        const end = lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd;
        if (end === pos || text.charCodeAt(pos) === 35 /* # */) {
          pos = next;
          continue;
        }
        this.parseLine(data, text, pos, end);
        pos = next;
      }
    } catch (error) {
      if (error instanceof LineError) throw new GeoIPError(this.file, `line ${this.line}: ${error.message}`);
      throw error;
    }
  }

  private parseLine(data: Buffer, text: string, pos: number, end: number): void {
    const comma1 = text.indexOf(',', pos);
    const comma2 = comma1 === -1 ? -1 : text.indexOf(',', comma1 + 1);
    if (comma2 === -1 || comma2 >= end) throw new LineError('expected start,end,… (fewer than 3 fields)');
    this.addresses ??= new AddressReader(/^[0-9]+$/.test(text.slice(pos, comma1)) ? (/ipv6/i.test(basename(this.file)) ? 6 : 4) : 0);
    const family = this.addresses.read(text, pos, comma1, this.start);
    const stopFamily = this.addresses.read(text, comma1 + 1, comma2, this.stop);
    let index = this.texts.find(data, comma2 + 1, end);
    if (index === -1) {
      const columns = splitCsv(data.toString('utf8', comma2 + 1, end));
      if (columns === undefined) throw new LineError('broken quoting');
      const found = LAYOUTS[columns.length];
      if (found === undefined || (this.layout !== undefined && found !== this.layout)) {
        throw new LineError(`${columns.length + 2} fields, expected ${this.layout === undefined ? '3 (country), 4 (ASN) or 10 (city)' : `the ${this.layout} layout of the first line`}`);
      }
      this.layout ??= found;
      if (found === 'asn') checkAsn(columns);
      else this.locations.push(locationValue(found, columns));
      index = this.texts.add(data, comma2 + 1, end);
    }
    // The first line tells the family; size that one's table for the whole file.
    this.builder ??= new RangeTableBuilder(family === 4 ? { v4: this.size / 56, v6: 256 } : { v4: 256, v6: this.size / 80 });
    if (family === 4 && stopFamily === 4) {
      if (this.start[0]! > this.stop[0]!) throw new LineError('start address is after end address');
      this.builder.addV4(this.start[0]!, this.stop[0]!, index);
    } else if (family === 6 && stopFamily === 6) {
      if (compareWords(this.start, this.stop) > 0) throw new LineError('start address is after end address');
      this.builder.addV6(this.start, this.stop, index);
    } else {
      throw new LineError('start and end are of different IP versions');
    }
  }
}

/**
 * Parses a whole ip-location-db CSV file, read a chunk at a time. The layout comes from the
 * column count; integer addresses are IPv6 when the file name says "ipv6" (as ip-location-db
 * names them), else IPv4.
 */
export const parseCsv = async (file: string, read: ReadInto, size = 0): Promise<CsvTable> => {
  const parser = new CsvParser(file, size);
  let buf = Buffer.allocUnsafe(CHUNK);
  let filled = 0;
  let first = true;
  for (let eof = false; !eof; ) {
    while (filled < buf.length) {
      const n = await read(buf, filled);
      if (n === 0) {
        eof = true;
        break;
      }
      filled += n;
    }
    const cut = eof ? filled : buf.lastIndexOf(10, filled - 1) + 1;
    if (cut === 0 && !eof) {
      // One line longer than the buffer.
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, filled);
      buf = bigger;
      continue;
    }
    const bom = first && filled >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
    first = false;
    parser.lines(buf, bom, cut);
    buf.copy(buf, 0, cut, filled);
    filled -= cut;
  }
  const { layout, texts, locations, builder } = parser;
  if (layout === undefined || builder === undefined) throw new GeoIPError(file, 'holds no ranges');
  if (layout === 'asn') texts.keep();
  else texts.release();
  const value = layout === 'asn' ? asnValues(texts) : (index: number) => locations[index];
  const table = builder.build();
  return {
    layout,
    ipv4Ranges: table.ipv4Ranges,
    ipv6Ranges: table.ipv6Ranges,
    find: (ip) => {
      const address = addressOf(ip);
      if (address === undefined) return undefined;
      const index = table.find(address);
      return index === -1 ? undefined : value(index);
    },
  };
};

/** A GeoSource over an ip-location-db CSV, read a chunk at a time. */
export const csvSource = async (file: string, read: ReadInto, role: GeoRole, size = 0): Promise<GeoSource> => {
  const table = await parseCsv(file, read, size);
  if (role === 'asn' && table.layout !== 'asn') throw new GeoIPError(file, `is a ${table.layout} CSV, not an ASN one`);
  if (role === 'location' && table.layout === 'asn') throw new GeoIPError(file, 'is an ASN CSV, not a city or country one');
  const ranges = [table.ipv4Ranges > 0 ? `${table.ipv4Ranges} IPv4` : '', table.ipv6Ranges > 0 ? `${table.ipv6Ranges} IPv6` : ''].filter(Boolean).join(' + ');
  return {
    describe: `ip-location-db ${table.layout} CSV ${file} (${ranges} ranges)`,
    lookup: table.find,
  };
};
