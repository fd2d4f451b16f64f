// `npm run bench`: generates the datasets, measures the bare-302 ceiling and the daemon (redirects, JSON, and with
// --large the 1M-file case, a rescan and a mirror ingest under load), prints a table and writes results JSON.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startBare302 } from './bare302.js';
import { mixSummary, requestMix, sampleClients } from './clients.js';
import type { Client, RequestPair } from './clients.js';
import { existingDataset, generateDataset, prepareMirrors, readPaths } from './dataset.js';
import type { Dataset } from './dataset.js';
import { checkAnswers, measure, sliceBaseline, throughputDuring } from './measure.js';
import type { LoadSettings, Measurement, UnderOperation } from './measure.js';
import { signalNodeProcesses, TreeSampler, treeRssMiB } from './procstat.js';
import type { ProcessUsage } from './procstat.js';
import { formatProfile, summarizeProfiles } from './profile-top.js';
import type { ProfileSummary } from './profile-top.js';
import { adminCall, freePort, projectRoot, startDaemon, startMirrorStub, startRsyncDaemon, writeConfig } from './signpost.js';
import type { RunningDaemon } from './signpost.js';
import { findWrk, writeWrkScript } from './wrk.js';

const USAGE = `usage: npm run bench -- [options]
  --duration S        seconds of each measured run (default 10)
  --warmup S          seconds of warm-up before each measured run (default 3)
  --workers N         daemon Workers and bare-302 processes (default: cores)
  --connections N     wrk connections (default 64)    --threads N   wrk threads (default 2)
  --pairs N           distinct (client, file) pairs in the mix (default 5000)
  --files N --mirrors N               the base dataset (default 10000 × 40)
  --large             also the large dataset (default 1000000 × 300; slow: generation, start, rescan, ingest)
  --large-files N --large-mirrors N   its shape
  --skip-small        measure only the large dataset (with --large; the profile is then of it)
  --no-profile        skip the CPU-profiled run of the daemon
  --data DIR          where datasets are generated and kept (default $TMPDIR/signpost-bench)
  --fresh             regenerate datasets even when a matching one is kept
  --ready-timeout S   how long the daemon may take to become ready (default 1800)
  --out FILE          results JSON (default bench/results/latest.json)`;

interface Options {
  durationS: number;
  warmupS: number;
  workers: number;
  connections: number;
  threads: number;
  pairs: number;
  files: number;
  mirrors: number;
  large: boolean;
  largeFiles: number;
  largeMirrors: number;
  skipSmall: boolean;
  profile: boolean;
  data: string;
  fresh: boolean;
  readyTimeoutS: number;
  out: string;
}

