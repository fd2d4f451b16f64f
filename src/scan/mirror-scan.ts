// Scans one mirror and stores what it holds: picks the protocol, keeps only files the repository has, logs the outcome.
import { UNREACHABLE } from '../cluster/coordinator.js';
import type { Coordinator } from '../cluster/coordinator.js';
import type { Catalog } from '../mirrors/catalog.js';
import type { Mirror, ScanProtocol } from '../mirrors/mirror.js';
import type { Metrics } from '../stats/metrics.js';
import type { Store } from '../store/store.js';
import { redactURL } from './listing.js';
import type { ScanResult } from './listing.js';
import { scanMirror } from './scan.js';
import { detectTimezoneOffset } from './tz-offset.js';
import { CopyList, samplePositions } from './copies.js';
import { forEachBit } from '../store/holdings.js';
import { truncateTime } from '../selection/filter.js';

/** Scans failing in a row before a mirror is flagged (shown in `list --state`, logged). */
export const SCAN_FAILURES_FLAG = 3;

/** The cluster lease on a mirror's scan: short, renewed while the scan runs, so a dead node's scan is retaken soon. */
const SCAN_LEASE_MS = 60_000;

export interface ScanSettings {
  timeoutMs: number;
  fixTimezoneOffsets: boolean;
}

export interface ScanSummary {
  mirror: string;
  protocol: ScanProtocol;
  url: string;
  /** Files listed by the mirror. */
  listed: number;
  /** Of those, files the repository has (the ones kept). */
  known: number;
  added: number;
  changed: number;
  removed: number;
  skipped: number;
  skippedExamples: string[];
  /** Part of the mirror could not be listed; files not seen were kept as they were. */
  partial: boolean;
  warnings: string[];
  enabled: boolean;
  /** Detected mtime offset applied at selection (FixTimezoneOffsets), ms. */
  tzOffsetMs: number;
  durationMs: number;
}

export interface ScanOptions {
  protocol?: ScanProtocol;
  enable?: boolean;
  signal?: AbortSignal;
  onProgress?: (n: number) => void;
}

export class ScanBusyError extends Error {
  override name = 'ScanBusyError';
}

