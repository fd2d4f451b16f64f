// One measurement: wrk against a port while the serving process tree is sampled; answers checked beforehand;
// and throughput measured in short slices while a background operation (rescan, mirror ingest) runs.
import { TreeSampler, machineCpuS } from './procstat.js';
import type { ProcessUsage } from './procstat.js';
import type { RequestPair } from './clients.js';
import { httpGet } from './signpost.js';
import { runWrk } from './wrk.js';
import type { WrkResult } from './wrk.js';

export interface LoadSettings {
  connections: number;
  threads: number;
  durationS: number;
  warmupS: number;
}

export interface Measurement {
  wrk: WrkResult;
  /** The serving processes during the measured run (warm-up excluded). */
  usage: ProcessUsage;
  /**
   * Where the machine's CPU went during the run, in cores: the server, wrk, this harness, time stolen by the
   * hypervisor, and everything else (`other` or `steal` well above 0 means something outside the benchmark
   * competed for the CPU and the figures are suspect).
   */
  cpu: { machine: number; server: number; wrk: number; harness: number; steal: number; other: number };
}

/** Warms up, then runs wrk with `script` for the configured duration while sampling the tree under `pid`. */
export const measure = async (port: number, script: string, resultFile: string, pid: number, load: LoadSettings): Promise<Measurement> => {
  const base = { url: `http://127.0.0.1:${port}/`, script, resultFile, connections: load.connections, threads: load.threads };
  if (load.warmupS > 0) await runWrk({ ...base, durationS: load.warmupS });
  const sampler = new TreeSampler(pid).start();
  const machineBefore = machineCpuS();
  const harnessBefore = process.cpuUsage();
  const wallStart = performance.now();
  let wrkSampler: TreeSampler | undefined;
  const wrk = await runWrk({ ...base, durationS: load.durationS, onSpawn: (wrkPid) => (wrkSampler = new TreeSampler(wrkPid).start()) });
  const wallS = (performance.now() - wallStart) / 1000;
  const usage = sampler.stop();
  const wrkCpuS = wrkSampler?.stop().cpuS ?? 0;
  const harness = process.cpuUsage(harnessBefore);
  const cores = (s: number): number => Math.round((s / wallS) * 100) / 100;
  const machineAfter = machineCpuS();
  const machine = cores(machineAfter.busy - machineBefore.busy);
  const steal = cores(machineAfter.steal - machineBefore.steal);
  const server = cores(usage.cpuS);
  const wrkCores = cores(wrkCpuS);
  const harnessCores = cores((harness.user + harness.system) / 1e6);
  const other = Math.round((machine - server - wrkCores - harnessCores - steal) * 100) / 100;
  return { wrk, usage, cpu: { machine, server, wrk: wrkCores, harness: harnessCores, steal, other } };
};

/** Status counts of the first `count` requests of the mix, sent one by one: the load must be answered as intended. */
export const checkAnswers = async (
  port: number,
  mix: readonly RequestPair[],
  headers: Record<string, string>,
  count: number,
): Promise<Record<string, number>> => {
  const statuses: Record<string, number> = {};
  for (const pair of mix.slice(0, count)) {
    const r = await httpGet(port, pair.path, { ...headers, 'X-Forwarded-For': pair.ip });
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  }
  return statuses;
};

export interface UnderOperation<T> {
  /** What the operation returned (its summary). */
  result: T;
  operationMs: number;
  /** Throughput over the slices run while the operation was in progress. */
  requestsPerSecond: number;
  p99Ms: number;
  errors: number;
  slices: number;
  usage: ProcessUsage;
}

/**
 * Starts `operation` and, until it settles, runs wrk in slices of `sliceS` seconds; the slices that started before
 * it settled give the throughput during it (the last one may run up to `sliceS` past its end).
 */
export const throughputDuring = async <T>(
  port: number,
  script: string,
  resultFile: string,
  pid: number,
  load: LoadSettings,
  operation: () => Promise<T>,
  sliceS = 2,
): Promise<UnderOperation<T>> => {
  const sampler = new TreeSampler(pid).start();
  const started = performance.now();
  let done = false;
  let operationMs = 0;
  const running = operation().finally(() => {
    done = true;
    operationMs = Math.round(performance.now() - started);
  });
  // Settles the race below without an unhandled rejection; the real outcome is awaited at the end.
  running.catch(() => undefined);
  let requests = 0;
  let seconds = 0;
  let errors = 0;
  let p99 = 0;
  let slices = 0;
  while (!done) {
    const r = await runWrk({ url: `http://127.0.0.1:${port}/`, script, resultFile, connections: load.connections, threads: load.threads, durationS: sliceS });
    requests += r.requests;
    seconds += r.durationS;
    errors += r.errors.connect + r.errors.read + r.errors.write + r.errors.status + r.errors.timeout;
    p99 = Math.max(p99, r.latencyMs.p99);
    slices++;
  }
  const result = await running;
  return { result, operationMs, requestsPerSecond: Math.round(requests / seconds), p99Ms: p99, errors, slices, usage: sampler.stop() };
};

/** Throughput of `n` back-to-back slices of `sliceS` seconds: the idle baseline for throughputDuring. */
export const sliceBaseline = async (port: number, script: string, resultFile: string, load: LoadSettings, n = 3, sliceS = 2): Promise<number> => {
  let requests = 0;
  let seconds = 0;
  for (let i = 0; i < n; i++) {
    const r = await runWrk({ url: `http://127.0.0.1:${port}/`, script, resultFile, connections: load.connections, threads: load.threads, durationS: sliceS });
    requests += r.requests;
    seconds += r.durationS;
  }
  return Math.round(requests / seconds);
};