const parseOptions = (argv: string[]): Options => {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      workers: { type: 'string' },
      connections: { type: 'string' },
      threads: { type: 'string' },
      pairs: { type: 'string' },
      files: { type: 'string' },
      mirrors: { type: 'string' },
      large: { type: 'boolean' },
      'large-files': { type: 'string' },
      'large-mirrors': { type: 'string' },
      'skip-small': { type: 'boolean' },
      'no-profile': { type: 'boolean' },
      data: { type: 'string' },
      fresh: { type: 'boolean' },
      'ready-timeout': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: string, value: string | undefined, fallback: number, min: number): number => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name}: expected an integer ≥ ${min}, got "${value}"`);
    return n;
  };
  return {
    durationS: int('duration', values.duration, 10, 1),
    warmupS: int('warmup', values.warmup, 3, 0),
    workers: int('workers', values.workers, availableParallelism(), 1),
    connections: int('connections', values.connections, 64, 1),
    threads: int('threads', values.threads, 2, 1),
    pairs: int('pairs', values.pairs, 5000, 1),
    files: int('files', values.files, 10_000, 1),
    mirrors: int('mirrors', values.mirrors, 40, 1),
    large: values.large === true,
    largeFiles: int('large-files', values['large-files'], 1_000_000, 1),
    largeMirrors: int('large-mirrors', values['large-mirrors'], 300, 1),
    skipSmall: values['skip-small'] === true,
    profile: values['no-profile'] !== true,
    data: values.data ?? join(tmpdir(), 'signpost-bench'),
    fresh: values.fresh === true,
    readyTimeoutS: int('ready-timeout', values['ready-timeout'], 1800, 1),
    out: values.out ?? join(projectRoot, 'bench', 'results', 'latest.json'),
  };
};

class UsageError extends Error {}

const log = (message: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

const shape = (files: number, mirrors: number): string => `${files >= 1_000_000 ? `${files / 1_000_000}M` : files >= 1000 ? `${files / 1000}k` : files}×${mirrors}`;

/** Everything started and not yet stopped, stopped newest first whatever happens (errors, Ctrl-C). */
interface Stoppable {
  stop(): Promise<unknown>;
}
const running = new Set<Stoppable>();
const cleanUp = async (): Promise<void> => {
  for (const thing of [...running].reverse()) {
    running.delete(thing);
    await thing.stop().catch(() => undefined);
  }
};

const withCleanup = <T extends Stoppable>(thing: T): T => {
  running.add(thing);
  return thing;
};

/** Stops something started with withCleanup now. */
const release_ = <R>(thing: { stop(): Promise<R> }): Promise<R> => {
  running.delete(thing);
  return thing.stop();
};

const loadOf = (o: Options): LoadSettings => ({ connections: o.connections, threads: o.threads, durationS: o.durationS, warmupS: o.warmupS });

const obtainDataset = async (o: Options, files: number, mirrors: number): Promise<{ dataset: Dataset; reused: boolean }> => {
  const options = { dir: join(o.data, `${files}x${mirrors}`), files, mirrors, createFiles: true, log };
  const kept = o.fresh ? undefined : existingDataset(options);
  if (kept) {
    log(`dataset ${shape(files, mirrors)}: reusing ${kept.dir} (generated ${kept.createdAt})`);
    return { dataset: kept, reused: true };
  }
  log(`dataset ${shape(files, mirrors)}: generating in ${options.dir}`);
  const dataset = await generateDataset(options);
  log(`dataset ${shape(files, mirrors)}: ${dataset.copies} mirror copies (${dataset.outdatedCopies} outdated); ${JSON.stringify(dataset.timings)} ms`);
  return { dataset, reused: false };
};

interface Ceiling {
  processes: number;
  measurement: Measurement;
}

const measureCeiling = async (o: Options, processes: number, script: string, resultFile: string): Promise<Ceiling> => {
  const port = await freePort();
  const server = withCleanup(await startBare302(port, processes));
  try {
    log(`ceiling: bare 302 server, ${processes} process(es), ${o.durationS} s`);
    return { processes, measurement: await measure(port, script, resultFile, server.pid, loadOf(o)) };
  } finally {
    await release_(server);
  }
};

interface Scripts {
  redirect: string;
  json: string;
  result: string;
}

const writeScripts = (dir: string, mix: readonly RequestPair[]): Scripts => {
  const result = join(dir, 'wrk-result.json');
  return {
    redirect: writeWrkScript(join(dir, 'redirect.lua'), mix, {}, result),
    json: writeWrkScript(join(dir, 'json.lua'), mix, { Accept: 'application/json' }, result),
    result,
  };
};

interface Phase {
  label: string;
  dataset: Dataset;
  datasetReused: boolean;
  mix: ReturnType<typeof mixSummary>;
  /** Spawn to /readyz 200 (store loaded, repository re-indexed, GeoIP and catalog loaded). */
  startMs: number;
  /** Spawn to the end of the startup re-index of the repository (nothing changed), and the daemon's line about it. */
  indexedMs: number;
  indexedLine: string;
  idleRssMiB: number;
  mirrorsUp: string;
  answers: { redirect: Record<string, number>; json: Record<string, number> };
  redirect?: Measurement;
  json?: Measurement;
  rescan?: UnderOperation<unknown> & { idleSliceRps: number };
  ingest?: UnderOperation<unknown> & { idleSliceRps: number };
  /** The daemon's tree from spawn to stop. */
  lifetime?: ProcessUsage;
  exitCode?: number | null;
  /** The daemon's last log lines. */
  logTail?: string[];
  error?: string;
}

/** Starts the daemon on a dataset, checks its answers, measures redirects and JSON, and optionally a rescan and an ingest under load. */
const runPhase = async (
  o: Options,
  label: string,
  obtained: { dataset: Dataset; reused: boolean },
  mix: RequestPair[],
  clients: readonly Client[],
  scripts: Scripts,
  stubBase: string,
  extras: { json: boolean; operations: boolean },
): Promise<Phase> => {
  const { dataset } = obtained;
  await prepareMirrors(dataset.databasePath, stubBase);
  const port = await freePort();
  const adminPort = await freePort();
  const config = writeConfig({ dir: dataset.dir, repository: dataset.repository, databasePath: dataset.databasePath, port, adminPort, workers: o.workers });
  const phase: Phase = {
    label,
    dataset,
    datasetReused: obtained.reused,
    mix: mixSummary(mix, clients),
    startMs: 0,
    indexedMs: 0,
    indexedLine: '',
    idleRssMiB: 0,
    mirrorsUp: '',
    answers: { redirect: {}, json: {} },
  };
  let lifetime: TreeSampler | undefined;
  let daemon: RunningDaemon | undefined;
  log(`${label}: starting the daemon (Workers: ${o.workers})`);
  try {
    daemon = withCleanup(
      await startDaemon(config, adminPort, { readyTimeoutMs: o.readyTimeoutS * 1000, onSpawn: (pid) => (lifetime = new TreeSampler(pid).start(500)) }),
    );
    phase.startMs = daemon.startMs;
    log(`${label}: ready in ${daemon.startMs} ms`);
    // Ready may come before the startup re-index ends (a stored index is enough): measure only after it.
    phase.indexedLine = await daemon.waitForLog(/\[repository\] (indexed|refresh failed)/, o.readyTimeoutS * 1000);
    const stamp = Date.parse(phase.indexedLine.slice(0, 24));
    phase.indexedMs = Number.isNaN(stamp) ? 0 : stamp - daemon.spawnedAt;
    log(`${label}: startup re-index done ${phase.indexedMs} ms after spawn: ${phase.indexedLine.slice(25)}`);
    // The first round of health checks (answered by the stub) runs just after start.
    await new Promise((r) => setTimeout(r, 3000));
    const mirrors = await adminCall<{ state: string }[]>(adminPort, 'GET', '/api/mirrors');
    phase.mirrorsUp = `${mirrors.filter((m) => m.state === 'up').length}/${mirrors.length}`;
    phase.idleRssMiB = treeRssMiB(daemon.pid);
    phase.answers.redirect = await checkAnswers(port, mix, {}, 300);
    if (extras.json) phase.answers.json = await checkAnswers(port, mix, { Accept: 'application/json' }, 300);
    log(`${label}: mirrors up ${phase.mirrorsUp}; idle RSS ${phase.idleRssMiB} MiB; answers ${JSON.stringify(phase.answers)}`);
    if (!phase.answers.redirect['302']) throw new Error(`${label}: no request of the mix was redirected (${JSON.stringify(phase.answers.redirect)}); see the daemon's log:\n${daemon.output().slice(-3000)}`);

    log(`${label}: redirects, ${o.durationS} s`);
    phase.redirect = await measure(port, scripts.redirect, scripts.result, daemon.pid, loadOf(o));
    if (extras.json) {
      log(`${label}: JSON answers, ${o.durationS} s`);
      phase.json = await measure(port, scripts.json, scripts.result, daemon.pid, loadOf(o));
    }
    if (extras.operations) {
      const load = loadOf(o);
      log(`${label}: repository rescan (nothing changed) under load`);
      const idleForRescan = await sliceBaseline(port, scripts.redirect, scripts.result, load);
      const rescan = await throughputDuring(port, scripts.redirect, scripts.result, daemon.pid, load, () => adminCall(adminPort, 'POST', '/api/refresh'));
      phase.rescan = { ...rescan, idleSliceRps: idleForRescan };
      log(`${label}: rescan ${rescan.operationMs} ms, ${rescan.requestsPerSecond} req/s during it (idle ${idleForRescan})`);

      log(`${label}: ingesting one mirror's full listing over rsync under load`);
      const rsyncDir = mkdtempSync(join(tmpdir(), 'signpost-bench-rsyncd-'));
      const rsyncd = withCleanup(await startRsyncDaemon(dataset.repository, rsyncDir));
      try {
        await adminCall(adminPort, 'POST', '/api/mirrors', {
          name: 'bench-ingest',
          httpURL: `${stubBase}bench-ingest/`,
          rsyncURL: rsyncd.url,
          latitude: 48.8566,
          longitude: 2.3522,
          continentCode: 'EU',
          countryCodes: ['FR'],
          asnum: 64512,
        });
        const idleForIngest = await sliceBaseline(port, scripts.redirect, scripts.result, load);
        const ingest = await throughputDuring(port, scripts.redirect, scripts.result, daemon.pid, load, () =>
          adminCall(adminPort, 'POST', '/api/mirrors/bench-ingest/scan', { protocol: 'rsync', enable: true }),
        );
        phase.ingest = { ...ingest, idleSliceRps: idleForIngest };
        log(`${label}: ingest ${ingest.operationMs} ms (${JSON.stringify(ingest.result)}), ${ingest.requestsPerSecond} req/s during it (idle ${idleForIngest})`);
        // The kept dataset stays as generated.
        await adminCall(adminPort, 'DELETE', '/api/mirrors/bench-ingest');
      } finally {
        await release_(rsyncd);
        rmSync(rsyncDir, { recursive: true, force: true });
      }
    }
  } catch (error) {
    phase.error = error instanceof Error ? error.message : String(error);
    log(`${label}: FAILED: ${phase.error}`);
  } finally {
    if (daemon) {
      phase.exitCode = await release_(daemon);
      phase.logTail = daemon.output().trim().split('\n').slice(-40);
    }
    phase.lifetime = lifetime?.stop();
  }
  return phase;
};