/** The URLs a scan may use, in order of preference: rsync, FTP, then the HTTP index. */
export const scanURLs = (mirror: Mirror, only?: ScanProtocol): { protocol: ScanProtocol; url: string }[] => {
  const out: { protocol: ScanProtocol; url: string }[] = [];
  if (mirror.rsyncURL && (!only || only === 'rsync')) out.push({ protocol: 'rsync', url: mirror.rsyncURL });
  if (mirror.ftpURL && (!only || only === 'ftp')) out.push({ protocol: 'ftp', url: mirror.ftpURL });
  if (!only || only === 'http') {
    const http = mirror.httpURL;
    if (/^https?:\/\//.test(http)) out.push({ protocol: 'http', url: http });
    else if (http) out.push({ protocol: 'http', url: `https://${http}` }, { protocol: 'http', url: `http://${http}` });
  }
  return out;
};

export class MirrorScanner {
  private readonly busy = new Set<number>();

  constructor(
    private readonly store: Store,
    private readonly catalog: Catalog,
    private readonly coordinator: Pick<Coordinator, 'exclusive'>,
    private readonly settings: () => ScanSettings,
    /** Runs after a successful scan (the health checker checks a mirror that is not up at once); awaited. */
    private readonly afterScan: (mirror: Mirror) => Promise<void> = async () => undefined,
    private readonly metrics?: Pick<Metrics, 'scan'>,
  ) {}

  isScanning(id: number): boolean {
    return this.busy.has(id);
  }

  get inProgress(): number {
    return this.busy.size;
  }

  async scan(mirror: Mirror, options: ScanOptions = {}): Promise<ScanSummary> {
    if (this.busy.has(mirror.id)) throw new ScanBusyError(`${mirror.name}: a scan is already in progress`);
    if (!this.catalog.isLoaded() || this.catalog.fileCount === 0) {
      throw new ScanBusyError('the local repository is not indexed yet; run `signpost refresh` first');
    }
    const urls = scanURLs(mirror, options.protocol);
    if (urls.length === 0) throw new Error(`${mirror.name}: no ${options.protocol ?? 'suitable'} URL to scan`);
    this.busy.add(mirror.id);
    try {
      // One scan of a mirror at a time in the whole cluster, whichever node was asked.
      const leased = await this.coordinator.exclusive(`scan:${mirror.id}`, SCAN_LEASE_MS, () => this.run(mirror, urls, options));
      if (leased.ran) return leased.value;
      throw new ScanBusyError(
        leased.holder === UNREACHABLE
          ? `${mirror.name}: cannot take the scan lock, Redis is unreachable`
          : `${mirror.name}: a scan is already in progress on node ${leased.holder}`,
      );
    } finally {
      this.busy.delete(mirror.id);
    }
  }

  private async run(mirror: Mirror, urls: { protocol: ScanProtocol; url: string }[], options: ScanOptions): Promise<ScanSummary> {
    const started = Date.now();
    await this.store.updateMirror(mirror.id, { lastSync: started });
    const errors: string[] = [];
    for (const { protocol, url } of urls) {
      await this.store.appendLog(mirror.id, { time: Date.now(), kind: 'scan-started', message: `${protocol.toUpperCase()} scan started (${redactURL(url)})` });
      let result: ScanResult;
      let copies: CopyList;
      const attempt = Date.now();
      try {
        copies = new CopyList((path) => this.catalog.idOf(path));
        const list = copies;
        result = await scanMirror(url, { signal: options.signal, timeoutMs: this.settings().timeoutMs, onProgress: options.onProgress, onFile: (file) => list.add(file) });
        this.metrics?.scan(protocol, true, (Date.now() - attempt) / 1000, mirror.name);
      } catch (error) {
        this.metrics?.scan(protocol, false, (Date.now() - attempt) / 1000, mirror.name);
        const message = error instanceof Error ? error.message : String(error);
        errors.push(message);
        await this.store.appendLog(mirror.id, { time: Date.now(), kind: 'scan-failed', message: `Error: ${message}` });
        if (options.signal?.aborted) break;
        continue;
      }
      const summary = await this.record(mirror, protocol, url, result, copies, options.enable === true, started);
      const current = this.catalog.getMirror(mirror.id);
      if (current) await this.afterScan(current);
      return summary;
    }
    await this.countFailure(mirror);
    throw new Error(errors.join('; ') || `${mirror.name}: scan aborted`);
  }

  private async countFailure(mirror: Mirror): Promise<void> {
    const failures = (this.catalog.getMirror(mirror.id)?.scanFailures ?? mirror.scanFailures) + 1;
    await this.store.updateMirror(mirror.id, { scanFailures: failures });
    if (failures === SCAN_FAILURES_FLAG) {
      await this.store.appendLog(mirror.id, { time: Date.now(), kind: 'scan-flagged', message: `Scan failing: ${failures} failures in a row` });
    }
    await this.catalog.settledEverywhere();
  }

  /** FixTimezoneOffsets: the offset a sample of the mirror's files agrees on, else 0 (and why, for the log). */
  private timezoneOffset(copies: CopyList, precisionMs: number): { offsetMs: number; note: string } {
    if (!this.settings().fixTimezoneOffsets) return { offsetMs: 0, note: '' };
    const drawn = samplePositions(copies.length, 100);
    const pairs = [];
    for (const at of drawn) {
      const local = this.catalog.statById(copies.ids[at]!);
      const mirrorMs = copies.mtimes[at]!;
      if (local && mirrorMs !== 0 && copies.sizes[at] === local.size) pairs.push({ localMs: local.mtimeMs, mirrorMs });
    }
    const guess = detectTimezoneOffset(pairs, drawn.length, precisionMs);
    if ('reason' in guess) return { offsetMs: 0, note: guess.reason };
    return { offsetMs: guess.offsetMs, note: guess.offsetMs !== 0 ? `corrected timezone offset: ${guess.offsetMs} ms` : '' };
  }

  /**
   * Copies that pass the size and mtime checks of selection as they stand (mtime compared at the listing's
   * precision, after the timezone correction) take the index's mtime, so the store keeps them as exact copies;
   * the others keep what the scan saw and are checked per request.
   */
  private canonical(copies: CopyList, precisionMs: number, offsetMs: number): void {
    for (let at = 0; at < copies.length; at++) {
      const local = this.catalog.statById(copies.ids[at]!);
      const mtimeMs = copies.mtimes[at]!;
      if (local === undefined || copies.sizes[at] !== local.size || mtimeMs === local.mtimeMs) continue;
      if (mtimeMs === 0 || truncateTime(mtimeMs + offsetMs, precisionMs) === truncateTime(local.mtimeMs, precisionMs)) copies.mtimes[at] = local.mtimeMs;
    }
  }

  private async record(mirror: Mirror, protocol: ScanProtocol, url: string, result: ScanResult, copies: CopyList, enable: boolean, started: number): Promise<ScanSummary> {
    const known = copies.length;
    const tz = this.timezoneOffset(copies, result.precisionMs);
    this.canonical(copies, result.precisionMs, tz.offsetMs);
    if (result.partial) {
      // Part of the mirror could not be read (rsync exit 23, an unreadable directory): what was not seen is
      // unknown, not gone, so keep the previous knowledge of it rather than dropping it (Mirrorbits drops it).
      const seen = new Uint8Array(this.catalog.knownIndex().slots);
      for (let at = 0; at < known; at++) seen[copies.ids[at]!] = 1;
      const before = await this.store.getHoldings(mirror.id);
      forEachBit(before.bits, (id) => {
        const local = this.catalog.statById(id);
        if (seen[id] !== 1 && local !== undefined) copies.push(id, local.size, local.mtimeMs);
      });
      before.diffIds.forEach((id, i) => {
        if (seen[id] !== 1) copies.push(id, before.diffSizes[i]!, before.diffMtimes[i]!);
      });
    }
    const counts = await this.store.replaceMirrorCopies(mirror.id, copies);
    const now = Date.now();
    const updated = await this.store.updateMirror(mirror.id, {
      tzOffsetMs: tz.offsetMs,
      scanFailures: 0,
      lastSuccessfulSync: now,
      lastSuccessfulSyncProtocol: protocol,
      lastSuccessfulSyncPrecisionMs: result.precisionMs,
      filesKnown: known,
      ...(enable ? { enabled: true } : {}),
    });
    const summary: ScanSummary = {
      mirror: mirror.name,
      protocol,
      url: redactURL(url),
      listed: copies.listed,
      known,
      added: counts.added,
      changed: counts.changed,
      removed: counts.removed,
      skipped: result.skipped,
      skippedExamples: result.skippedExamples,
      partial: result.partial,
      warnings: result.warnings,
      enabled: updated.enabled,
      tzOffsetMs: tz.offsetMs,
      durationMs: now - started,
    };
    const skippedNote =
      (result.skipped > 0 ? `, ${result.skipped} listing entries skipped` : '') + (result.partial ? ' (partial listing: unseen files kept)' : '');
    await this.store.appendLog(mirror.id, {
      time: now,
      kind: 'scan-completed',
      message: `Scan completed: ${summary.listed} files (${summary.known} known), ${summary.removed} removed${skippedNote}${tz.note ? ` (${tz.note})` : ''}`,
    });
    if (enable && !mirror.enabled) await this.store.appendLog(mirror.id, { time: now, kind: 'enabled', message: 'Mirror enabled' });
    await this.catalog.settledEverywhere();
    return summary;
  }
}
