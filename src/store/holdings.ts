// Mirror holdings in compact form, shared by the store backends: a bitset over file ids for exact copies and a
// short sorted list of differing ones, with the binary encoding they are stored in and the edits a change of the
// repository index makes to them.
import type { Holdings } from './store.js';

/** Bytes per differing copy in the stored form: u32 id, f64 size, f64 mtime, little-endian. */
const DIFF_BYTES = 20;

export const emptyHoldings = (): Holdings => ({
  bits: new Uint8Array(0),
  diffIds: new Uint32Array(0),
  diffSizes: new Float64Array(0),
  diffMtimes: new Float64Array(0),
});

export const hasBit = (bits: Uint8Array, id: number): boolean => ((bits[id >>> 3] ?? 0) & (1 << (id & 7))) !== 0;

/** Number of set bits. */
export const popcount = (bits: Uint8Array): number => {
  let n = 0;
  for (let i = 0; i < bits.length; i++) {
    let b = bits[i]!;
    while (b !== 0) {
      b &= b - 1;
      n++;
    }
  }
  return n;
};

/** Calls `each` with every set bit's id, ascending. */
export const forEachBit = (bits: Uint8Array, each: (id: number) => void): void => {
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    if (b === 0) continue;
    for (let k = 0; k < 8; k++) if ((b & (1 << k)) !== 0) each(i * 8 + k);
  }
};

/** A holdings set being edited: a growable bitset plus a map of differing copies. */
export class HoldingsBuilder {
  bits: Uint8Array;
  readonly diffs: Map<number, { size: number; mtimeMs: number }>;

  constructor(from: Holdings = emptyHoldings(), capacityIds = 0) {
    this.bits = new Uint8Array(Math.max(from.bits.length, (capacityIds + 7) >>> 3));
    this.bits.set(from.bits);
    this.diffs = new Map();
    for (let i = 0; i < from.diffIds.length; i++) this.diffs.set(from.diffIds[i]!, { size: from.diffSizes[i]!, mtimeMs: from.diffMtimes[i]! });
  }

  has(id: number): boolean {
    return hasBit(this.bits, id);
  }

  setExact(id: number): void {
    const byte = id >>> 3;
    if (byte >= this.bits.length) {
      const bigger = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
      bigger.set(this.bits);
      this.bits = bigger;
    }
    this.bits[byte]! |= 1 << (id & 7);
    this.diffs.delete(id);
  }

  setDiffering(id: number, size: number, mtimeMs: number): void {
    this.clearBit(id);
    this.diffs.set(id, { size, mtimeMs });
  }

  drop(id: number): void {
    this.clearBit(id);
    this.diffs.delete(id);
  }

  private clearBit(id: number): void {
    const byte = id >>> 3;
    if (byte < this.bits.length) this.bits[byte]! &= ~(1 << (id & 7));
  }

  /** Trailing zero bytes are cut, so equal sets encode alike whatever the capacity. */
  build(): Holdings {
    let end = this.bits.length;
    while (end > 0 && this.bits[end - 1] === 0) end--;
    const ids = [...this.diffs.keys()].sort((a, b) => a - b);
    const out: Holdings = {
      bits: this.bits.slice(0, end),
      diffIds: new Uint32Array(ids),
      diffSizes: new Float64Array(ids.length),
      diffMtimes: new Float64Array(ids.length),
    };
    ids.forEach((id, i) => {
      const copy = this.diffs.get(id)!;
      out.diffSizes[i] = copy.size;
      out.diffMtimes[i] = copy.mtimeMs;
    });
    return out;
  }
}

/** Copies held (exact plus differing). */
export const heldCount = (h: Holdings): number => popcount(h.bits) + h.diffIds.length;

export const encodeDiffs = (h: Holdings): Buffer => {
  const out = Buffer.alloc(h.diffIds.length * DIFF_BYTES);
  for (let i = 0; i < h.diffIds.length; i++) {
    const at = i * DIFF_BYTES;
    out.writeUInt32LE(h.diffIds[i]!, at);
    out.writeDoubleLE(h.diffSizes[i]!, at + 4);
    out.writeDoubleLE(h.diffMtimes[i]!, at + 12);
  }
  return out;
};

