// The differing copies of every mirror, by file: for each file id, the slot, size and mtime of each mirror whose last
// scan saw another version than the index's. Rows follow file ids (compressed sparse rows), so a request reads its
// file's few entries side by side, and a copy costs 18 bytes: two million differing copies of a million files take
// about 40 MB, where a bit matrix of "differs" plus per-mirror arrays took twice that.

/** What a mirror's scan saw of a file, when it is not the index's version. */
export interface DiffCopy {
  size: number;
  mtimeMs: number;
}

/** One mirror's differing copies: file ids ascending, with the values seen. */
export interface DiffColumn {
  ids: ArrayLike<number>;
  sizes: ArrayLike<number>;
  mtimes: ArrayLike<number>;
}

/** The most mirrors a table has room for (slots are 16-bit). */
export const MAX_DIFF_SLOTS = 0x10000;

export class DiffTable {
  private constructor(
    /** Entries of file `id` are at rowStart[id] .. rowStart[id + 1] - 1, in slot order. */
    readonly rowStart: Uint32Array,
    readonly slots: Uint16Array,
    readonly sizes: Float64Array,
    readonly mtimes: Float64Array,
  ) {}

  static empty(files: number): DiffTable {
    return new DiffTable(new Uint32Array(files + 1), new Uint16Array(0), new Float64Array(0), new Float64Array(0));
  }

  /**
   * A table of `files` rows from each slot's column. Ids at or beyond `files`, or refused by `keep` (files no longer
   * indexed), are left out.
   */
  static build(files: number, columns: ReadonlyMap<number, DiffColumn>, keep: (id: number) => boolean): DiffTable {
    const rowStart = new Uint32Array(files + 1);
    for (const column of columns.values()) {
      for (let i = 0; i < column.ids.length; i++) {
        const id = column.ids[i]!;
        if (id < files && keep(id)) rowStart[id + 1]!++;
      }
    }
    for (let id = 0; id < files; id++) rowStart[id + 1]! += rowStart[id]!;
    const total = rowStart[files]!;
    const table = new DiffTable(rowStart, new Uint16Array(total), new Float64Array(total), new Float64Array(total));
    const cursor = rowStart.slice(0, files);
    // Columns in slot order, so that each row comes out in slot order.
    for (const slot of [...columns.keys()].sort((a, b) => a - b)) {
      checkSlot(slot);
      const column = columns.get(slot)!;
      for (let i = 0; i < column.ids.length; i++) {
        const id = column.ids[i]!;
        if (id >= files || !keep(id)) continue;
        const at = cursor[id]!++;
        table.slots[at] = slot;
        table.sizes[at] = column.sizes[i]!;
        table.mtimes[at] = column.mtimes[i]!;
      }
    }
    return table;
  }

  get files(): number {
    return this.rowStart.length - 1;
  }

  /** Differing copies in all. */
  get size(): number {
    return this.slots.length;
  }

  /** The differing copy of file `id` seen on the mirror in `slot`, if any. */
  get(id: number, slot: number): DiffCopy | undefined {
    if (id >= this.files) return undefined;
    const end = this.rowStart[id + 1]!;
    for (let at = this.rowStart[id]!; at < end; at++) {
      if (this.slots[at] === slot) return { size: this.sizes[at]!, mtimeMs: this.mtimes[at]! };
    }
    return undefined;
  }

  /** A new table with column `slot` replaced by `column` (undefined: emptied); same rules as `build`. */
  withColumn(slot: number, column: DiffColumn | undefined, keep: (id: number) => boolean): DiffTable {
    checkSlot(slot);
    const files = this.files;
    const ids = column?.ids ?? [];
    const { rowStart, slots } = this;
    // The new entry of each row, by position in `column`, found by walking both in id order.
    const incoming = (id: number, from: number): number => {
      let j = from;
      while (j < ids.length && ids[j]! < id) j++;
      return j;
    };
    const nextStart = new Uint32Array(files + 1);
    let j = 0;
    for (let id = 0; id < files; id++) {
      let count = 0;
      for (let at = rowStart[id]!; at < rowStart[id + 1]!; at++) if (slots[at] !== slot) count++;
      j = incoming(id, j);
      if (j < ids.length && ids[j] === id && keep(id)) count++;
      nextStart[id + 1] = nextStart[id]! + count;
    }
    const total = nextStart[files]!;
    const next = new DiffTable(nextStart, new Uint16Array(total), new Float64Array(total), new Float64Array(total));
    let out = 0;
    j = 0;
    for (let id = 0; id < files; id++) {
      j = incoming(id, j);
      let pending = j < ids.length && ids[j] === id && keep(id);
      for (let at = rowStart[id]!; at < rowStart[id + 1]!; at++) {
        const s = slots[at]!;
        if (s === slot) continue;
        if (pending && s > slot) {
          next.put(out++, slot, column!.sizes[j]!, column!.mtimes[j]!);
          pending = false;
        }
        next.put(out++, s, this.sizes[at]!, this.mtimes[at]!);
      }
      if (pending) next.put(out++, slot, column!.sizes[j]!, column!.mtimes[j]!);
    }
    return next;
  }

  /** Calls `each` for every differing copy seen on the mirror in `slot`, in id order. */
  forEachIn(slot: number, each: (id: number, copy: DiffCopy) => void): void {
    for (let id = 0; id < this.files; id++) {
      const end = this.rowStart[id + 1]!;
      for (let at = this.rowStart[id]!; at < end; at++) {
        if (this.slots[at] === slot) each(id, { size: this.sizes[at]!, mtimeMs: this.mtimes[at]! });
      }
    }
  }

  /** Bytes held. */
  get byteLength(): number {
    return this.rowStart.byteLength + this.slots.byteLength + this.sizes.byteLength + this.mtimes.byteLength;
  }

  private put(at: number, slot: number, size: number, mtimeMs: number): void {
    this.slots[at] = slot;
    this.sizes[at] = size;
    this.mtimes[at] = mtimeMs;
  }
}

const checkSlot = (slot: number): void => {
  if (!(Number.isInteger(slot) && slot >= 0 && slot < MAX_DIFF_SLOTS)) throw new RangeError(`mirror slot ${slot} out of range`);
};