interface ProfileRun {
  dir: string;
  measurement?: Measurement;
  /** The primary process (store, background work) and the worker processes (the request path), summarised apart. */
  primary?: ProfileSummary;
  workers?: ProfileSummary;
  error?: string;
}

/**
 * The daemon once more, CPU-profiled during one measured run of the redirect load. Node refuses --cpu-prof in
 * NODE_OPTIONS and the worker processes are forked with their own execArgv, so a preloaded module
 * (NODE_OPTIONS=--import) runs the V8 profiler in every process instead, started and stopped by SIGUSR2.
 */
const profileRun = async (o: Options, dataset: Dataset, scripts: Scripts, stubBase: string): Promise<ProfileRun> => {
  const dir = join(dataset.dir, `profile-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const run: ProfileRun = { dir };
  await prepareMirrors(dataset.databasePath, stubBase);
  const port = await freePort();
  const adminPort = await freePort();
  const config = writeConfig({ dir: dataset.dir, repository: dataset.repository, databasePath: dataset.databasePath, port, adminPort, workers: o.workers });
  log(`profile: daemon CPU-profiled, redirects, ${o.durationS} s`);
  let daemon: RunningDaemon | undefined;
  try {
    const preload = join(dirname(fileURLToPath(import.meta.url)), 'cpu-profile-preload.js');
    const env = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${preload}`.trim(), SIGNPOST_BENCH_PROFILE_DIR: dir };
    daemon = withCleanup(await startDaemon(config, adminPort, { env, readyTimeoutMs: o.readyTimeoutS * 1000 }));
    await daemon.waitForLog(/\[repository\] (indexed|refresh failed)/, o.readyTimeoutS * 1000);
    await new Promise((r) => setTimeout(r, 3000));
    // Warmed up first, so that the profile shows the steady state rather than the JIT's first minutes.
    const load = loadOf(o);
    await measure(port, scripts.redirect, scripts.result, daemon.pid, { ...load, warmupS: 0, durationS: Math.max(1, load.warmupS) });
    const profiled = signalNodeProcesses(daemon.pid, 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 200));
    run.measurement = await measure(port, scripts.redirect, scripts.result, daemon.pid, { ...load, warmupS: 0 });
    signalNodeProcesses(daemon.pid, 'SIGUSR2');
    const until = Date.now() + 10_000;
    while (readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).length < profiled && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  } catch (error) {
    run.error = error instanceof Error ? error.message : String(error);
  } finally {
    if (daemon) await release_(daemon);
  }
  try {
    // Profile files are named CPU.<pid>.cpuprofile.
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
    const primary = files.filter((f) => f === `CPU.${daemon?.pid}.cpuprofile`);
    const workers = files.filter((f) => !primary.includes(f));
    if (primary.length > 0) run.primary = summarizeProfiles(primary.map((f) => join(dir, f)), 25, projectRoot);
    if (workers.length > 0) run.workers = summarizeProfiles(workers.map((f) => join(dir, f)), 25, projectRoot);
    if (files.length === 0) run.error ??= `no profile written in ${dir}`;
  } catch (error) {
    run.error ??= `cannot read the profiles: ${(error as Error).message}`;
  }
  return run;
};

