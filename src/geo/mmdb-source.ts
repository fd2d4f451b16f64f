// Reads MaxMind DB (.mmdb) files with the maxmind package: GeoIP2/GeoLite2 and DB-IP City, Country
// and ASN, and ip-location-db's flat City/Country files. Checked in full before first use.
import maxmind from 'maxmind';
import { formatIP } from './ip.js';
import type { ClientLocation } from './location.js';
import { asnFields, locationFields } from './mmdb-records.js';
import { SearchTree } from './mmdb-tree.js';
import { findMetadata, verifyMmdb } from './mmdb-verify.js';
import { addressOf, errorMessage, GeoIPError } from './source.js';
import type { GeoRole, GeoSource } from './source.js';

type Fields = Partial<ClientLocation>;

/**
 * Mapped records kept per data offset. Small (a few fields each) and bounded; a database has far
 * fewer records than addresses, so popular networks stay decoded.
 */
const CACHE_RECORDS = 50_000;

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
  try {
    reader = new maxmind.Reader(db);
    verifyMmdb(db, reader.metadata);
  } catch (error) {
    throw new GeoIPError(file, `is invalid: ${errorMessage(error)}`);
  }
  const { databaseType, ipVersion, buildEpoch, nodeCount, recordSize } = reader.metadata;
  const type = typeof databaseType === 'string' && databaseType !== '' ? databaseType : 'unnamed';
  checkRole(file, type, role);
  const tree = new SearchTree(db, nodeCount, recordSize, ipVersion);
  const map = role === 'asn' ? asnFields : locationFields;
  const cache = new Map<number, Fields | null>();
  const built = buildEpoch instanceof Date && !Number.isNaN(buildEpoch.getTime()) ? `, built ${buildEpoch.toISOString().slice(0, 10)}` : '';
  return {
    describe: `${type} mmdb ${file}${built}`,
    lookup(ip: string): Fields | undefined {
      const address = addressOf(ip);
      if (address === undefined) return undefined;
      const offset = tree.recordOffset(address);
      if (offset < 0) return undefined;
      let fields = cache.get(offset);
      if (fields === undefined) {
        let record: unknown = null;
        try {
          record = reader.get(formatIP(address));
        } catch {
          // verifyMmdb proved every record decodes; nothing to recover here beyond "unknown".
        }
        fields = map(record) ?? null;
        if (fields !== null) Object.freeze(fields);
        if (cache.size >= CACHE_RECORDS) cache.delete(cache.keys().next().value as number);
        cache.set(offset, fields);
      }
      return fields ?? undefined;
    },
  };
};
