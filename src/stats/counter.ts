// Download counts kept in memory on the request path, per UTC day, file and mirror, until the flusher takes them.
import type { DownloadCount } from '../store/store.js';
import { DAY_MS, utcDay } from './day.js';

interface Cell {
  count: number;
  bytes: number;
}

/** day → path → mirror id → counts: nested so that counting an already-seen download allocates nothing. */
type Pending = Map<string, Map<string, Map<number, Cell>>>;

export class DownloadCounter {
  #pending: Pending = new Map();
  #lines = 0;
  #oldest: number | undefined;
  // The day of the last count and the span of time it covers, so that most counts skip formatting a date.
  #day = '';
  #dayStart = 0;
  #dayEnd = 0;

  /** Number of lines (distinct day, path and mirror) waiting to be flushed. */
  get pending(): number {
    return this.#lines;
  }

  /** When the oldest count not yet drained was made (Unix ms), or undefined when nothing waits. */
  get oldestPending(): number | undefined {
    return this.#oldest;
  }

  /**
   * Counts one download of `path` from mirror `mirrorId` (0 for a fallback) of `bytes` bytes at time `now`.
   * A size that is not a finite non-negative number counts as 0 bytes; a bad path or mirror id is a caller's bug.
   */
  count(path: string, mirrorId: number, bytes: number, now = Date.now()): void {
    if (typeof path !== 'string' || path === '') throw new TypeError(`cannot count a download of the path ${JSON.stringify(path)}`);
    if (!Number.isSafeInteger(mirrorId) || mirrorId < 0) throw new TypeError(`cannot count a download from mirror id ${mirrorId}`);
    const size = Number.isFinite(bytes) && bytes > 0 ? Math.floor(bytes) : 0;
    const time = Number.isFinite(now) ? now : Date.now();
    if (time < this.#dayStart || time >= this.#dayEnd) {
      this.#day = utcDay(time);
      this.#dayStart = Math.floor(time / DAY_MS) * DAY_MS;
      this.#dayEnd = this.#dayStart + DAY_MS;
    }
    this.#add(this.#day, path, mirrorId, 1, size);
    if (this.#oldest === undefined || time < this.#oldest) this.#oldest = time;
  }

  /** Takes everything pending, leaving the counter empty. */
  drain(): DownloadCount[] {
    const batch: DownloadCount[] = [];
    for (const [day, paths] of this.#pending) {
      for (const [path, mirrors] of paths) {
        for (const [mirrorId, { count, bytes }] of mirrors) batch.push({ day, path, mirrorId, count, bytes });
      }
    }
    this.#pending = new Map();
    this.#lines = 0;
    this.#oldest = undefined;
    return batch;
  }

  /**
   * Puts back a drained batch that could not be stored, adding it to what was counted since, so that the next
   * flush carries both. `since` is when its oldest count was made, for the flush lag.
   */
  restore(batch: readonly DownloadCount[], since?: number): void {
    for (const { day, path, mirrorId, count, bytes } of batch) this.#add(day, path, mirrorId, count, bytes);
    if (batch.length > 0) {
      const oldest = since ?? Date.now();
      if (this.#oldest === undefined || oldest < this.#oldest) this.#oldest = oldest;
    }
  }

  #add(day: string, path: string, mirrorId: number, count: number, bytes: number): void {
    let paths = this.#pending.get(day);
    if (paths === undefined) {
      paths = new Map();
      this.#pending.set(day, paths);
    }
    let mirrors = paths.get(path);
    if (mirrors === undefined) {
      mirrors = new Map();
      paths.set(path, mirrors);
    }
    const cell = mirrors.get(mirrorId);
    if (cell === undefined) {
      mirrors.set(mirrorId, { count, bytes });
      this.#lines++;
    } else {
      cell.count += count;
      cell.bytes += bytes;
    }
  }
}