const machine = () => {
  let wrk = '';
  try {
    wrk = execFileSync(findWrk(), ['--version'], { encoding: 'utf8' }).split('\n')[0]!;
  } catch (error) {
    // wrk --version exits 1 after printing its banner.
    wrk = String((error as { stdout?: string }).stdout ?? '').split('\n')[0] ?? '';
  }
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? '',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    kernel: release(),
    wrk: wrk.trim(),
  };
};

interface Target {
  name: string;
  value: string;
  target: string;
  pass: boolean | null;
}

const evaluate = (ceiling: Ceiling, small: Phase | undefined, large: Phase | undefined): Target[] => {
  const out: Target[] = [];
  const c = ceiling.measurement.wrk.requestsPerSecond;
  const ratio = (n: number, d: number): number => Math.round((n / d) * 1000) / 1000;
  const add = (name: string, value: number | undefined, target: number, unit: string, atLeast: boolean): void => {
    if (value === undefined) return void out.push({ name, value: 'not measured', target: `${atLeast ? '≥' : '≤'} ${target}${unit}`, pass: null });
    out.push({ name, value: `${value}${unit}`, target: `${atLeast ? '≥' : '≤'} ${target}${unit}`, pass: atLeast ? value >= target : value <= target });
  };
  if (small) {
    add(`redirects ${shape(small.dataset.files, small.dataset.mirrors)} / ceiling`, small.redirect && ratio(small.redirect.wrk.requestsPerSecond, c), 0.5, '', true);
    add(`JSON ${shape(small.dataset.files, small.dataset.mirrors)} / ceiling`, small.json && ratio(small.json.wrk.requestsPerSecond, c), 0.25, '', true);
    add('redirect p99 under full load', small.redirect?.wrk.latencyMs.p99, 5, ' ms', false);
    add('JSON p99 under full load', small.json?.wrk.latencyMs.p99, 5, ' ms', false);
  }
  if (large) {
    const l = shape(large.dataset.files, large.dataset.mirrors);
    add(`redirects ${l} / redirects ${small ? shape(small.dataset.files, small.dataset.mirrors) : '(small not measured)'}`, large.redirect && small?.redirect && ratio(large.redirect.wrk.requestsPerSecond, small.redirect.wrk.requestsPerSecond), 0.9, '', true);
    add(`memory ${l}, all processes (peak RSS)`, large.lifetime && Math.round(large.lifetime.peakRssMiB), 1536, ' MiB', false);
    add(`daemon start ${l} to ready`, large.startMs ? Math.round(large.startMs / 100) / 10 : undefined, 30, ' s', false);
    add(`rescan ${large.dataset.files} files, nothing changed`, large.rescan && Math.round(large.rescan.operationMs / 100) / 10, 60, ' s', false);
    add('throughput during rescan / idle', large.rescan && ratio(large.rescan.requestsPerSecond, large.rescan.idleSliceRps), 0.7, '', true);
    add(`ingest one mirror's ${large.dataset.files}-entry listing`, large.ingest && Math.round(large.ingest.operationMs / 100) / 10, 30, ' s', false);
    add('throughput during ingest / idle', large.ingest && ratio(large.ingest.requestsPerSecond, large.ingest.idleSliceRps), 0.7, '', true);
  }
  return out;
};

