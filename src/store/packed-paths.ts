// Many paths in one UTF-8 buffer, for handing a million-file index from the store to the catalog: no string per path
// is held (a million strings would sit in the old generation, ~90 MB, until a major GC that an idle process may
// never run). Strings are made on demand and die young.

export class PackedPaths {
  private bytes: Buffer;
  /** Path i ends at ends[i] and starts where path i - 1 ends (0 for the first). */
  private ends: Uint32Array;
  length = 0;
  private used = 0;

  constructor(capacityPaths = 16, capacityBytes = capacityPaths * 64) {
    this.bytes = Buffer.allocUnsafe(Math.max(16, capacityBytes));
    this.ends = new Uint32Array(Math.max(1, capacityPaths));
  }

  static from(paths: Iterable<string>): PackedPaths {
    const packed = new PackedPaths();
    for (const path of paths) packed.push(path);
    return packed;
  }

  push(path: string): void {
    const room = this.bytes.length - this.used;
    // At most 3 bytes per UTF-16 unit; measured exactly only when that bound does not fit.
    const needed = path.length * 3 <= room ? 0 : Buffer.byteLength(path);
    if (needed > room) this.growBytes(this.used + needed);
    if (this.length === this.ends.length) {
      const ends = new Uint32Array(this.ends.length * 2);
      ends.set(this.ends);
      this.ends = ends;
    }
    this.used += this.bytes.write(path, this.used, 'utf8');
    this.ends[this.length++] = this.used;
  }

  /** Path `i` (a new string), undefined beyond the end. */
  at(i: number): string | undefined {
    if (!(i >= 0 && i < this.length)) return undefined;
    return this.bytes.toString('utf8', i === 0 ? 0 : this.ends[i - 1]!, this.ends[i]!);
  }

  /** The paths as strings (tests and tools; a catalog reads them one at a time). */
  toArray(): string[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i)!);
  }

  /** Bytes held. */
  get byteLength(): number {
    return this.bytes.length + this.ends.byteLength;
  }

  private growBytes(atLeast: number): void {
    const bytes = Buffer.allocUnsafe(Math.max(atLeast, this.bytes.length * 2));
    this.bytes.copy(bytes, 0, 0, this.used);
    this.bytes = bytes;
  }
}
