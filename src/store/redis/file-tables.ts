// The repository index by file id, as binary strings read and written whole or by record: a million files are a
// few GETs instead of millions of hash fields to parse. Record i of each table belongs to file id i.
//   files:by-id    16 bytes per id: size, mtime (little-endian doubles); size -1 once the path left the index
//   files:digests  68 bytes per id: sha1 (20), sha256 (32), md5 (16) raw; all zero where not computed
//   files:paths    each id's path followed by a NUL, in id order; a path never changes its id, so it only grows
import type { RepoFile } from '../../repo/file.js';
import { PackedPaths } from '../packed-paths.js';
import { StoreError, type FileColumns } from '../store.js';

export const RECORD_BYTES = 16;
export const DIGEST_BYTES = 68;

/** Size of a record whose id is no longer indexed (sizes are never negative). */
export const ABSENT = -1;

const DIGESTS = [
  { name: 'sha1', width: 20, at: 0 },
  { name: 'sha256', width: 32, at: 20 },
  { name: 'md5', width: 16, at: 52 },
] as const;

const HEX = { sha1: /^(?:[0-9a-f]{40})?$/, sha256: /^(?:[0-9a-f]{64})?$/, md5: /^(?:[0-9a-f]{32})?$/ };

/** The tables of one state of the index. */
export interface FileTables {
  byId: Buffer;
  digests: Buffer;
  /** files:paths: the path of each id below the next one (ids no longer indexed included), NUL-terminated. */
  pathBytes: Buffer;
}

/** Number of ids the tables have records for: the id the next new path gets. */
export const idsIn = (byId: Buffer): number => Math.floor(byId.length / RECORD_BYTES);

export const writeRecord = (byId: Buffer, id: number, size: number, mtimeMs: number): void => {
  byId.writeDoubleLE(size, id * RECORD_BYTES);
  byId.writeDoubleLE(mtimeMs, id * RECORD_BYTES + 8);
};

export const recordOf = (size: number, mtimeMs: number): Buffer => {
  const record = Buffer.alloc(RECORD_BYTES);
  writeRecord(record, 0, size, mtimeMs);
  return record;
};

/** Size and mtime of file `id`, or undefined when it is not indexed. */
export const recordAt = (byId: Buffer, id: number): { size: number; mtimeMs: number } | undefined => {
  if (id >= idsIn(byId)) return undefined;
  const size = byId.readDoubleLE(id * RECORD_BYTES);
  return size === ABSENT ? undefined : { size, mtimeMs: byId.readDoubleLE(id * RECORD_BYTES + 8) };
};

/**
 * Writes the digests of `file` as record `slot` of `digests`. A digest that is neither '' nor lower-case hex of
 * its length is refused, naming the file: the binary form could not give it back as it was written.
 */
export const writeDigests = (digests: Buffer, slot: number, file: RepoFile): void => {
  for (const { name, at } of DIGESTS) {
    const hex = file[name];
    if (typeof hex !== 'string' || !HEX[name].test(hex)) {
      throw new StoreError(`${file.path}: ${name} ${JSON.stringify(hex)} is not '' or lower-case hex of the right length`);
    }
    if (hex !== '') digests.write(hex, slot * DIGEST_BYTES + at, 'hex');
  }
};

const ZERO = Buffer.alloc(DIGEST_BYTES);

/** Compared natively: a loop over bytes in JavaScript costs seconds at a million files. */
const allZero = (digests: Buffer, start: number, width: number): boolean => digests.compare(ZERO, 0, width, start, start + width) === 0;

const hexAt = (digests: Buffer, start: number, width: number): string =>
  allZero(digests, start, width) ? '' : digests.toString('hex', start, start + width);

/** The digests of record `slot` as RepoFile has them. */
export const hexDigests = (digests: Buffer, slot: number): Pick<RepoFile, 'sha1' | 'sha256' | 'md5'> => {
  const base = slot * DIGEST_BYTES;
  return { sha1: hexAt(digests, base, 20), sha256: hexAt(digests, base + 20, 32), md5: hexAt(digests, base + 52, 16) };
};

/** File `id` of the tables, given their paths split by id; undefined when it is not indexed. */
export const fileAt = (tables: FileTables, paths: readonly string[], id: number): RepoFile | undefined => {
  const record = recordAt(tables.byId, id);
  return record === undefined ? undefined : { path: paths[id]!, ...record, ...hexDigests(tables.digests, id) };
};

/** A file as stored: its id, size and mtime, and its digests, record `slot` of `digests`. */
export interface StoredFile {
  id: number;
  size: number;
  mtimeMs: number;
  digests: Buffer;
  slot: number;
}

/** The path of each id, as strings. */
export const splitPaths = (tables: FileTables): string[] => {
  const all = tables.pathBytes.toString('utf8').split('\0');
  all.pop(); // the empty string after the last NUL
  return all;
};

/**
 * The indexed files in columns, in id order. Paths go from files:paths to PackedPaths one at a time: no array of a
 * million strings is held meanwhile.
 */
export const toColumns = (tables: FileTables): FileColumns => {
  const next = idsIn(tables.byId);
  const records = new DataView(tables.byId.buffer, tables.byId.byteOffset, next * RECORD_BYTES);
  const { pathBytes } = tables;
  const present: number[] = [];
  const paths = new PackedPaths(next, pathBytes.length);
  for (let id = 0, start = 0; id < next; id++) {
    const end = pathBytes.indexOf(0, start);
    if (records.getFloat64(id * RECORD_BYTES, true) !== ABSENT) {
      present.push(id);
      paths.push(pathBytes.toString('utf8', start, end));
    }
    start = end + 1;
  }
  const n = present.length;
  const out: FileColumns = {
    ids: Uint32Array.from(present),
    paths,
    sizes: new Float64Array(n),
    mtimes: new Float64Array(n),
    sha1: new Uint8Array(0),
    sha256: new Uint8Array(0),
    md5: new Uint8Array(0),
  };
  const slabs = DIGESTS.map(({ width }) => new Uint8Array(n * width));
  const used = [0, 0, 0];
  const digests = tables.digests;
  for (let row = 0; row < n; row++) {
    const id = present[row]!;
    out.sizes[row] = records.getFloat64(id * RECORD_BYTES, true);
    out.mtimes[row] = records.getFloat64(id * RECORD_BYTES + 8, true);
    // Byte by byte: three Buffer.copy calls per row cost more than the copying at a million rows.
    for (let h = 0; h < 3; h++) {
      const { width, at } = DIGESTS[h]!;
      const slab = slabs[h]!;
      const from = id * DIGEST_BYTES + at;
      const to = row * width;
      let bits = 0;
      for (let k = 0; k < width; k++) bits |= slab[to + k] = digests[from + k]!;
      used[h]! |= bits;
    }
  }
  // A slab no row has a digest in is left out: unused ones would be tens of MB at a million files.
  DIGESTS.forEach(({ name }, h) => {
    if (used[h] !== 0) out[name] = slabs[h]!;
  });
  return out;
};