/** CPU (cores) taken by anything outside the benchmark beyond which a measurement is flagged as disturbed. */
const BUSY_CORES = 0.15;

const measurements = (ceilings: Ceiling[], phases: Phase[], profile: ProfileRun | undefined): [string, Measurement][] => {
  const out: [string, Measurement][] = ceilings.map((c) => [`ceiling, ${c.processes} process(es)`, c.measurement]);
  for (const p of phases) {
    if (p.redirect) out.push([`redirect ${p.label}`, p.redirect]);
    if (p.json) out.push([`JSON ${p.label}`, p.json]);
  }
  if (profile?.measurement) out.push(['redirect, CPU-profiled', profile.measurement]);
  return out;
};

const row = (cells: (string | number)[], widths: number[]): string => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ');

const printTable = (ceilings: Ceiling[], phases: Phase[], profile: ProfileRun | undefined, targets: Target[]): void => {
  const ceiling = ceilings[0]!.measurement.wrk.requestsPerSecond;
  const widths = [30, 7, 8, 7, 7, 8, 6, 7, 7, 7, 7, 5];
  const lines = [row(['run', 'req/s', '×ceiling', 'p50 ms', 'p99 ms', 'p99.9ms', 'errors', 'srv CPU', 'wrk CPU', 'other', 'RSS MiB', 'procs'], widths)];
  const line = (name: string, m: Measurement): void => {
    const w = m.wrk;
    const errors = w.errors.connect + w.errors.read + w.errors.write + w.errors.status + w.errors.timeout;
    lines.push(
      row(
        [name, w.requestsPerSecond, (w.requestsPerSecond / ceiling).toFixed(3), w.latencyMs.p50, w.latencyMs.p99, w.latencyMs.p999, errors, m.cpu.server, m.cpu.wrk, Math.round((m.cpu.other + m.cpu.steal) * 100) / 100, m.usage.peakRssMiB, m.usage.processes],
        widths,
      ),
    );
  };
  for (const c of ceilings) line(`ceiling: bare 302, ${c.processes} proc`, c.measurement);
  for (const p of phases) {
    if (p.redirect) line(`redirect ${p.label}`, p.redirect);
    if (p.json) line(`JSON ${p.label}`, p.json);
  }
  if (profile?.measurement) line('redirect, CPU-profiled', profile.measurement);
  console.log('\n' + lines.join('\n'));
  console.log('CPU in cores: srv = the serving processes, wrk = the load generator, other = the rest of the machine and hypervisor steal (should be ~0)');
  const busy = measurements(ceilings, phases, profile).filter(([, m]) => m.cpu.other + m.cpu.steal > BUSY_CORES);
  for (const [name, m] of busy) console.log(`WARNING: ${name}: ${Math.round((m.cpu.other + m.cpu.steal) * 100) / 100} cores went to other processes or the hypervisor; this figure is not trustworthy`);
  for (const p of phases) {
    if (p.startMs > 0) console.log(`\n${p.label}: ready in ${p.startMs} ms; startup re-index done at ${p.indexedMs} ms; idle RSS ${p.idleRssMiB} MiB; lifetime peak RSS ${p.lifetime?.peakRssMiB ?? '?'} MiB over ${p.lifetime?.processes ?? '?'} process(es) (${p.lifetime?.peakAtS ?? '?'} s after spawn: ${p.lifetime?.peakByProcessMiB.join(' + ') ?? '?'}); mirrors up ${p.mirrorsUp}`);
    if (p.rescan) console.log(`  rescan: ${p.rescan.operationMs} ms; ${p.rescan.requestsPerSecond} req/s during it vs ${p.rescan.idleSliceRps} idle (p99 ${p.rescan.p99Ms} ms, ${p.rescan.errors} errors)`);
    if (p.ingest) console.log(`  ingest: ${p.ingest.operationMs} ms; ${p.ingest.requestsPerSecond} req/s during it vs ${p.ingest.idleSliceRps} idle (p99 ${p.ingest.p99Ms} ms, ${p.ingest.errors} errors)`);
    if (p.error) console.log(`\n${p.label}: FAILED after ${p.lifetime?.wallS ?? '?'} s (peak RSS ${p.lifetime?.peakRssMiB ?? '?'} MiB): ${p.error}`);
  }
  console.log('\ntargets:');
  for (const t of targets) console.log(`  ${t.pass === null ? '  -' : t.pass ? 'pass' : 'FAIL'}  ${t.name}: ${t.value} (target ${t.target})`);
  if (profile?.workers) console.log(`\nprofile of the worker processes (redirects):\n${formatProfile({ ...profile.workers, top: profile.workers.top.slice(0, 15) })}`);
  if (profile?.primary) console.log(`\nprofile of the primary process:\n${formatProfile({ ...profile.primary, top: profile.primary.top.slice(0, 10) })}`);
  if (profile?.error) console.log(`\nprofile: ${profile.error}`);
};

