// Structural check of a MaxMind DB file before it serves lookups: the maxmind reader trusts the
// file and would return garbage (or throw mid-request) for a truncated or corrupt one.
import { POINTER, UTF8, DOUBLE, BYTES, UINT16, UINT32, MAP, INT32, UINT64, UINT128, ARRAY, BOOLEAN, FLOAT } from './mmdb-types.js';
import { recordReaders } from './mmdb-tree.js';

const METADATA_MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex'); // "\xAB\xCD\xEFMaxMind.com"
/** The metadata section lies within this many bytes of the end of the file. */
export const METADATA_MAX_SIZE = 128 * 1024;
const SEPARATOR_SIZE = 16;
const MAX_DEPTH = 32;

export interface MmdbLayout {
  nodeCount: number;
  recordSize: number;
  ipVersion: number;
  /** Byte offsets in the file: the data section lies in [dataStart, dataEnd). */
  dataStart: number;
  dataEnd: number;
}

/** Where the metadata section starts (after the marker), or -1 when the file has none. */
export const findMetadata = (db: Buffer): number => {
  const from = Math.max(0, db.length - METADATA_MAX_SIZE);
  const at = db.subarray(from).lastIndexOf(METADATA_MARKER);
  return at === -1 ? -1 : from + at + METADATA_MARKER.length;
};

const MAX_SIZE: Partial<Record<number, number>> = { [UINT16]: 2, [UINT32]: 4, [INT32]: 4, [UINT64]: 8, [UINT128]: 16 };

/** A set of offsets as one bit each: far smaller than a Set for the 100k+ offsets of a City file. */
class OffsetSet {
  private readonly bits: Uint8Array;

  constructor(size: number) {
    this.bits = new Uint8Array((size >>> 3) + 1);
  }

  has(offset: number): boolean {
    return (this.bits[offset >>> 3]! & (1 << (offset & 7))) !== 0;
  }

  add(offset: number): void {
    this.bits[offset >>> 3]! |= 1 << (offset & 7);
  }
}

/** Decodes just enough of every value to prove that each field is well formed and in bounds. */
class DataChecker {
  /** Pointer targets already checked, as offsets into the data section. */
  private readonly checkedPointers: OffsetSet;

  constructor(
    private readonly db: Buffer,
    private readonly start: number,
    private readonly end: number,
  ) {
    this.checkedPointers = new OffsetSet(end - start);
  }

  private fail(offset: number, reason: string): never {
    throw new Error(`corrupt data section at byte ${offset}: ${reason}`);
  }

  private byte(at: number): number {
    if (at >= this.end) this.fail(at, 'value runs past the end of the data section');
    return this.db[at]!;
  }

