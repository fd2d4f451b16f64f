// Health checks: every CheckInterval, each enabled mirror's HTTP and HTTPS sides are asked for a file they should
// hold; the answers, the trace files and (from time to time) a comparison of bytes decide whether the mirror serves.
// In a cluster each node checks its own share of the mirrors.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Coordinator } from '../cluster/coordinator.js';
import type { Config } from '../config/config.js';
import { encodePath } from '../http/request-path.js';
import type { Catalog } from '../mirrors/catalog.js';
import type { Mirror, MirrorState } from '../mirrors/mirror.js';
import { NOT_CHECKED } from '../mirrors/mirror.js';
import type { RepoFile } from '../repo/file.js';
import { parseTraceFile } from '../repo/trace.js';
import type { Metrics } from '../stats/metrics.js';
import type { Store } from '../store/store.js';
import { verifyContent } from './content.js';
import { applyCheck, freshHealth, requiredGoodChecks } from './hysteresis.js';
import type { ProtocolHealth } from './hysteresis.js';
import { exists, fetchTrace, probeFile } from './probe.js';
import type { ProbeOptions, ProbeResult } from './probe.js';

export type Protocol = 'http' | 'https';

/** Trace time slack before files newer than a mirror's trace mean it is mid-sync. */
const SYNC_SLACK_MS = 60_000;

export const offeredProtocols = (mirror: Mirror): Protocol[] => {
  if (mirror.httpURL.startsWith('http://')) return ['http'];
  if (mirror.httpURL.startsWith('https://')) return ['https'];
  return ['https', 'http'];
};

/** The mirror's base URL for one protocol, ending with `/`. */
export const baseURL = (mirror: Mirror, protocol: Protocol): string => `${protocol}://${mirror.httpURL.replace(/^https?:\/\//, '')}`;

interface Memory {
  health: Record<Protocol, ProtocolHealth>;
  nextCheck: number;
  lastContentCheck: number;
  /** Reason of the last content mismatch, '' when the bytes matched: a mismatch sticks until the bytes match again. */
  contentBad: string;
}

export interface CheckOutcome {
  mirror: string;
  results: Partial<Record<Protocol, { ok: boolean; reason: string }>>;
  skipped?: string;
}

type Log = (message: string) => void;

export class HealthChecker {
  private memory = new Map<number, Memory>();
  private inFlight = new Map<number, Promise<CheckOutcome>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly controller = new AbortController();

  constructor(
    private readonly store: Store,
    private readonly catalog: Catalog,
    private readonly coordinator: Pick<Coordinator, 'owns'>,
    private readonly config: () => Config,
    private readonly log: Log,
    private readonly random: () => number = Math.random,
    private readonly metrics?: Pick<Metrics, 'check'>,
  ) {}

  start(tickMs = 200): void {
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.controller.abort();
  }

  /** Settles once every check in flight has finished. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.inFlight.values()]);
  }

  tick(now = Date.now()): void {
    const { checkInterval, checkConcurrency } = this.config();
    if (checkInterval === 0) return; // health checks off
    for (const mirror of this.catalog.listMirrors()) {
      if (this.inFlight.size >= checkConcurrency) break;
      if (!mirror.enabled || this.inFlight.has(mirror.id)) continue;
      if (!this.coordinator.owns(mirror.id)) {
        // Another node's share: forget its streaks, so that if it comes back here it starts from the stored state.
        this.memory.delete(mirror.id);
        continue;
      }
      const memory = this.memoryOf(mirror);
      if (memory.nextCheck > now) continue;
      // Spread the next round a little so that checks of many mirrors do not bunch up.
      memory.nextCheck = now + checkInterval * (0.95 + 0.1 * this.random());
      void this.checkNow(mirror).catch((error: unknown) => this.log(`[${mirror.name}] health check failed: ${(error as Error).message}`));
    }
  }

  /** Checks a mirror now (or joins the check in flight) and applies the result. */
  checkNow(mirror: Mirror): Promise<CheckOutcome> {
    const running = this.inFlight.get(mirror.id);
    if (running) return running;
    const check = this.check(mirror).finally(() => this.inFlight.delete(mirror.id));
    this.inFlight.set(mirror.id, check);
    return check;
  }

