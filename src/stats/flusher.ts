// Moves the in-memory download counts to the store every interval in one batch, keeping them through store
// outages (put back, retried, logged once), and prunes daily counters older than the retention once a day.
import type { Store } from '../store/store.js';
import type { DownloadCounter } from './counter.js';
import { DAY_MS, utcDay } from './day.js';

export interface StatsFlusherOptions {
  /** Default 1000. */
  intervalMs?: number;
  /** Daily counters of days more than this many days before today are deleted; 0 keeps them forever. */
  retentionDays: number;
  log: (message: string) => void;
  /** The clock, for tests; default Date.now. */
  now?: () => number;
}

/** After a failed prune, the next try; a store that cannot prune is likely failing flushes too, and those are logged. */
const PRUNE_RETRY_MS = 3_600_000;

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class StatsFlusher {
  readonly #counter: DownloadCounter;
  readonly #store: Pick<Store, 'addDownloads' | 'pruneDailyDownloads'>;
  readonly #intervalMs: number;
  readonly #retentionDays: number;
  readonly #log: (message: string) => void;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  /** The end of the chain of flushes and prunes: each starts when the previous one has finished. */
  #tail: Promise<void> = Promise.resolve();
  #queued = 0;
  /** When the oldest count of the batch being written was made, while a write is under way. */
  #inflightSince: number | undefined;
  #failingSince: number | undefined;
  #nextPrune = 0;
  #lastFlush = 0;
  #lastError: string | undefined;

  constructor(counter: DownloadCounter, store: Pick<Store, 'addDownloads' | 'pruneDailyDownloads'>, options: StatsFlusherOptions) {
    this.#counter = counter;
    this.#store = store;
    this.#intervalMs = Math.max(1, options.intervalMs ?? 1000);
    this.#retentionDays = Math.max(0, Math.floor(options.retentionDays));
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
  }

  /** When the last flush succeeded (Unix ms; a flush with nothing to write counts), 0 before the first. */
  get lastFlush(): number {
    return this.#lastFlush;
  }

  /** Why the store refuses the counts, while it does; undefined once a flush has succeeded again. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Flushes every interval, and prunes now and then once a day. Idempotent. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#tick(), this.#intervalMs);
    // The daemon's servers keep the process alive; this timer alone must not.
    this.#timer.unref();
    this.#tick();
  }

  /** Stops the timer and makes a last flush, after any under way; rejects if the store refuses it (the counts stay pending). */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  /**
   * Writes everything counted so far in one batch, after any flush under way. On failure the batch goes back to
   * the counter (to be retried with what is counted meanwhile) and the promise rejects.
   */
  flush(): Promise<void> {
    return this.#enqueue(() => this.#flushOnce());
  }

  /** Age of the oldest count not yet stored (pending or being written), 0 when there is none. */
  flushLagMs(): number {
    const pending = this.#counter.oldestPending;
    const inflight = this.#inflightSince;
    const oldest = pending === undefined ? inflight : inflight === undefined ? pending : Math.min(pending, inflight);
    return oldest === undefined ? 0 : Math.max(0, this.#now() - oldest);
  }

  #enqueue(work: () => Promise<void>): Promise<void> {
    this.#queued++;
    const run = this.#tail.then(work).finally(() => this.#queued--);
    this.#tail = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  /** A tick skips its turn while an earlier flush is still running: a slow store gets one batch at a time. */
  #tick(): void {
    if (this.#queued > 0) return;
    void this.#enqueue(async () => {
      await this.#flushOnce().catch(() => {}); // logged by #flushOnce
      await this.#pruneIfDue();
    });
  }

  async #flushOnce(): Promise<void> {
    const since = this.#counter.oldestPending;
    const batch = this.#counter.drain();
    if (batch.length === 0) {
      if (this.#failingSince === undefined) this.#lastFlush = this.#now();
      return;
    }
    this.#inflightSince = since;
    try {
      await this.#store.addDownloads(batch);
    } catch (err) {
      this.#counter.restore(batch, since);
      this.#lastError = messageOf(err);
      if (this.#failingSince === undefined) {
        this.#failingSince = this.#now();
        this.#log(
          `statistics: cannot store download counts, keeping them in memory and retrying every ${this.#intervalMs} ms: ${this.#lastError}`,
        );
      }
      throw err;
    } finally {
      this.#inflightSince = undefined;
    }
    const now = this.#now();
    if (this.#failingSince !== undefined) {
      const seconds = Math.round((now - this.#failingSince) / 1000);
      this.#log(`statistics: download counts stored again after ${seconds} s of failures (${batch.length} lines)`);
    }
    this.#failingSince = undefined;
    this.#lastError = undefined;
    this.#lastFlush = now;
  }

  async #pruneIfDue(): Promise<void> {
    if (this.#retentionDays === 0) return;
    const now = this.#now();
    if (now < this.#nextPrune) return;
    const before = utcDay(now - this.#retentionDays * DAY_MS);
    try {
      const deleted = await this.#store.pruneDailyDownloads(before);
      this.#nextPrune = now + DAY_MS;
      if (deleted > 0) this.#log(`statistics: deleted ${deleted} daily counters of days before ${before} (retention ${this.#retentionDays} days)`);
    } catch (err) {
      this.#nextPrune = now + PRUNE_RETRY_MS;
      this.#log(`statistics: cannot delete daily counters of days before ${before}, trying again in an hour: ${messageOf(err)}`);
    }
  }
}
