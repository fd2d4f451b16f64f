// Repository paths by file id in two typed arrays and a buffer, with an open-addressing hash index: a million
// paths without a million strings and a Map, so almost nothing for the garbage collector to mark (with a million
// strings in the old generation every major GC walked them all).
//
// Paths share their directories heavily (a million paths, ~150k directories), and the names in a directory
// mostly start alike too (`libfoo_1.2-3.dsc`, `libfoo_1.2-3_amd64.deb`). So paths are grouped by directory, and
// each group's prefix, the longest one all its paths share (the directory at least), is stored once; a path is
// its group's prefix followed by its own suffix. One UTF-8 buffer holds the prefixes, each after its length,
// then the suffixes in id order, so that a suffix ends where the next id's begins (a hole's is empty). A lookup
// never splits its path: it hashes the whole path and compares it with prefix + suffix. The index keeps some
// hash bits beside each id, so probing past other paths reads nothing else and no hash is stored per path.
// A hit reads the index, the id's row, its prefix and its suffix: four places, where one path in a buffer with
// starts, lengths and hashes by id was five. The benchmark's million paths take ~40 MB instead of ~81 MB.

/** FNV-1a over UTF-16 code units: the same for a query string and for the string the table was built from. */
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** murmur3's finaliser, so that the high bits (the slot) and the low ones (the tag) depend on every unit. */
const finish = (h: number): number => {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
};

/** The hash of a query; Builder.add() computes the same one going on from a directory's state. */
const hashOf = (s: string): number => {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return finish(h);
};

/** A prefix's length is two bytes before it: at most this many units, as a unit takes at most 3 bytes. */
const MAX_PREFIX_UNITS = 0xffff / 3;

/** A UTF-16 high surrogate: a prefix must not end with one, or it would split a character's UTF-8 bytes. */
const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;

/** Where path() puts a prefix and a suffix together: one string made, flat, by one native call instead of two. */
const scratch = Buffer.allocUnsafeSlow(4096);

/**
 * A table's arrays while it is built: add() each path, then lay out the bytes and write() each path again.
 * Per-path methods, so that they are optimised as they run: a constructor runs once, and its loops would only be
 * compiled by on-stack replacement, again each time one meets code it has not run yet (slower from cold).
 *
 * Paths are grouped by directory: each group's directory, the hash's state after it, its units or'ed, its first
 * path, and how many UTF-16 units all its paths share with that one (so far). Paths usually come directory by
 * directory, so a path is first taken to be in the previous one's directory (a native comparison up to its end):
 * one loop over the rest of it goes on from the directory's hash state, measures what it shares with the group
 * and sees whether there is another '/' (then it is not, and its group is looked up by the directory's hash).
 */
class Builder {
  /** As in PathTable, but for now: the path's byte length and its group + 1, by id. */
  readonly rows: Uint32Array;
  readonly index: Int32Array;
  readonly idBits: number;
  readonly shift: number;
  private readonly directories: string[] = [];
  private readonly states: number[] = [];
  private readonly units: number[] = [];
  private readonly firstPaths: string[] = [];
  private readonly shared: number[] = [];
  /** Group + 1 by the directory's hash, at most half full. */
  private groupIndex = new Int32Array(1024);
  private group = -1;
  private directory = '';
  /** Where each group's prefix (its length first) is in the bytes, once laid out. */
  private prefixAt = new Uint32Array(0);

  constructor(n: number, slots: number) {
    if (slots > 0x7fffffff) throw new RangeError(`PathTable: ${slots} slots, at most 2^31 - 1`);
    this.rows = new Uint32Array(2 * slots + 1);
    this.idBits = 32 - Math.clz32(slots);
    let capacity = 16;
    while (capacity < n * 2) capacity *= 2;
    this.index = new Int32Array(capacity);
    this.shift = Math.clz32(capacity) + 1;
  }

  add(path: string, id: number): void {
    let h = 0;
    let k = 0;
    let units = 0; // its units or'ed: below 0x80 when it is ASCII
    let group = this.group;
    for (;;) {
      if (group >= 0 && path.slice(0, this.directory.length) === this.directory) {
        // What it shares with the group's first path (which has no '/' there), then the rest up to any '/'.
        const first = this.firstPaths[group]!;
        const end = Math.min(this.shared[group]!, path.length);
        h = this.states[group]!;
        units = this.units[group]!;
        let j = this.directory.length;
        for (; j < end; j++) {
          const c = path.charCodeAt(j);
          if (c !== first.charCodeAt(j)) break;
          h = Math.imul(h ^ c, FNV_PRIME);
          units |= c;
        }
        k = j;
        for (; j < path.length; j++) {
          const c = path.charCodeAt(j);
          if (c === 0x2f) break;
          h = Math.imul(h ^ c, FNV_PRIME);
          units |= c;
        }
        if (j === path.length) break;
      }
      group = this.groupOf(path);
      this.group = group;
      this.directory = this.directories[group]!;
    }
    this.shared[group] = k;
    h = finish(h);
    this.rows[2 * id] = units < 0x80 ? path.length : Buffer.byteLength(path);
    this.rows[2 * id + 1] = group + 1;
    const index = this.index;
    const mask = index.length - 1;
    let slot = h >>> this.shift;
    while (index[slot] !== 0) slot = (slot + 1) & mask;
    index[slot] = (h << this.idBits) | (id + 1);
  }

