// Reads MaxMind DB (.mmdb) files (metadata by the maxmind package, records by RecordDecoder):
// GeoIP2/GeoLite2 and DB-IP City, Country and ASN, and ip-location-db's flat City/Country files.
// Checked in full before first use.
import maxmind from 'maxmind';
import type { ClientLocation } from './location.js';
import { RecordDecoder } from './mmdb-decode.js';
import { ASN_KEYS, asnFields, LOCATION_KEYS, locationFields } from './mmdb-records.js';
import { SearchTree } from './mmdb-tree.js';
import { findMetadata, verifyMmdb } from './mmdb-verify.js';
import type { MmdbLayout } from './mmdb-verify.js';
import { addressOf, errorMessage, GeoIPError } from './source.js';
import type { GeoRole, GeoSource } from './source.js';

type Fields = Partial<ClientLocation>;

/**
 * Mapped records kept, by data offset, in a direct-mapped table (a record takes the slot its
 * offset hashes to). GeoIP keeps its answers for recent addresses itself, so this only spares the
 * decoding (about 1 µs) for new addresses in popular places: 8k records, of the 116k of the
 * bundled City data, in a few hundred bytes each at most.
 */
const CACHE_BITS = 13;

export const isMmdbFile = (db: Buffer): boolean => findMetadata(db) !== -1;

const checkRole = (file: string, databaseType: string, role: GeoRole): void => {
  if (role === 'location' && /asn/i.test(databaseType)) {
    throw new GeoIPError(file, `is an ASN database (${databaseType}), not a City or Country one`);
  }
  if (role === 'asn' && /city|country/i.test(databaseType)) {
    throw new GeoIPError(file, `is a City/Country database (${databaseType}), not an ASN one`);
  }
};

/** A GeoSource over an mmdb file already read into memory. */
export const mmdbSource = (file: string, db: Buffer, role: GeoRole): GeoSource => {
  if (db[0] === 0x1f && db[1] === 0x8b) throw new GeoIPError(file, 'is gzip-compressed; decompress it first');
  if (!isMmdbFile(db)) throw new GeoIPError(file, 'is not a MaxMind DB (.mmdb) file');
  let reader: InstanceType<typeof maxmind.Reader>;
  let layout: MmdbLayout;
  try {
    reader = new maxmind.Reader(db);
    layout = verifyMmdb(db, reader.metadata);
  } catch (error) {
    throw new GeoIPError(file, `is invalid: ${errorMessage(error)}`);
  }
  const { databaseType, ipVersion, buildEpoch, nodeCount, recordSize } = reader.metadata;
  const type = typeof databaseType === 'string' && databaseType !== '' ? databaseType : 'unnamed';
  checkRole(file, type, role);
  const tree = new SearchTree(db, nodeCount, recordSize, ipVersion);
  const decoder = new RecordDecoder(db, layout.dataStart, role === 'asn' ? ASN_KEYS : LOCATION_KEYS);
  const map = role === 'asn' ? asnFields : locationFields;
  const cachedOffsets = new Int32Array(1 << CACHE_BITS).fill(-1);
  const cachedFields = new Array<Fields | undefined>(1 << CACHE_BITS).fill(undefined);
  const built = buildEpoch instanceof Date && !Number.isNaN(buildEpoch.getTime()) ? `, built ${buildEpoch.toISOString().slice(0, 10)}` : '';
  return {
    describe: `${type} mmdb ${file}${built}`,
    lookup(ip: string): Fields | undefined {
      const address = addressOf(ip);
      if (address === undefined) return undefined;
      const offset = tree.recordOffset(address);
      if (offset < 0) return undefined;
      const slot = Math.imul(offset, 0x9e3779b1) >>> (32 - CACHE_BITS);
      if (cachedOffsets[slot] === offset) return cachedFields[slot];
      let record: unknown = null;
      try {
        record = decoder.record(offset);
      } catch {
        // verifyMmdb proved every record decodes; nothing to recover here beyond "unknown".
      }
      const fields = map(record);
      if (fields !== undefined) Object.freeze(fields);
      cachedOffsets[slot] = offset;
      cachedFields[slot] = fields;
      return fields;
    },
  };
};
