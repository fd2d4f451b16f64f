// Inclusive address ranges → value indices. Built into the sorted start addresses of the
// segments where the answer changes (gaps included, overlaps resolved once at build time), so a
// lookup is one binary search over typed arrays: the 500k ranges of the bundled ASN data take a
// few MB, with no allocation per lookup.
import { GrowableU32 as Growable } from './growable.js';
import { ipv4Number } from './ip.js';
import type { ParsedIP } from './ip.js';

/** IPv6 addresses are four 32-bit words, most significant first. */
const WORDS = 4;
/** The value index of "no range here". */
const NONE = -1;

/** Compares word tuples a[ai..ai+n) and b[bi..bi+n). */
const compare = (a: Uint32Array, ai: number, b: Uint32Array, bi: number, n: number): number => {
  for (let k = 0; k < n; k++) {
    const x = a[ai + k]!;
    const y = b[bi + k]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
};

/** a[at..at+n) += 1; false when it was the largest address (and wrapped). */
const increment = (a: Uint32Array, at: number, n: number): boolean => {
  for (let k = n - 1; k >= 0; k--) {
    a[at + k] = (a[at + k]! + 1) >>> 0;
    if (a[at + k] !== 0) return true;
  }
  return false;
};

/**
 * Segment starts and their value indices, in address order; a segment lasts until the next start.
 * Filled twice by the same sweep: first as a ring of the last few segments, only to count them
 * (and see whether IPv6 starts all fall on /64 boundaries), then into arrays of that size.
 */
class Segments {
  count = 0;
  /** Most segments held at once (a segment can be taken back when a later range replaces it). */
  most = 0;
  /** Whether every start had zero low 64 bits (IPv6 only). */
  aligned = true;
  readonly starts: Uint32Array;
  readonly values: Int32Array;
  private readonly mask: number;

  constructor(
    /** Words stored per start: `stride`, or 2 for aligned IPv6. */
    private readonly n: number,
    /** Words per address in the arrays add() reads. */
    private readonly stride: number,
    /** 0 to only count. */
    capacity: number,
  ) {
    const ring = capacity === 0;
    this.mask = ring ? 3 : -1;
    this.starts = new Uint32Array((ring ? 4 : capacity) * n);
    this.values = new Int32Array(ring ? 4 : capacity);
  }

  /** From the address at a[at..at+stride) on, the answer is `value`. */
  add(a: Uint32Array, at: number, value: number): void {
    const { n, mask, starts, values } = this;
    const last = this.count - 1;
    if (last >= 0 && compare(starts, (last & mask) * n, a, at, n) === 0) {
      // Same start as the previous segment (ranges starting together): the later one wins.
      if (last >= 1 && values[(last - 1) & mask] === value) this.count--;
      else values[last & mask] = value;
      return;
    }
    if (last >= 0 ? values[last & mask] === value : value === NONE) return;
    const slot = this.count & mask;
    for (let k = 0; k < n; k++) starts[slot * n + k] = a[at + k]!;
    if (this.stride === WORDS && (a[at + 2] !== 0 || a[at + 3] !== 0)) this.aligned = false;
    values[slot] = value;
    this.count++;
    if (this.count > this.most) this.most = this.count;
  }
}

/**
 * Runs the ranges (n words per address, in start order) into segments. Where ranges overlap, the
 * containing range that starts last wins, and of ranges starting at the same address the one
 * added last.
 */
const sweep = (n: number, starts: Uint32Array, ends: Uint32Array, values: Uint32Array, order: Uint32Array | undefined, out: Segments): void => {
  const count = values.length;
  // Ranges that contain the current address, the one that wins on top.
  const stack = new Uint32Array(count);
  let depth = 0;
  const after = new Uint32Array(n);
  /** Closes the top range: from the address after its end, the range under it (if any) answers. */
  const closeTop = (): boolean => {
    const top = stack[--depth]!;
    // Ranges under it that end no later are hidden for good.
    while (depth > 0 && compare(ends, stack[depth - 1]! * n, ends, top * n, n) <= 0) depth--;
    for (let k = 0; k < n; k++) after[k] = ends[top * n + k]!;
    return increment(after, 0, n);
  };
  for (let i = 0; i < count; i++) {
    const r = order === undefined ? i : order[i]!;
    while (depth > 0 && compare(ends, stack[depth - 1]! * n, starts, r * n, n) < 0) {
      closeTop();
      if (compare(after, 0, starts, r * n, n) < 0) out.add(after, 0, depth > 0 ? values[stack[depth - 1]!]! : NONE);
    }
    out.add(starts, r * n, values[r]!);
    stack[depth++] = r;
  }
  while (depth > 0) {
    if (!closeTop()) break; // it ran to the last address: nothing follows
    out.add(after, 0, depth > 0 ? values[stack[depth - 1]!]! : NONE);
  }
};

/** The segments of one address family; `n` words per stored address. */
class FamilyRanges {
  private readonly count: number;

  constructor(
    private readonly n: number,
    private readonly starts: Uint32Array,
    private readonly values: Int32Array,
  ) {
    this.count = values.length;
  }

  /** From ranges in any order, possibly nested or overlapping. */
  static build(words: number, starts: Uint32Array, ends: Uint32Array, values: Uint32Array): FamilyRanges {
    let order: Uint32Array | undefined;
    for (let i = 1; i < values.length && order === undefined; i++) {
      if (compare(starts, (i - 1) * words, starts, i * words, words) > 0) {
        order = new Uint32Array(values.length);
        for (let j = 0; j < order.length; j++) order[j] = j;
        order.sort((a, b) => compare(starts, a * words, starts, b * words, words) || a - b);
      }
    }
    const counted = new Segments(words, words, 0);
    sweep(words, starts, ends, values, order, counted);
    // IPv6 data usually splits only at /64 boundaries: then the low half of every start is zero
    // and comparing the high half of an address alone gives the same answers at half the size.
    const n = words === WORDS && counted.aligned ? 2 : words;
    const out = new Segments(n, words, Math.max(1, counted.most));
    sweep(words, starts, ends, values, order, out);
    const size = out.count;
    return size === out.values.length
      ? new FamilyRanges(n, out.starts, out.values)
      : new FamilyRanges(n, out.starts.slice(0, size * n), out.values.slice(0, size));
  }

  /** Value index for the address key[0..n), or -1. */
  find(key: Uint32Array): number {
    const n = this.n;
    const starts = this.starts;
    // Last segment whose start <= key.
    let lo = 0;
    let hi = this.count - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(starts, mid * n, key, 0, n) <= 0) {
        at = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return at === -1 ? NONE : this.values[at]!;
  }
}

interface Columns {
  starts: Growable;
  ends: Growable;
  values: Growable;
}

const columns = (ranges: number, n: number): Columns => ({
  starts: new Growable(ranges * n),
  ends: new Growable(ranges * n),
  values: new Growable(ranges),
});

/** Collects ranges, then freezes them into a RangeTable. */
export class RangeTableBuilder {
  private readonly v4: Columns;
  private readonly v6: Columns;

  /** `expected` ranges of each family size the first allocation; the arrays grow as needed. */
  constructor(expected = { v4: 1024, v6: 1024 }) {
    this.v4 = columns(expected.v4, 1);
    this.v6 = columns(expected.v6, WORDS);
  }

  /** valueIndex: any number from 0 to 2^31 - 2, for the caller to map to its value. */
  addV4(start: number, end: number, valueIndex: number): void {
    this.v4.starts.push(start);
    this.v4.ends.push(end);
    this.v4.values.push(valueIndex);
  }

  /** start and end as 4 words each, most significant first. */
  addV6(start: ArrayLike<number>, end: ArrayLike<number>, valueIndex: number): void {
    for (let k = 0; k < WORDS; k++) this.v6.starts.push(start[k]!);
    for (let k = 0; k < WORDS; k++) this.v6.ends.push(end[k]!);
    this.v6.values.push(valueIndex);
  }

  build(): RangeTable {
    const family = (f: Columns, n: number): FamilyRanges => FamilyRanges.build(n, f.starts.data, f.ends.data, f.values.data.subarray(0, f.values.length));
    return new RangeTable(family(this.v4, 1), family(this.v6, WORDS), this.v4.values.length, this.v6.values.length);
  }
}

/** Words of an IPv6 address, most significant first. */
export const ipv6Words = (bytes: Uint8Array, into: Uint32Array = new Uint32Array(WORDS)): Uint32Array => {
  for (let k = 0; k < WORDS; k++) {
    into[k] = ((bytes[4 * k]! << 24) | (bytes[4 * k + 1]! << 16) | (bytes[4 * k + 2]! << 8) | bytes[4 * k + 3]!) >>> 0;
  }
  return into;
};

export class RangeTable {
  private readonly key4 = new Uint32Array(1);
  private readonly key6 = new Uint32Array(WORDS);

  constructor(
    private readonly v4: FamilyRanges,
    private readonly v6: FamilyRanges,
    /** Ranges as given (before overlaps were resolved). */
    readonly ipv4Ranges: number,
    readonly ipv6Ranges: number,
  ) {}

  /** The value index of the range holding an address, or -1. */
  find(address: ParsedIP): number {
    if (address.family === 4) {
      this.key4[0] = ipv4Number(address.bytes);
      return this.v4.find(this.key4);
    }
    return this.v6.find(ipv6Words(address.bytes, this.key6));
  }
}
