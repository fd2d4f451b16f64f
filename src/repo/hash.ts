// A pool of worker threads that hash repository files, so a large rescan never blocks the event loop.
// Each worker reads a file once and feeds every requested algorithm from the same stream.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { HashName } from './file.js';

export type HashDigests = Record<HashName, string>;

/** Sent to a worker. */
export interface HashRequest {
  id: number;
  path: string;
  algos: HashName[];
}

/** Sent back by a worker: lower-case hex digests of the requested algorithms, or why the file could not be read. */
export type HashReply =
  | { id: number; ok: true; digests: Partial<HashDigests> }
  | { id: number; ok: false; error: string };

/** A file could not be hashed; `path` is the file as it was given to the pool. */
export class HashError extends Error {
  override name = 'HashError';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`cannot hash ${path}: ${reason}`);
  }
}

export const hashNames: readonly HashName[] = ['sha1', 'sha256', 'md5'];

export const defaultPoolSize = (): number => Math.min(4, availableParallelism());

/** A second job queued in each worker spares it a round trip to the main thread between small files; more would strand jobs behind a big one. */
const jobsPerWorker = 2;

interface Job {
  request: HashRequest;
  resolve: (digests: HashDigests) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Jobs sent to the worker and not answered yet, by request id. */
  jobs: Map<number, Job>;
  /** The worker's uncaught error, reported to its jobs when it exits. */
  crash: Error | undefined;
}

/** The process's Node options, less `--input-type`, which a worker started from a file refuses to run with. */
const workerExecArgv = (): string[] =>
  process.execArgv.filter(
    (arg, i, all) => !arg.startsWith('--input-type') && !(all[i - 1] === '--input-type' && !arg.startsWith('-')),
  );

/**
 * Compiled (`dist/**.js`) the worker is the sibling JavaScript file. Under tsx (development and
 * `node --import tsx --test`) it is the TypeScript source: on Node 20 a worker started with
 * `execArgv: ['--import', 'tsx']` still cannot load `.ts`, so a small bootstrap loads it through
 * tsx's own API instead.
 */
const startWorker = (): Worker => {
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./hash-worker.js', import.meta.url), { execArgv: workerExecArgv() });
  }
  const source = new URL('./hash-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => tsx.tsImport(${JSON.stringify(source)}, ${JSON.stringify(import.meta.url)}));`;
  return new Worker(bootstrap, { eval: true });
};

const emptyDigests = (): HashDigests => ({ sha1: '', sha256: '', md5: '' });

export class HashPool {
  readonly size: number;
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  #nextId = 1;
  #closed = false;

  constructor(size: number = defaultPoolSize()) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`hash pool size must be a positive integer, got ${size}`);
    this.size = size;
  }

  /** Digests of the requested algorithms; the others are ''. Rejects with a HashError naming the file when it cannot be read. */
  hash(path: string, algos: readonly HashName[]): Promise<HashDigests> {
    if (this.#closed) return Promise.reject(new Error('hash pool is closed'));
    const wanted = hashNames.filter((name) => algos.includes(name));
    if (wanted.length === 0) return Promise.resolve(emptyDigests());
    return new Promise<HashDigests>((resolve, reject) => {
      this.#queue.push({ request: { id: this.#nextId++, path, algos: wanted }, resolve, reject });
      this.#dispatch();
    });
  }

  /** Stops the workers; jobs not finished yet are rejected. */
  async close(): Promise<void> {
    this.#closed = true;
    const closed = new Error('hash pool is closed');
    for (const job of this.#queue.splice(0)) job.reject(closed);
    const slots = this.#slots.splice(0);
    for (const slot of slots) {
      for (const job of slot.jobs.values()) job.reject(closed);
      slot.jobs.clear();
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      // Spread work over every worker before stacking jobs on one.
      let slot = this.#slots.find((candidate) => candidate.jobs.size === 0);
      if (slot === undefined && this.#slots.length < this.size) slot = this.#spawn();
      slot ??= this.#slots.find((candidate) => candidate.jobs.size < jobsPerWorker);
      if (slot === undefined) return;
      const job = this.#queue.shift() as Job;
      // Only a busy worker may keep the process alive: an idle pool someone forgot to close must not.
      if (slot.jobs.size === 0) slot.worker.ref();
      slot.jobs.set(job.request.id, job);
      slot.worker.postMessage(job.request);
    }
  }

  #spawn(): Slot {
    const slot: Slot = { worker: startWorker(), jobs: new Map(), crash: undefined };
    slot.worker.on('message', (reply: HashReply) => {
      const job = slot.jobs.get(reply.id);
      if (job === undefined) return;
      slot.jobs.delete(reply.id);
      if (slot.jobs.size === 0) slot.worker.unref();
      if (reply.ok) job.resolve({ ...emptyDigests(), ...reply.digests });
      else job.reject(new HashError(job.request.path, reply.error));
      this.#dispatch();
    });
    slot.worker.on('error', (error) => {
      slot.crash = error;
    });
    slot.worker.on('exit', (code) => {
      const index = this.#slots.indexOf(slot);
      if (index === -1) return; // closed on purpose
      this.#slots.splice(index, 1);
      const reason = `hash worker stopped (${slot.crash?.message ?? `exit code ${code}`})`;
      for (const job of slot.jobs.values()) job.reject(new HashError(job.request.path, reason));
      slot.jobs.clear();
      // A replacement is started on demand.
      this.#dispatch();
    });
    this.#slots.push(slot);
    return slot;
  }
}