  /** The bytes, with the prefixes written and room for the suffixes by id; `rows` has where they start. */
  layout(): Buffer {
    const { rows, firstPaths, shared } = this;
    const count = firstPaths.length;
    const prefixes: string[] = new Array<string>(count);
    const prefixLengths = new Uint32Array(count);
    this.prefixAt = new Uint32Array(count);
    let at = 0;
    for (let g = 0; g < count; g++) {
      const first = firstPaths[g]!;
      let k = Math.min(shared[g]!, MAX_PREFIX_UNITS);
      if (k > 0 && isHighSurrogate(first.charCodeAt(k - 1))) k--;
      shared[g] = k;
      prefixes[g] = first.slice(0, k);
      prefixLengths[g] = Buffer.byteLength(prefixes[g]);
      this.prefixAt[g] = at;
      at += 2 + prefixLengths[g]!;
    }
    const slots = (rows.length - 1) / 2;
    for (let id = 0; id < slots; id++) {
      const group = rows[2 * id + 1]!;
      const length = group === 0 ? 0 : rows[2 * id]! - prefixLengths[group - 1]!;
      rows[2 * id] = at;
      at += length;
    }
    rows[2 * slots] = at;
    const bytes = Buffer.allocUnsafe(at);
    for (let g = 0; g < count; g++) {
      bytes.writeUInt16LE(prefixLengths[g]!, this.prefixAt[g]!);
      bytes.write(prefixes[g]!, this.prefixAt[g]! + 2, 'utf8');
    }
    return bytes;
  }

  /** Writes the suffix of `path` (added before) into `bytes`. */
  write(bytes: Buffer, path: string, id: number): void {
    const from = this.shared[this.rows[2 * id + 1]! - 1]!;
    const start = this.rows[2 * id]!;
    const length = this.rows[2 * id + 2]! - start;
    if (length === path.length - from) {
      // As many bytes as units: ASCII, copied without making a substring.
      for (let j = 0; j < length; j++) bytes[start + j] = path.charCodeAt(from + j);
    } else {
      bytes.write(path.slice(from), start, length, 'utf8');
    }
  }

  /** Makes `rows` point at each id's prefix instead of its group. */
  linkPrefixes(): void {
    const rows = this.rows;
    for (let id = 0; 2 * id < rows.length - 1; id++) {
      const group = rows[2 * id + 1]!;
      if (group !== 0) rows[2 * id + 1] = this.prefixAt[group - 1]! + 1;
    }
  }

  /** The group of `path`'s directory, a new one (with `path` first) when there is none yet. */
  private groupOf(path: string): number {
    const end = path.lastIndexOf('/') + 1;
    const directory = path.slice(0, end);
    let state = FNV_OFFSET;
    let units = 0;
    for (let j = 0; j < end; j++) {
      const c = path.charCodeAt(j);
      state = Math.imul(state ^ c, FNV_PRIME);
      units |= c;
    }
    const mask = this.groupIndex.length - 1;
    let slot = finish(state) & mask;
    for (; this.groupIndex[slot] !== 0; slot = (slot + 1) & mask) {
      const group = this.groupIndex[slot]! - 1;
      if (this.states[group] === state && this.directories[group] === directory) return group;
    }
    const group = this.directories.length;
    this.groupIndex[slot] = group + 1;
    this.directories.push(directory);
    this.states.push(state);
    this.units.push(units);
    this.firstPaths.push(path);
    this.shared.push(path.length);
    if (2 * this.directories.length > this.groupIndex.length) this.regroup();
    return group;
  }

  private regroup(): void {
    this.groupIndex = new Int32Array(2 * this.groupIndex.length);
    const mask = this.groupIndex.length - 1;
    for (let group = 0; group < this.states.length; group++) {
      let slot = finish(this.states[group]!) & mask;
      while (this.groupIndex[slot] !== 0) slot = (slot + 1) & mask;
      this.groupIndex[slot] = group + 1;
    }
  }
}

/** Paths by position: a string array, or anything that makes them on demand. */
export interface PathList {
  readonly length: number;
  at(index: number): string | undefined;
}

