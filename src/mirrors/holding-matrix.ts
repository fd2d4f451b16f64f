// Which mirror holds which file exactly as indexed, as a bit matrix with one row per file id and one column per
// mirror slot. A request reads one row: a few contiguous bytes, where a bitset per mirror would touch one cache line
// per mirror (hundreds of memory stalls per request at hundreds of mirrors). Differing copies are few and carry
// values: they live in a DiffTable beside it.

export class HoldingMatrix {
  /** Bytes per row. */
  readonly stride: number;
  /** Bit set: the mirror in that slot holds the file exactly as indexed. */
  readonly exact: Uint8Array;

  constructor(
    /** Rows: file ids 0..files-1. */
    readonly files: number,
    slots: number,
  ) {
    this.stride = Math.max(1, Math.ceil(slots / 8));
    this.exact = new Uint8Array(files * this.stride);
  }

  get slots(): number {
    return this.stride * 8;
  }

  holdsExactly(id: number, slot: number): boolean {
    return id < this.files && (this.exact[id * this.stride + (slot >>> 3)]! & (1 << (slot & 7))) !== 0;
  }

  /**
   * Replaces column `slot` with the bitset `bits` (bit `id & 7` of byte `id >> 3`; ids beyond the rows are ignored:
   * the index they belong to is not loaded yet). `empty`: the column is known to be clear already (a matrix being
   * filled), which skips a pass over every row.
   */
  setColumn(slot: number, bits: Uint8Array, empty = false): void {
    if (!empty) this.clearColumn(slot);
    const byte = slot >>> 3;
    const bit = 1 << (slot & 7);
    const limit = Math.min(bits.length, Math.ceil(this.files / 8));
    for (let i = 0; i < limit; i++) {
      const b = bits[i]!;
      if (b === 0) continue;
      for (let k = 0; k < 8; k++) {
        const id = i * 8 + k;
        if ((b & (1 << k)) !== 0 && id < this.files) this.exact[id * this.stride + byte]! |= bit;
      }
    }
  }

  clearColumn(slot: number): void {
    const byte = slot >>> 3;
    const mask = ~(1 << (slot & 7)) & 0xff;
    for (let at = byte; at < this.exact.length; at += this.stride) this.exact[at]! &= mask;
  }

  /** A copy with room for `slots` columns (same rows), keeping every bit. */
  widened(slots: number): HoldingMatrix {
    const next = new HoldingMatrix(this.files, slots);
    for (let id = 0; id < this.files; id++) next.exact.set(this.exact.subarray(id * this.stride, (id + 1) * this.stride), id * next.stride);
    return next;
  }
}