/** Decodes stored holdings; throws on a diff blob whose length is not a whole number of entries. */
export const decodeHoldings = (bits: Uint8Array, diffs: Uint8Array): Holdings => {
  if (diffs.length % DIFF_BYTES !== 0) throw new Error(`differing copies: ${diffs.length} bytes is not a multiple of ${DIFF_BYTES}`);
  const n = diffs.length / DIFF_BYTES;
  const view = Buffer.from(diffs.buffer, diffs.byteOffset, diffs.length);
  const h: Holdings = {
    bits: new Uint8Array(bits),
    diffIds: new Uint32Array(n),
    diffSizes: new Float64Array(n),
    diffMtimes: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const at = i * DIFF_BYTES;
    h.diffIds[i] = view.readUInt32LE(at);
    h.diffSizes[i] = view.readDoubleLE(at + 4);
    h.diffMtimes[i] = view.readDoubleLE(at + 12);
  }
  return h;
};

export const sameHoldings = (a: Holdings, b: Holdings): boolean => {
  const la = trimmedLength(a.bits);
  if (la !== trimmedLength(b.bits) || a.diffIds.length !== b.diffIds.length) return false;
  for (let i = 0; i < la; i++) if (a.bits[i] !== b.bits[i]) return false;
  for (let i = 0; i < a.diffIds.length; i++) {
    if (a.diffIds[i] !== b.diffIds[i] || !Object.is(a.diffSizes[i], b.diffSizes[i]) || !Object.is(a.diffMtimes[i], b.diffMtimes[i])) return false;
  }
  return true;
};

const trimmedLength = (bits: Uint8Array): number => {
  let end = bits.length;
  while (end > 0 && bits[end - 1] === 0) end--;
  return end;
};

/** A change of one indexed file, as `replaceFiles` saw it. */
export type IndexChange = { id: number; removed: true } | { id: number; removed: false; old: { size: number; mtimeMs: number }; now: { size: number; mtimeMs: number } };

/**
 * Follows index changes: a removed file leaves the mirror; an exact copy of a changed file keeps the old values
 * and so differs; a differing copy equal to the new values becomes exact. Returns undefined when nothing changed.
 */
export const followIndexChanges = (h: Holdings, changes: readonly IndexChange[]): Holdings | undefined => {
  const edit = new HoldingsBuilder(h);
  let touched = false;
  for (const change of changes) {
    const exact = edit.has(change.id);
    const diff = edit.diffs.get(change.id);
    if (!exact && diff === undefined) continue;
    touched = true;
    if (change.removed) edit.drop(change.id);
    else if (exact) edit.setDiffering(change.id, change.old.size, change.old.mtimeMs);
    else if (diff!.size === change.now.size && diff!.mtimeMs === change.now.mtimeMs) edit.setExact(change.id);
  }
  return touched ? edit.build() : undefined;
};

const diffMap = (h: Holdings): Map<number, number> => {
  const m = new Map<number, number>();
  for (let i = 0; i < h.diffIds.length; i++) m.set(h.diffIds[i]!, i);
  return m;
};

/** What replacing `before` with `after` did, counted per file id (exact ↔ differing, or new values, is a change). */
export const compareHoldings = (before: Holdings, after: Holdings): { total: number; added: number; changed: number; removed: number } => {
  const da = diffMap(before);
  const db = diffMap(after);
  const counts = { total: heldCount(after), added: 0, changed: 0, removed: 0 };
  const visit = (id: number): void => {
    const ea = hasBit(before.bits, id);
    const eb = hasBit(after.bits, id);
    const ia = da.get(id);
    const ib = db.get(id);
    const inA = ea || ia !== undefined;
    const inB = eb || ib !== undefined;
    if (!inA && inB) counts.added++;
    else if (inA && !inB) counts.removed++;
    else if (inA && inB) {
      const same =
        ea === eb &&
        (ea || (Object.is(before.diffSizes[ia!], after.diffSizes[ib!]) && Object.is(before.diffMtimes[ia!], after.diffMtimes[ib!])));
      if (!same) counts.changed++;
    }
  };
  const length = Math.max(before.bits.length, after.bits.length);
  for (let i = 0; i < length; i++) {
    const union = (before.bits[i] ?? 0) | (after.bits[i] ?? 0);
    if (union === 0) continue;
    for (let k = 0; k < 8; k++) if ((union & (1 << k)) !== 0) visit(i * 8 + k);
  }
  for (const id of new Set([...da.keys(), ...db.keys()])) if (!hasBit(before.bits, id) && !hasBit(after.bits, id)) visit(id);
  return counts;
};
