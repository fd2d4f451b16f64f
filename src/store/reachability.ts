// Whether the store answers, watched in the background: /readyz, logs and metrics say so during an outage while the
// request path keeps serving from the catalog in memory (it never waits on the store).
import type { Store } from './store.js';

export interface ReachabilityOptions {
  /** Between pings. Default 2000. */
  intervalMs?: number;
  /** A ping not answered in this long counts as a failure. Default 2000. */
  timeoutMs?: number;
  log: (message: string) => void;
  now?: () => number;
}

export class StoreReachability {
  #reachable = true;
  #since: number;
  #lastError = '';
  #timer: NodeJS.Timeout | undefined;
  #pinging = false;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  /** Called with each change (true: reachable again). */
  readonly #listeners: ((reachable: boolean) => void)[] = [];

  constructor(
    private readonly store: Pick<Store, 'ping' | 'backend'>,
    private readonly options: ReachabilityOptions,
  ) {
    this.#intervalMs = options.intervalMs ?? 2000;
    this.#timeoutMs = options.timeoutMs ?? 2000;
    this.#now = options.now ?? Date.now;
    this.#since = this.#now();
  }

  get reachable(): boolean {
    return this.#reachable;
  }

  /** When the current state began (Unix ms). */
  get since(): number {
    return this.#since;
  }

  /** Why the last ping failed, while unreachable; '' otherwise. */
  get lastError(): string {
    return this.#reachable ? '' : this.#lastError;
  }

  onChange(listener: (reachable: boolean) => void): void {
    this.#listeners.push(listener);
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.check(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Pings once (skipped while a ping is under way) and records the outcome. */
  async check(): Promise<boolean> {
    if (this.#pinging) return this.#reachable;
    this.#pinging = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.store.ping(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer in ${this.#timeoutMs} ms`)), this.#timeoutMs);
        }),
      ]);
      this.#set(true, '');
    } catch (error) {
      this.#set(false, error instanceof Error ? error.message : String(error));
    } finally {
      clearTimeout(timer);
      this.#pinging = false;
    }
    return this.#reachable;
  }

  #set(reachable: boolean, error: string): void {
    this.#lastError = error || this.#lastError;
    if (reachable === this.#reachable) return;
    const now = this.#now();
    const lasted = Math.round((now - this.#since) / 1000);
    this.#reachable = reachable;
    this.#since = now;
    this.options.log(
      reachable
        ? `store (${this.store.backend}) reachable again after ${lasted} s; pending counters follow at the next flush`
        : `store (${this.store.backend}) unreachable: ${error}; still serving from memory, counting downloads in memory`,
    );
    for (const listener of this.#listeners) listener(reachable);
  }
}
