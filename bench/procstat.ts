// CPU time and resident memory of a process and all its descendants, sampled from /proc every 200 ms.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const clockTicks = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcInfo {
  ppid: number;
  /** utime + stime, seconds. */
  cpuS: number;
}

const readStat = (pid: number): ProcInfo | undefined => {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: the fields that follow start after the last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(rest[1]), cpuS: (Number(rest[11]) + Number(rest[12])) / clockTicks };
  } catch {
    return undefined;
  }
};

const readRssKiB = (pid: number): number => {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
};

/** `root` and every process below it. */
export const processTree = (root: number): Map<number, ProcInfo> => {
  const all = new Map<number, ProcInfo>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = readStat(Number(name));
    if (info) all.set(Number(name), info);
  }
  const tree = new Map<number, ProcInfo>();
  const rootInfo = all.get(root);
  if (!rootInfo) return tree;
  tree.set(root, rootInfo);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, info] of all) {
      if (!tree.has(pid) && tree.has(info.ppid)) {
        tree.set(pid, info);
        grew = true;
      }
    }
  }
  return tree;
};

export interface ProcessUsage {
  /** CPU seconds used by the tree during the sampling (processes gone before the end count up to their last sample). */
  cpuS: number;
  /** cpuS over the wall time: 1.0 = one core busy. */
  cores: number;
  /** Largest sum of VmRSS over the tree seen in one sample, MiB. */
  peakRssMiB: number;
  /** When that sample was taken, seconds after the sampling started, and each process's share of it (MiB, largest first). */
  peakAtS: number;
  peakByProcessMiB: number[];
  /** Most processes seen at once in the tree. */
  processes: number;
  wallS: number;
}

export class TreeSampler {
  private readonly startCpu = new Map<number, number>();
  private readonly lastCpu = new Map<number, number>();
  private peakRssKiB = 0;
  private peakAtS = 0;
  private peakByProcess: number[] = [];
  private processes = 0;
  private timer: NodeJS.Timeout | undefined;
  private started = 0;

  constructor(private readonly root: number) {}

  start(intervalMs = 200): this {
    this.started = performance.now();
    this.sample(true);
    this.timer = setInterval(() => this.sample(false), intervalMs);
    return this;
  }

  /** Takes a last sample and returns the figures. */
  stop(): ProcessUsage {
    clearInterval(this.timer);
    this.sample(false);
    let cpuS = 0;
    for (const [pid, last] of this.lastCpu) cpuS += last - (this.startCpu.get(pid) ?? 0);
    const wallS = (performance.now() - this.started) / 1000;
    return {
      cpuS: Math.round(cpuS * 100) / 100,
      cores: Math.round((cpuS / wallS) * 100) / 100,
      peakRssMiB: Math.round(this.peakRssKiB / 1024),
      peakAtS: Math.round(this.peakAtS * 10) / 10,
      peakByProcessMiB: this.peakByProcess,
      processes: this.processes,
      wallS: Math.round(wallS * 10) / 10,
    };
  }

  private sample(first: boolean): void {
    const tree = processTree(this.root);
    let rss = 0;
    const each: number[] = [];
    for (const [pid, info] of tree) {
      // A process born during the sampling counts from zero.
      if (!this.startCpu.has(pid)) this.startCpu.set(pid, first ? info.cpuS : 0);
      this.lastCpu.set(pid, info.cpuS);
      const kib = readRssKiB(pid);
      rss += kib;
      each.push(Math.round(kib / 1024));
    }
    if (rss > this.peakRssKiB) {
      this.peakRssKiB = rss;
      this.peakAtS = (performance.now() - this.started) / 1000;
      this.peakByProcess = each.sort((a, b) => b - a);
    }
    this.processes = Math.max(this.processes, tree.size);
  }
}

/** Current RSS of the tree under `root`, MiB. */
export const treeRssMiB = (root: number): number => {
  let rss = 0;
  for (const pid of processTree(root).keys()) rss += readRssKiB(pid);
  return Math.round(rss / 1024);
};

/**
 * CPU seconds all processors have spent busy since boot (/proc/stat: everything but idle and iowait), and of those
 * the time the hypervisor gave to other guests (steal).
 */
export const machineCpuS = (): { busy: number; steal: number } => {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - fields[3]! - fields[4]!) / clockTicks, steal: (fields[7] ?? 0) / clockTicks };
};

/** Sends `signal` to every Node process in the tree under `root`; returns how many were signalled. */
export const signalNodeProcesses = (root: number, signal: NodeJS.Signals): number => {
  let count = 0;
  for (const pid of processTree(root).keys()) {
    let comm = '';
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (comm !== 'node' && comm !== 'MainThread') continue;
    try {
      process.kill(pid, signal);
      count++;
    } catch {
      // gone meanwhile
    }
  }
  return count;
};