export class PathTable {
  /** Each group's prefix after its length (2 bytes, little-endian); then the paths' suffixes in id order. */
  private readonly bytes: Buffer;
  /**
   * Two entries per id: where its suffix starts in `bytes` (it ends where the next id's starts) and where its
   * group's prefix length is + 1 (0 for a hole); then where the last suffix ends. Side by side, as a lookup
   * reads both: one cache miss.
   */
  private readonly rows: Uint32Array;
  /**
   * (hash << idBits) | (id + 1) at each used position, 0 where free: the id in the low bits that `slots` needs,
   * the hash's low bits (the tag) above it. The size is a power of two, at most half full; the slot is the hash's
   * high bits, as a tag that repeated them would tell little about the paths of nearby slots.
   */
  private readonly index: Int32Array;
  private readonly idBits: number;
  /** 32 - log2(index size): the slot is hash >>> shift. */
  private readonly shift: number;
  readonly size: number;

  /**
   * `ids[i]` is the id of `paths.at(i)` (paths are unique: the index's key); `slots` is one more than the largest id.
   * `paths` is an array or the store's PackedPaths (read twice, a string at a time).
   */
  constructor(paths: PathList, ids: ArrayLike<number>, slots: number) {
    const n = paths.length;
    const builder = new Builder(n, slots);
    for (let i = 0; i < n; i++) builder.add(paths.at(i)!, ids[i]!);
    const bytes = builder.layout();
    for (let i = 0; i < n; i++) builder.write(bytes, paths.at(i)!, ids[i]!);
    builder.linkPrefixes();
    this.bytes = bytes;
    this.rows = builder.rows;
    this.index = builder.index;
    this.idBits = builder.idBits;
    this.shift = builder.shift;
    this.size = n;
  }

  /** The id of `path`, -1 when it is not in the table. */
  get(path: string): number {
    const h = hashOf(path);
    const index = this.index;
    const idBits = this.idBits;
    const idMask = ~(-1 << idBits); // idBits < 32
    const tag = h << idBits;
    const mask = index.length - 1;
    for (let slot = h >>> this.shift; ; slot = (slot + 1) & mask) {
      const entry = index[slot]!;
      if (entry === 0) return -1;
      if ((entry & ~idMask) === tag) {
        const id = (entry & idMask) - 1;
        if (this.equals(id, path)) return id;
      }
    }
  }

  has(id: number): boolean {
    return id >>> 0 === id && this.rows[2 * id + 1]! > 0; // out of range reads undefined: false
  }

  /** The path of `id` (a new string), undefined for an id not in the table. */
  path(id: number): string | undefined {
    if (!this.has(id)) return undefined;
    const rows = this.rows;
    const bytes = this.bytes;
    const prefixStart = rows[2 * id + 1]! + 1;
    const prefixLength = bytes[prefixStart - 2]! | (bytes[prefixStart - 1]! << 8);
    const suffixStart = rows[2 * id]!;
    const suffixLength = rows[2 * id + 2]! - suffixStart;
    if (prefixLength + suffixLength > scratch.length) {
      return bytes.toString('utf8', prefixStart, prefixStart + prefixLength) + bytes.toString('utf8', suffixStart, suffixStart + suffixLength);
    }
    // A prefix ends between characters, so the two decode as one. The suffix first: its cache miss then
    // overlaps the prefix's (as the prefix loop would keep the suffix's first read too far behind).
    for (let i = 0; i < suffixLength; i++) scratch[prefixLength + i] = bytes[suffixStart + i]!;
    for (let i = 0; i < prefixLength; i++) scratch[i] = bytes[prefixStart + i]!;
    return scratch.toString('utf8', 0, prefixLength + suffixLength);
  }

  get slots(): number {
    return (this.rows.length - 1) / 2;
  }

  private equals(id: number, path: string): boolean {
    const rows = this.rows;
    const bytes = this.bytes;
    const prefixStart = rows[2 * id + 1]! + 1;
    const prefixLength = bytes[prefixStart - 2]! | (bytes[prefixStart - 1]! << 8);
    const suffixStart = rows[2 * id]!;
    const suffixLength = rows[2 * id + 2]! - suffixStart;
    const length = prefixLength + suffixLength;
    if (path.length === length) {
      // As many bytes as code units: equal only to an ASCII string (anything else takes more bytes in UTF-8),
      // so it is compared without encoding; but a non-ASCII path's bytes may equal the query's units one for
      // one ('é' is C3 A9, as the units of 'Ã©'), hence `seen`.
      let seen = 0;
      for (let i = 0; i < suffixLength; i++) {
        const c = path.charCodeAt(prefixLength + i);
        if (bytes[suffixStart + i] !== c) return false;
        seen |= c;
      }
      for (let i = 0; i < prefixLength; i++) {
        const c = path.charCodeAt(i);
        if (bytes[prefixStart + i] !== c) return false;
        seen |= c;
      }
      return seen < 0x80;
    }
    // A unit takes one to three bytes.
    if (path.length > length || path.length * 3 < length) return false;
    const encoded = Buffer.from(path, 'utf8');
    return (
      encoded.length === length &&
      encoded.compare(bytes, prefixStart, prefixStart + prefixLength, 0, prefixLength) === 0 &&
      encoded.compare(bytes, suffixStart, suffixStart + suffixLength, prefixLength, length) === 0
    );
  }
}