  private memoryOf(mirror: Mirror): Memory {
    let memory = this.memory.get(mirror.id);
    if (!memory) {
      // After a restart the stored state is the starting point; the flap history starts afresh.
      memory = {
        health: {
          http: freshHealth(mirror.httpUp, mirror.httpDownReason !== NOT_CHECKED),
          https: freshHealth(mirror.httpsUp, mirror.httpsDownReason !== NOT_CHECKED),
        },
        nextCheck: 0,
        lastContentCheck: 0,
        contentBad: '',
      };
      this.memory.set(mirror.id, memory);
    }
    return memory;
  }

  /**
   * A file the mirror holds in its current version (the repository's size and mtime, as its last scan saw it),
   * chosen at random: checking a file it is known to hold in an older version would prove nothing. Never the trace
   * file, which changes at every sync and so proves nothing either.
   */
  private pickFile(mirror: Mirror): RepoFile | undefined {
    const { traceFileLocation } = this.config();
    const trace = traceFileLocation ? `/${traceFileLocation.replace(/^\/+/, '')}` : '';
    // Exact copies are those the scan saw in the repository's version (size, and mtime at the listing's precision).
    return this.catalog.randomExact(mirror.id, this.random, (file) => file.path !== trace);
  }

  private async check(mirror: Mirror): Promise<CheckOutcome> {
    const config = this.config();
    const memory = this.memoryOf(mirror);
    const file = this.pickFile(mirror);
    if (!file) return { mirror: mirror.name, results: {}, skipped: 'no file to check yet (not scanned)' };
    const policy = mirror.allowRedirects === 'default' ? !config.disallowRedirects : mirror.allowRedirects === 'yes';
    const opts: ProbeOptions = { timeoutMs: config.checkTimeout, allowRedirects: policy, signal: this.controller.signal };
    const protocols = offeredProtocols(mirror);
    const relative = encodePath(file.path).slice(1);
    const probes = await Promise.all(protocols.map((p) => probeFile(baseURL(mirror, p) + relative, file.size, opts)));
    if (this.controller.signal.aborted) return { mirror: mirror.name, results: {}, skipped: 'stopping' };
    const results = new Map<Protocol, ProbeResult>(protocols.map((p, i) => [p, probes[i]!]));
    for (const [p, r] of results) this.metrics?.check(p, r.ok, r.durationMs / 1000, mirror.name);
    const working = protocols.find((p) => results.get(p)!.ok);

    // Content: due every ContentCheckInterval, and at every check while a mismatch stands.
    const now = Date.now();
    if (working && config.contentCheckInterval > 0 && (memory.contentBad || now - memory.lastContentCheck >= config.contentCheckInterval)) {
      memory.lastContentCheck = now;
      const verdict = await verifyContent(baseURL(mirror, working) + relative, file, join(config.repository, file.path), opts, this.random);
      if (!verdict.ok && verdict.mismatch) {
        if (!memory.contentBad) {
          this.log(`ERROR [${mirror.name}] ${verdict.reason}: the mirror is corrupted or tampered with; taking it out of rotation`);
          await this.store.appendLog(mirror.id, { time: Date.now(), kind: 'content-mismatch', message: verdict.reason });
        }
        memory.contentBad = verdict.reason;
      } else if (verdict.ok) {
        if (memory.contentBad) await this.store.appendLog(mirror.id, { time: Date.now(), kind: 'content-ok', message: 'Content matches the repository again' });
        memory.contentBad = '';
      }
    }
    if (memory.contentBad) {
      for (const p of protocols) results.set(p, { ok: false, reason: memory.contentBad, failure: 'status', durationMs: 0 });
    }

    const patch: Partial<MirrorState & { enabled: boolean }> = {};
    const events: string[] = [];
    const rule = { upAfter: config.healthUpAfter, flapWindowMs: config.healthFlapWindow, maxUpAfter: config.healthMaxUpAfter };
    const stamp = Date.now();
    for (const p of protocols) {
      const result = results.get(p)!;
      const { health, changed } = applyCheck(memory.health[p], result.ok, rule, stamp);
      memory.health[p] = health;
      const upKey = p === 'http' ? 'httpUp' : 'httpsUp';
      const reasonKey = p === 'http' ? 'httpDownReason' : 'httpsDownReason';
      const previous = mirror[reasonKey].replace(/ \(recovering: .*\)$/, '') || 'Down';
      const reason = health.up
        ? ''
        : result.ok
          ? `${previous} (recovering: ${health.goodStreak}/${requiredGoodChecks(health, rule, stamp)} good checks)`
          : result.reason;
      if (mirror[upKey] !== health.up) patch[upKey] = health.up;
      if (mirror[reasonKey] !== reason) patch[reasonKey] = reason;
      if (changed) {
        patch.stateSince = stamp;
        events.push(changed === 'down' ? `${p.toUpperCase()} mirror is down: ${result.reason}` : `${p.toUpperCase()} mirror is up`);
      }
    }
    const missing = protocols.some((p) => results.get(p)!.failure === 'missing');
    if (missing && config.disableOnMissingFile && mirror.enabled) {
      patch.enabled = false;
      events.push(`Mirror disabled: ${file.path} is missing (DisableOnMissingFile)`);
    }

    if (config.traceFileLocation && working) Object.assign(patch, await this.freshness(mirror, baseURL(mirror, working), opts, events));

    if (Object.keys(patch).length > 0) {
      await this.catalog.patchMirrorEverywhere(mirror.id, patch);
      await this.store.updateMirror(mirror.id, patch);
      for (const message of events) {
        this.log(`[${mirror.name}] ${message}`);
        await this.store.appendLog(mirror.id, { time: Date.now(), kind: message.includes(' is up') ? 'up' : message.startsWith('Mirror disabled') ? 'disabled' : 'down', message });
      }
    }
    return {
      mirror: mirror.name,
      results: Object.fromEntries(protocols.map((p) => [p, { ok: results.get(p)!.ok, reason: results.get(p)!.reason }])),
    };
  }

