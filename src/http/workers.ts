// The primary's side of `Workers` > 1: forks the worker processes that serve requests on the shared socket, keeps
// their catalogs current (store events, immediate health patches), collects their download counts and metrics,
// replaces a worker that dies, and stops them gracefully.
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/config.js';
import type { Mirror } from '../mirrors/mirror.js';
import type { DownloadCount } from '../store/store.js';
import { isMessage } from './worker-messages.js';
import type { ToPrimary, ToWorker } from './worker-messages.js';

/**
 * glibc serves allocations below a threshold from its heap, and raises that threshold each time a large block is
 * freed, so the blocks of a catalog load (hundreds of 100 KB holdings) stay in the heap after they are freed and the
 * worker keeps ~80 MB it does not use. A fixed threshold sends them to mmap, given back at free. An operator's own
 * setting wins.
 */
const MALLOC_TUNING = process.env.MALLOC_MMAP_THRESHOLD_ === undefined ? { MALLOC_MMAP_THRESHOLD_: '65536' } : {};

const PATCH_ACK_MS = 1000;
/** A worker re-reading a mirror's large listing can take a while; past this the change is reported and answered anyway. */
const SYNC_ACK_MS = 10_000;
const STOP_MS = 15_000;

const workerEntry = (): { exec: string; execArgv: string[] } => {
  // Compiled: dist/src/http/worker-main.js. Under tsx (development): the .ts file, loaded through tsx.
  const self = fileURLToPath(import.meta.url);
  return self.endsWith('.ts')
    ? { exec: self.replace(/workers\.ts$/, 'worker-main.ts'), execArgv: ['--import', 'tsx'] }
    : { exec: self.replace(/workers\.js$/, 'worker-main.js'), execArgv: [] };
};

export interface PoolOptions {
  count: number;
  config: Config;
  log: (message: string) => void;
  onDownloads: (batch: DownloadCount[]) => void;
}

export class WorkerPool {
  private readonly workers = new Set<Worker>();
  private seq = 0;
  private readonly waiting = new Map<number, { pending: Set<number>; done: () => void }>();
  private readonly metricReplies = new Map<number, { replies: unknown[]; expected: number; done: (r: unknown[]) => void }>();
  private stopping = false;
  private config: Config;
  /** The port the workers listen on (the one chosen by the system when the config says 0). */
  port = 0;

  private constructor(private readonly options: PoolOptions) {
    this.config = options.config;
  }

  static async start(options: PoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    cluster.setupPrimary({ ...workerEntry(), silent: false });
    await Promise.all(Array.from({ length: options.count }, () => pool.fork()));
    return pool;
  }

  get size(): number {
    return this.workers.size;
  }

  pids(): number[] {
    return [...this.workers].map((w) => w.process.pid ?? 0);
  }

  private fork(): Promise<void> {
    const worker = cluster.fork({ SIGNPOST_WORKER_CONFIG: JSON.stringify(this.config), ...MALLOC_TUNING });
    this.workers.add(worker);
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (raw: unknown) => {
        if (!isMessage(raw)) return;
        const message = raw as ToPrimary;
        switch (message.type) {
          case 'ready':
            ready = true;
            this.port = message.port;
            resolve();
            break;
          case 'failed':
            reject(new Error(`worker process failed to start: ${message.message}`));
            break;
          case 'downloads':
            this.options.onDownloads(message.batch);
            break;
          case 'patched':
          case 'synced':
            this.acknowledge(message.seq, worker.id);
            break;
          case 'metrics':
            this.metricsReply(message.seq, message.json);
            break;
          case 'log':
            this.options.log(message.message);
            break;
        }
      });
      worker.on('exit', (code, signal) => {
        this.workers.delete(worker);
        for (const [seq] of this.waiting) this.acknowledge(seq, worker.id);
        if (!ready) reject(new Error(`worker process exited before it was ready (${signal ?? code})`));
        else if (!this.stopping) {
          this.options.log(`worker process ${worker.process.pid} died (${signal ?? code}); starting another`);
          this.fork().catch((error: unknown) => this.options.log(`cannot replace a worker: ${(error as Error).message}`));
        }
      });
    });
  }

  private post(worker: Worker, message: ToWorker): void {
    if (worker.isConnected()) worker.send(message);
  }

  broadcast(message: ToWorker): void {
    if (message.type === 'config') this.config = message.config;
    for (const worker of this.workers) this.post(worker, message);
  }

  /** Sends a patch to every worker and resolves when all have applied it (or after a second). */
  patch(id: number, patch: Partial<Mirror>): Promise<void> {
    return this.roundTrip((seq) => ({ type: 'patch', seq, id, patch }), `health patch of mirror ${id}`, PATCH_ACK_MS);
  }

  /** Resolves when every worker has applied the store events sent so far (or after a second). */
  sync(): Promise<void> {
    return this.roundTrip((seq) => ({ type: 'sync', seq }), 'catalog sync', SYNC_ACK_MS);
  }

  private roundTrip(make: (seq: number) => ToWorker, what: string, limitMs: number): Promise<void> {
    const seq = ++this.seq;
    const pending = new Set([...this.workers].filter((w) => w.isConnected()).map((w) => w.id));
    if (pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(seq);
        this.options.log(`${what} not acknowledged by every worker within ${limitMs} ms`);
        resolve();
      }, limitMs);
      this.waiting.set(seq, {
        pending,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      });
      for (const worker of this.workers) this.post(worker, make(seq));
    });
  }

  private acknowledge(seq: number, workerId: number): void {
    const entry = this.waiting.get(seq);
    if (!entry) return;
    entry.pending.delete(workerId);
    if (entry.pending.size === 0) {
      this.waiting.delete(seq);
      entry.done();
    }
  }

  /** Every worker's metrics as prom-client JSON, for aggregation with the primary's. */
  metricsJSON(): Promise<unknown[]> {
    const seq = ++this.seq;
    const live = [...this.workers].filter((w) => w.isConnected());
    if (live.length === 0) return Promise.resolve([]);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const entry = this.metricReplies.get(seq);
        this.metricReplies.delete(seq);
        resolve(entry?.replies ?? []);
      }, 2000);
      this.metricReplies.set(seq, {
        replies: [],
        expected: live.length,
        done: (replies) => {
          clearTimeout(timer);
          resolve(replies);
        },
      });
      for (const worker of live) this.post(worker, { type: 'metrics', seq });
    });
  }

  private metricsReply(seq: number, json: unknown): void {
    const entry = this.metricReplies.get(seq);
    if (!entry) return;
    entry.replies.push(json);
    if (entry.replies.length >= entry.expected) {
      this.metricReplies.delete(seq);
      entry.done(entry.replies);
    }
  }

  /** Asks every worker to finish its answers in flight, hand over its counts and exit. */
  async stop(): Promise<void> {
    this.stopping = true;
    const exits = [...this.workers].map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          worker.once('exit', () => resolve());
          const timer = setTimeout(() => worker.process.kill('SIGKILL'), STOP_MS);
          timer.unref();
          this.post(worker, { type: 'stop' });
        }),
    );
    await Promise.all(exits);
  }
}