const main = async (): Promise<number> => {
  let o: Options;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`bench: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  findWrk();
  const started = new Date();
  mkdirSync(o.data, { recursive: true });
  const stub = withCleanup(await startMirrorStub());
  const work = mkdtempSync(join(tmpdir(), 'signpost-bench-run-'));
  withCleanup({ stop: async () => rmSync(work, { recursive: true, force: true }) });

  log('sampling client addresses the bundled GeoIP data places in a country');
  const clients = await sampleClients(Math.max(200, Math.min(3000, Math.ceil(o.pairs / 2))));
  log(`${clients.length} clients in ${new Set(clients.map((c) => c.country)).size} countries`);

  const phases: Phase[] = [];
  const ceilings: Ceiling[] = [];
  let profile: ProfileRun | undefined;
  let small: Phase | undefined;
  let large: Phase | undefined;

  const smallSet = await obtainDataset(o, o.files, o.mirrors);
  const smallMix = requestMix(clients, readPaths(smallSet.dataset), o.pairs);
  mkdirSync(join(work, 'small'));
  const smallScripts = writeScripts(join(work, 'small'), smallMix);

  // The ceiling runs the same script as the daemon: same requests, same headers, same wrk work per request.
  ceilings.push(await measureCeiling(o, o.workers, smallScripts.redirect, smallScripts.result));
  if (o.workers !== 1) ceilings.push(await measureCeiling(o, 1, smallScripts.redirect, smallScripts.result));

  if (!o.skipSmall) {
    small = await runPhase(o, shape(o.files, o.mirrors), smallSet, smallMix, clients, smallScripts, stub.base, { json: true, operations: true });
    phases.push(small);
    if (o.profile) profile = await profileRun(o, smallSet.dataset, smallScripts, stub.base);
  }
  if (o.large) {
    const largeSet = await obtainDataset(o, o.largeFiles, o.largeMirrors);
    const largeMix = requestMix(clients, readPaths(largeSet.dataset), o.pairs);
    mkdirSync(join(work, 'large'));
    const largeScripts = writeScripts(join(work, 'large'), largeMix);
    large = await runPhase(o, shape(o.largeFiles, o.largeMirrors), largeSet, largeMix, clients, largeScripts, stub.base, { json: true, operations: true });
    phases.push(large);
    // With --skip-small the profile is of the large dataset.
    if (o.profile && o.skipSmall) profile = await profileRun(o, largeSet.dataset, largeScripts, stub.base);
  }

  const targets = evaluate(ceilings[0]!, small, large);
  const results = {
    date: started.toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine: machine(),
    settings: o,
    clients: { sampled: clients.length, countries: new Set(clients.map((c) => c.country)).size },
    ceilings,
    phases,
    profile,
    targets,
    disturbed: measurements(ceilings, phases, profile)
      .filter(([, m]) => m.cpu.other + m.cpu.steal > BUSY_CORES)
      .map(([name]) => name),
  };
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, JSON.stringify(results, null, 2) + '\n');
  printTable(ceilings, phases, profile, targets);
  console.log(`\nresults: ${o.out}`);
  return phases.some((p) => p.error) || profile?.error ? 1 : 0;
};

process.once('SIGINT', () => {
  log('interrupted: stopping what was started');
  void cleanUp().then(() => process.exit(130));
});

main()
  .then(async (code) => {
    await cleanUp();
    process.exitCode = code;
  })
  .catch(async (error: unknown) => {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    await cleanUp();
    process.exitCode = 1;
  });
