// Range requests of one client for one file count as one download while they keep coming within SameDownloadInterval.
// Memory stays bounded: one hashed key and a time per client and file, swept as they expire, capped in number.

export interface RangeDedupOptions {
  /** Most (client, file) pairs remembered; beyond it the least recently seen are forgotten. Default 1,000,000. */
  maxEntries?: number;
  /**
   * true (the default, as Mirrorbits): every range request restarts the window, so a download fetched in pieces
   * with pauses shorter than the window counts once however long it takes. false: the window starts at the count.
   */
  slide?: boolean;
}

/** How often at most expired entries are swept, so that a burst of requests sweeps once. */
const SWEEP_EVERY_MS = 1000;

/** 1 << 21 and 1 << 32 as multipliers: the two hashes make one 53-bit number, exact as a JavaScript number. */
const HIGH = 2 ** 21;

/**
 * Two independent 32-bit hashes (FNV-1a, and a multiply-rotate one) of ip, user agent and path joined by NUL,
 * combined into a 53-bit key: about 16 bytes per entry instead of the strings, and a collision among a million
 * entries has odds below 1 in 10,000 (and would only leave one range download uncounted).
 */
const hashKey = (ip: string, userAgent: string, path: string): number => {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  const feed = (text: string): void => {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    a = Math.imul(a, 0x01000193); // the NUL separator, so "ab"+"c" and "a"+"bc" differ
    b = Math.imul(b ^ 0xff, 0x5bd1e995);
  };
  feed(ip);
  feed(userAgent);
  feed(path);
  return (a >>> 0) * HIGH + (b >>> 11);
};

export class RangeDedup {
  readonly #windowMs: number;
  readonly #maxEntries: number;
  readonly #slide: boolean;
  /** key → when the window of that client and file started; in that order, oldest first. */
  readonly #seen = new Map<number, number>();
  #nextSweep = 0;

  constructor(windowMs: number, options: RangeDedupOptions = {}) {
    this.#windowMs = Number.isFinite(windowMs) && windowMs > 0 ? windowMs : 0;
    this.#maxEntries = Math.max(1, Math.floor(options.maxEntries ?? 1_000_000));
    this.#slide = options.slide ?? true;
  }

  /** Number of (client, file) pairs remembered. */
  get size(): number {
    return this.#seen.size;
  }

  /**
   * True when this client (address and user agent) has no open window for `path`, which opens one; false
   * otherwise. A window lasts windowMs: a request exactly windowMs after it opened counts again. Window 0: always true.
   */
  firstInWindow(ip: string, userAgent: string, path: string, now = Date.now()): boolean {
    if (this.#windowMs === 0) return true;
    if (now >= this.#nextSweep) this.#sweep(now);
    const key = hashKey(ip, userAgent, path);
    const since = this.#seen.get(key);
    const open = since !== undefined && now - since < this.#windowMs;
    if (open && !this.#slide) return false;
    // Deleted first so that the re-inserted entry moves to the end and the Map stays ordered by time.
    if (since !== undefined) this.#seen.delete(key);
    this.#seen.set(key, now);
    if (this.#seen.size > this.#maxEntries) this.#evictOldest();
    return !open;
  }

  /** Drops the expired entries at the head; O(expired), as the Map is in time order. */
  #sweep(now: number): void {
    this.#nextSweep = now + Math.min(SWEEP_EVERY_MS, this.#windowMs);
    for (const [key, since] of this.#seen) {
      if (now - since < this.#windowMs) break;
      this.#seen.delete(key);
    }
  }

  #evictOldest(): void {
    const oldest = this.#seen.keys().next();
    if (oldest.done !== true) this.#seen.delete(oldest.value);
  }
}