  /** Checks the value at a file offset; returns the offset just after it. */
  check(offset: number, depth = 0, mustBeKey = false): number {
    if (depth > MAX_DEPTH) this.fail(offset, 'values nested too deeply');
    const control = this.byte(offset);
    let at = offset + 1;
    let type = control >> 5;
    if (type === POINTER) {
      const size = (control >> 3) & 3;
      let target = 0;
      for (let i = 0; i <= size; i++) target = target * 256 + this.byte(at + i);
      const high = control & 7;
      if (size === 0) target += high * 256;
      else if (size === 1) target += high * 65536 + 2048;
      else if (size === 2) target += high * 16777216 + 526336;
      const targetAt = this.start + target;
      if (targetAt >= this.end) this.fail(offset, `pointer to ${target} lies outside the data section`);
      if ((this.db[targetAt]! >> 5) === POINTER) this.fail(offset, 'pointer to a pointer');
      if (mustBeKey && this.db[targetAt]! >> 5 !== UTF8) this.fail(offset, 'map key is not a string');
      if (!this.checkedPointers.has(target)) {
        this.check(targetAt, depth + 1, mustBeKey);
        this.checkedPointers.add(target);
      }
      return at + size + 1;
    }
    if (type === 0) {
      type = 7 + this.byte(at);
      at++;
      if (type < 8 || (type > ARRAY && type !== BOOLEAN && type !== FLOAT)) this.fail(offset, `unknown data type ${type}`);
    }
    if (mustBeKey && type !== UTF8) this.fail(offset, 'map key is not a string');
    let size = control & 0x1f;
    if (size >= 29) {
      const extra = size - 28;
      let n = 0;
      for (let i = 0; i < extra; i++) n = n * 256 + this.byte(at + i);
      at += extra;
      size = size === 29 ? 29 + n : size === 30 ? 285 + n : 65821 + n;
    }
    switch (type) {
      case MAP:
        for (let i = 0; i < size; i++) {
          at = this.check(at, depth + 1, true);
          at = this.check(at, depth + 1);
        }
        return at;
      case ARRAY:
        for (let i = 0; i < size; i++) at = this.check(at, depth + 1);
        return at;
      case BOOLEAN:
        if (size > 1) this.fail(offset, `boolean of size ${size}`);
        return at;
      case DOUBLE:
        if (size !== 8) this.fail(offset, `double of size ${size} (must be 8)`);
        break;
      case FLOAT:
        if (size !== 4) this.fail(offset, `float of size ${size} (must be 4)`);
        break;
      case UTF8:
      case BYTES:
        break;
      default: {
        const max = MAX_SIZE[type];
        if (max === undefined) this.fail(offset, `data type ${type} cannot appear in a record`);
        if (size > max) this.fail(offset, `integer of type ${type} with size ${size} (at most ${max})`);
      }
    }
    if (at + size > this.end) this.fail(offset, 'value runs past the end of the data section');
    return at + size;
  }
}

/**
 * Throws an Error saying what is wrong unless the search tree stays within the file, every record
 * points to a node, "no data" or a record inside the data section, and every data record decodes
 * with valid types and sizes.
 */
export const verifyMmdb = (db: Buffer, meta: { nodeCount: number; recordSize: number; ipVersion: number }): MmdbLayout => {
  const metadataAt = findMetadata(db);
  if (metadataAt === -1) throw new Error('not a MaxMind DB file (no metadata section)');
  const { nodeCount, recordSize, ipVersion } = meta;
  if (!Number.isSafeInteger(nodeCount) || nodeCount <= 0) throw new Error(`invalid node count ${nodeCount}`);
  if (ipVersion !== 4 && ipVersion !== 6) throw new Error(`invalid IP version ${ipVersion}`);
  const treeSize = (nodeCount * recordSize) / 4;
  const dataStart = treeSize + SEPARATOR_SIZE;
  const dataEnd = metadataAt - METADATA_MARKER.length;
  if (dataStart > dataEnd) {
    throw new Error(`search tree of ${nodeCount} nodes (${treeSize} bytes) does not fit in the file (${dataEnd} bytes before the metadata)`);
  }
  for (let i = treeSize; i < dataStart; i++) {
    if (db[i] !== 0) throw new Error(`no data section separator after the search tree (byte ${i} is not zero)`);
  }
  const dataSize = dataEnd - dataStart;
  const [left, right] = recordReaders(db, recordSize);
  const inBounds = (node: number, value: number): void => {
    const offset = value - nodeCount - SEPARATOR_SIZE;
    if (value > nodeCount && (offset < 0 || offset >= dataSize)) {
      throw new Error(`search tree node ${node} points to ${value}, outside the data section`);
    }
  };
  for (let node = 0; node < nodeCount; node++) {
    inBounds(node, left(node));
    inBounds(node, right(node));
  }
  // Then each record once, in the order the tree first points to it.
  const checker = new DataChecker(db, dataStart, dataEnd);
  const records = new OffsetSet(dataSize);
  const visit = (value: number): void => {
    const offset = value - nodeCount - SEPARATOR_SIZE;
    if (value <= nodeCount || records.has(offset)) return;
    records.add(offset);
    checker.check(dataStart + offset);
  };
  for (let node = 0; node < nodeCount; node++) {
    visit(left(node));
    visit(right(node));
  }
  return { nodeCount, recordSize, ipVersion, dataStart, dataEnd };
};