  /** Trace lag and sync-in-progress, as fields to patch when they changed. */
  private async freshness(mirror: Mirror, base: string, opts: ProbeOptions, events: string[]): Promise<Partial<MirrorState>> {
    const config = this.config();
    const tracePath = config.traceFileLocation.replace(/^\/+/, '');
    let master: number | undefined;
    try {
      master = parseTraceFile(await readFile(join(config.repository, tracePath), 'utf8'));
    } catch {
      master = undefined;
    }
    const trace = await fetchTrace(base + encodePath(`/${tracePath}`).slice(1), opts);
    const mirrorTime = 'time' in trace ? trace.time : 0;
    const lag = master !== undefined && mirrorTime > 0 ? Math.max(0, master - mirrorTime) : -1;
    const host = new URL(base).hostname;
    let syncing = await exists(`${base}Archive-Update-in-Progress-${host}`, opts);
    if (!syncing && mirrorTime > 0) {
      // Files newer than the trace: the mirror was caught part-way through a sync by its last scan.
      syncing = this.catalog.newestCopy(mirror.id) > mirrorTime + SYNC_SLACK_MS;
    }
    const patch: Partial<MirrorState> = {};
    if (mirror.lastModTime !== mirrorTime) patch.lastModTime = mirrorTime;
    if (mirror.traceLagMs !== lag) patch.traceLagMs = lag;
    if (mirror.syncing !== syncing) {
      patch.syncing = syncing;
      events.push(syncing ? 'Sync in progress: not trusted for files changed after its trace' : 'Sync finished');
    }
    const max = config.maxMirrorLag;
    const wasLagging = max > 0 && mirror.traceLagMs > max;
    const lagging = max > 0 && lag > max;
    if (lagging !== wasLagging) {
      events.push(lagging ? `Lagging: trace ${Math.round(lag / 60_000)} min behind the master` : 'No longer lagging');
    }
    if ('error' in trace && mirror.lastModTime !== 0) events.push(`Trace file unreadable: ${trace.error}`);
    return patch;
  }
}
