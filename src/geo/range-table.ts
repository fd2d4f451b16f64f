// Inclusive address ranges → values in sorted typed arrays, binary-searched: compact enough to hold
// the 500k ranges of the bundled ASN data in a few MB, with no allocation per lookup.
import { ipv4Number } from './ip.js';
import type { ParsedIP } from './ip.js';

/** IPv6 addresses are stored as four 32-bit words, most significant first. */
const WORDS = 4;

class Growable {
  data: Uint32Array;
  length = 0;

  constructor(capacity: number) {
    this.data = new Uint32Array(Math.max(16, capacity));
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Uint32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  done(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}

/** Compares word tuples a[ai..ai+n) and b[bi..bi+n). */
const compare = (a: Uint32Array, ai: number, b: Uint32Array, bi: number, n: number): number => {
  for (let k = 0; k < n; k++) {
    const x = a[ai + k]!;
    const y = b[bi + k]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
};

/** The ranges of one address family; `n` words per address (1 for IPv4, 4 for IPv6). */
class FamilyRanges {
  readonly count: number;
  private readonly starts: Uint32Array;
  private readonly ends: Uint32Array;
  private readonly values: Uint32Array;
  /** Running maximum of the ends, only when some ranges overlap (the bundled ASN data has one). */
  private readonly maxEnds: Uint32Array | undefined;

  constructor(
    private readonly n: number,
    starts: Uint32Array,
    ends: Uint32Array,
    values: Uint32Array,
  ) {
    this.count = values.length;
    let sorted = true;
    for (let i = 1; i < this.count && sorted; i++) sorted = compare(starts, (i - 1) * n, starts, i * n, n) <= 0;
    if (!sorted) [starts, ends, values] = this.sortByStart(starts, ends, values);
    this.starts = starts;
    this.ends = ends;
    this.values = values;
    let overlapping = false;
    for (let i = 1; i < this.count && !overlapping; i++) overlapping = compare(starts, i * n, ends, (i - 1) * n, n) <= 0;
    this.maxEnds = overlapping ? this.runningMaxEnds() : undefined;
  }

  private sortByStart(starts: Uint32Array, ends: Uint32Array, values: Uint32Array): [Uint32Array, Uint32Array, Uint32Array] {
    const n = this.n;
    const order = Array.from({ length: this.count }, (_, i) => i).sort((a, b) => compare(starts, a * n, starts, b * n, n) || a - b);
    const s = new Uint32Array(starts.length);
    const e = new Uint32Array(ends.length);
    const v = new Uint32Array(values.length);
    order.forEach((from, to) => {
      s.set(starts.subarray(from * n, from * n + n), to * n);
      e.set(ends.subarray(from * n, from * n + n), to * n);
      v[to] = values[from]!;
    });
    return [s, e, v];
  }

  private runningMaxEnds(): Uint32Array {
    const n = this.n;
    const max = this.ends.slice();
    for (let i = 1; i < this.count; i++) {
      if (compare(max, (i - 1) * n, max, i * n, n) > 0) max.copyWithin(i * n, (i - 1) * n, i * n);
    }
    return max;
  }

  /** Value index of the range holding `key`; with overlaps, the containing range that starts last. */
  find(key: Uint32Array): number {
    const n = this.n;
    // Last range whose start <= key.
    let lo = 0;
    let hi = this.count - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.starts, mid * n, key, 0, n) <= 0) {
        at = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    for (let i = at; i >= 0; i--) {
      if (compare(this.ends, i * n, key, 0, n) >= 0) return this.values[i]!;
      if (this.maxEnds === undefined || compare(this.maxEnds, i * n, key, 0, n) < 0) break;
    }
    return -1;
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
export class RangeTableBuilder<V> {
  private readonly v4: Columns;
  private readonly v6: Columns;
  readonly values: V[] = [];

  /** `expected` sizes the first allocation; the arrays grow as needed. */
  constructor(expected = { v4: 1024, v6: 1024 }) {
    this.v4 = columns(expected.v4, 1);
    this.v6 = columns(expected.v6, WORDS);
  }

  /** Adds a value once; returns its index for addV4/addV6. */
  addValue(value: V): number {
    this.values.push(value);
    return this.values.length - 1;
  }

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

  build(): RangeTable<V> {
    const family = (f: Columns, n: number): FamilyRanges => new FamilyRanges(n, f.starts.done(), f.ends.done(), f.values.done());
    return new RangeTable(family(this.v4, 1), family(this.v6, WORDS), this.values);
  }
}

/** Words of an IPv6 address, most significant first. */
export const ipv6Words = (bytes: Uint8Array, into: Uint32Array = new Uint32Array(WORDS)): Uint32Array => {
  for (let k = 0; k < WORDS; k++) {
    into[k] = ((bytes[4 * k]! << 24) | (bytes[4 * k + 1]! << 16) | (bytes[4 * k + 2]! << 8) | bytes[4 * k + 3]!) >>> 0;
  }
  return into;
};

export class RangeTable<V> {
  private readonly key4 = new Uint32Array(1);
  private readonly key6 = new Uint32Array(WORDS);

  constructor(
    private readonly v4: FamilyRanges,
    private readonly v6: FamilyRanges,
    private readonly values: readonly V[],
  ) {}

  get ipv4Ranges(): number {
    return this.v4.count;
  }

  get ipv6Ranges(): number {
    return this.v6.count;
  }

  find(address: ParsedIP): V | undefined {
    let index: number;
    if (address.family === 4) {
      this.key4[0] = ipv4Number(address.bytes);
      index = this.v4.find(this.key4);
    } else {
      index = this.v6.find(ipv6Words(address.bytes, this.key6));
    }
    return index === -1 ? undefined : this.values[index];
  }
}
