// A scan's listing as copies of indexed files by id, in growable typed arrays: a million-entry listing takes 20 MB
// instead of a million objects (and their paths) held until the store has merged them. Paths the index does not have
// are counted and dropped as they come.
import type { MirrorFile } from '../mirrors/mirror.js';
import type { MirrorCopies } from '../store/store.js';

export class CopyList implements MirrorCopies {
  length = 0;
  /** Files listed, known to the index or not. */
  listed = 0;
  ids = new Uint32Array(1024);
  sizes = new Float64Array(1024);
  mtimes = new Float64Array(1024);

  constructor(private readonly idOf: (path: string) => number | undefined) {}

  /** A listed file: kept when the index has its path. */
  add(file: MirrorFile): void {
    this.listed++;
    const id = this.idOf(file.path);
    if (id !== undefined) this.push(id, file.size, file.mtimeMs);
  }

  push(id: number, size: number, mtimeMs: number): void {
    if (this.length === this.ids.length) this.grow();
    this.ids[this.length] = id;
    this.sizes[this.length] = size;
    this.mtimes[this.length] = mtimeMs;
    this.length++;
  }

  private grow(): void {
    const capacity = this.ids.length * 2;
    const ids = new Uint32Array(capacity);
    const sizes = new Float64Array(capacity);
    const mtimes = new Float64Array(capacity);
    ids.set(this.ids);
    sizes.set(this.sizes);
    mtimes.set(this.mtimes);
    this.ids = ids;
    this.sizes = sizes;
    this.mtimes = mtimes;
  }
}

/** `n` distinct positions below `length` (all of them when fewer), drawn at random without copying anything. */
export const samplePositions = (length: number, n: number, random: () => number = Math.random): number[] => {
  if (length <= n) return Array.from({ length }, (_, i) => i);
  // A partial Fisher–Yates shuffle of 0..length-1 that records only the positions it swapped.
  const swapped = new Map<number, number>();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (length - i));
    const at = swapped.get(j) ?? j;
    swapped.set(j, swapped.get(i) ?? i);
    out.push(at);
  }
  return out;
};
