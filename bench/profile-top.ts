// Summarises V8 .cpuprofile files (node --cpu-prof): the functions with the most self time, all files added up
// (one per process, so worker processes count together). Run directly: `node dist/bench/profile-top.js DIR|FILE [N]`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileEntry {
  function: string;
  /** file:line, relative to the project where it lies inside it; '' for V8's own entries ((garbage collector), …). */
  location: string;
  selfMs: number;
  /** Share of all samples. */
  selfPercent: number;
  /** Share of the samples when the process was not idle. */
  busyPercent: number;
}

export interface ProfileSummary {
  files: string[];
  totalMs: number;
  idleMs: number;
  top: ProfileEntry[];
}

const profileFiles = (target: string | string[]): string[] =>
  Array.isArray(target)
    ? target
    : statSync(target).isDirectory()
    ? readdirSync(target)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(target, f))
    : [target];

const where = (frame: CallFrame, root: string): string => {
  if (!frame.url) return '';
  const path = frame.url.startsWith('file://') ? new URL(frame.url).pathname : frame.url;
  const shown = path.startsWith(root) ? relative(root, path) : path;
  return `${shown}:${frame.lineNumber + 1}`;
};

/** Self time per function over every profile in `target` (a .cpuprofile, a directory of them, or a list of files). */
export const summarizeProfiles = (target: string | string[], top = 20, root = process.cwd()): ProfileSummary => {
  const files = profileFiles(target);
  const self = new Map<string, { fn: string; location: string; us: number }>();
  let totalUs = 0;
  let idleUs = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const add = (node: ProfileNode, us: number): void => {
      const fn = node.callFrame.functionName || '(anonymous)';
      const location = where(node.callFrame, root);
      const key = `${fn} ${location}`;
      const entry = self.get(key) ?? { fn, location, us: 0 };
      entry.us += us;
      self.set(key, entry);
      totalUs += us;
      if (fn === '(idle)') idleUs += us;
    };
    if (profile.samples && profile.timeDeltas && profile.samples.length === profile.timeDeltas.length) {
      // Each sample lasts until the next one: deltas[i + 1] belongs to sample i.
      for (let i = 0; i < profile.samples.length; i++) {
        const node = byId.get(profile.samples[i]!);
        const us = profile.timeDeltas[i + 1] ?? 0;
        if (node && us > 0) add(node, us);
      }
    } else {
      const hits = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
      const perHit = hits > 0 ? (profile.endTime - profile.startTime) / hits : 0;
      for (const node of profile.nodes) if (node.hitCount) add(node, node.hitCount * perHit);
    }
  }
  const busyUs = Math.max(1, totalUs - idleUs);
  const entries = [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({
      function: e.fn,
      location: e.location,
      selfMs: Math.round(e.us / 1000),
      selfPercent: Math.round((e.us / Math.max(1, totalUs)) * 1000) / 10,
      busyPercent: e.fn === '(idle)' ? 0 : Math.round((e.us / busyUs) * 1000) / 10,
    }));
  return { files, totalMs: Math.round(totalUs / 1000), idleMs: Math.round(idleUs / 1000), top: entries };
};

export const formatProfile = (summary: ProfileSummary): string => {
  const lines = [
    `${summary.files.length} profile(s), ${summary.totalMs} ms sampled, ${summary.idleMs} ms idle`,
    `${'self ms'.padStart(8)} ${'all %'.padStart(6)} ${'busy %'.padStart(6)}  function (location)`,
  ];
  for (const e of summary.top) {
    lines.push(`${String(e.selfMs).padStart(8)} ${e.selfPercent.toFixed(1).padStart(6)} ${e.busyPercent.toFixed(1).padStart(6)}  ${e.function}${e.location ? ` (${e.location})` : ''}`);
  }
  return lines.join('\n');
};

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [target, n] = process.argv.slice(2);
  if (!target) {
    process.stderr.write('usage: node dist/bench/profile-top.js DIR|FILE.cpuprofile [N]\n');
    process.exit(2);
  }
  console.log(formatProfile(summarizeProfiles(target, n ? Number(n) : 20)));
}
