// Decodes a data record of an mmdb file at the offset the search tree gives, into the same values
// the maxmind reader returns (maps as plain objects, uint64/uint128 as bigint, bytes as a view),
// without formatting the address back to text and walking the tree a second time. Map entries
// whose key is not wanted are skipped undecoded (a GeoIP2 City record names each place in eight
// languages; we read one). The file has been checked by verifyMmdb, so types, sizes and pointers
// are known to be well formed.
import { POINTER, UTF8, DOUBLE, BYTES, UINT16, UINT32, MAP, INT32, UINT64, UINT128, ARRAY, BOOLEAN, FLOAT } from './mmdb-types.js';

/** Distinct map keys remembered by offset: a file has a few dozen; a hostile one cannot grow this past the cap. */
const KEY_CACHE = 1024;

export class RecordDecoder {
  /** Where the next value starts (a file offset). */
  private at = 0;
  /** The type and size of the value read last by header(). */
  private type = 0;
  private size = 0;
  private readonly keys = new Map<number, string>();

  constructor(
    private readonly db: Buffer,
    /** File offset of the data section. */
    private readonly dataStart: number,
    /** Map keys whose values are decoded, at any depth; undefined = all. */
    private readonly wanted?: ReadonlySet<string>,
  ) {}

  /** The record at `offset` in the data section. */
  record(offset: number): unknown {
    this.at = this.dataStart + offset;
    return this.value();
  }

  /** Where a pointer at `this.at` (its control byte read) leads, as a file offset; moves past it. */
  private pointer(control: number): number {
    const db = this.db;
    const size = (control >> 3) & 3;
    const at = this.at;
    const high = control & 7;
    let target: number;
    if (size === 0) target = high * 256 + db[at]!;
    else if (size === 1) target = high * 65536 + db.readUInt16BE(at) + 2048;
    else if (size === 2) target = high * 16777216 + db.readUIntBE(at, 3) + 526336;
    else target = db.readUInt32BE(at);
    this.at = at + size + 1;
    return this.dataStart + target;
  }

  /** Reads the type and size of the (non-pointer) value at `this.at`, leaving it at the payload. */
  private header(control: number): void {
    const db = this.db;
    let type = control >> 5;
    if (type === 0) type = 7 + db[this.at++]!;
    let size = control & 0x1f;
    if (size === 29) {
      size = 29 + db[this.at]!;
      this.at += 1;
    } else if (size === 30) {
      size = 285 + db.readUInt16BE(this.at);
      this.at += 2;
    } else if (size === 31) {
      size = 65821 + db.readUIntBE(this.at, 3);
      this.at += 3;
    }
    this.type = type;
    this.size = size;
  }

  /** A map key: keys are usually pointers to a few shared strings, decoded once each. */
  private key(): string {
    const control = this.db[this.at]!;
    if (control >> 5 !== POINTER) return this.value() as string;
    this.at++;
    const target = this.pointer(control);
    let key = this.keys.get(target);
    if (key === undefined) {
      const after = this.at;
      this.at = target;
      key = this.value() as string;
      this.at = after;
      if (this.keys.size < KEY_CACHE) this.keys.set(target, key);
    }
    return key;
  }

  /** Moves past a value without decoding it. */
  private skip(): void {
    const control = this.db[this.at++]!;
    if (control >> 5 === POINTER) {
      this.pointer(control);
      return;
    }
    this.header(control);
    const { type, size } = this;
    if (type === MAP) for (let i = 0; i < size * 2; i++) this.skip();
    else if (type === ARRAY) for (let i = 0; i < size; i++) this.skip();
    else if (type !== BOOLEAN) this.at += size;
  }

  private value(): unknown {
    const db = this.db;
    const control = db[this.at++]!;
    if (control >> 5 === POINTER) {
      const target = this.pointer(control);
      const after = this.at;
      this.at = target;
      const value = this.value();
      this.at = after;
      return value;
    }
    this.header(control);
    const { type, size } = this;
    const at = this.at;
    switch (type) {
      case MAP: {
        const map: Record<string, unknown> = {};
        for (let i = 0; i < size; i++) {
          const key = this.key();
          if (this.wanted === undefined || this.wanted.has(key)) map[key] = this.value();
          else this.skip();
        }
        return map;
      }
      case ARRAY: {
        const array = new Array<unknown>(size);
        for (let i = 0; i < size; i++) array[i] = this.value();
        return array;
      }
      case BOOLEAN:
        return size !== 0;
    }
    this.at = at + size;
    switch (type) {
      case UTF8:
        return db.toString('utf8', at, at + size);
      case DOUBLE:
        return db.readDoubleBE(at);
      case FLOAT:
        return db.readFloatBE(at);
      case UINT16:
      case UINT32:
        return size === 0 ? 0 : db.readUIntBE(at, size);
      case INT32:
        return size === 0 ? 0 : size < 4 ? db.readUIntBE(at, size) : db.readInt32BE(at);
      case UINT64:
      case UINT128: {
        let n = 0n;
        for (let i = 0; i < size; i++) n = (n << 8n) | BigInt(db[at + i]!);
        return n;
      }
      case BYTES:
        return db.subarray(at, at + size);
      default:
        throw new Error(`unknown data type ${type} at byte ${at}`);
    }
  }
}
