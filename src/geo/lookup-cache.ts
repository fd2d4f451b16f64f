// A bounded map of recent answers with O(1) get/set and no per-hit allocation: two generations of
// at most `size` entries each. When the young one fills up, it becomes the old one (the previous
// old one is dropped whole) and a hit in the old generation moves the entry back into the young
// one, so what keeps being asked for survives and the rest ages out within two generations.

export class LookupCache<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();

  constructor(private readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`cache size must be a positive integer, not ${size}`);
  }

  get(key: K): V | undefined {
    const value = this.young.get(key);
    if (value !== undefined) return value;
    const aged = this.old.get(key);
    if (aged !== undefined) this.set(key, aged);
    return aged;
  }

  set(key: K, value: V): void {
    if (this.young.size >= this.size) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }

  clear(): void {
    this.young = new Map();
    this.old = new Map();
  }

  /** Entries held (an entry promoted from the old generation may count twice). */
  get length(): number {
    return this.young.size + this.old.size;
  }
}
