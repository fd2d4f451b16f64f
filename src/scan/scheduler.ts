// Scans every enabled mirror each ScanInterval, at most ConcurrentSync at once, without ever blocking requests.
// In a cluster each node scans its own share of the mirrors (and the scanner's lease keeps a scan single).
import type { Coordinator } from '../cluster/coordinator.js';
import type { Catalog } from '../mirrors/catalog.js';
import { ScanBusyError } from './mirror-scan.js';
import type { MirrorScanner } from './mirror-scan.js';

export class ScanScheduler {
  private timer: NodeJS.Timeout | undefined;
  private readonly controller = new AbortController();

  constructor(
    private readonly scanner: MirrorScanner,
    private readonly catalog: Catalog,
    private readonly coordinator: Pick<Coordinator, 'owns'>,
    private readonly settings: () => { intervalMs: number; concurrent: number },
    private readonly log: (message: string) => void,
  ) {}

  start(tickMs = 1000): void {
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.controller.abort();
  }

  tick(now = Date.now()): void {
    const { intervalMs, concurrent } = this.settings();
    if (!this.catalog.isLoaded() || this.catalog.fileCount === 0) return;
    const due = this.catalog
      .listMirrors()
      .filter((m) => m.enabled && now - m.lastSync >= intervalMs && !this.scanner.isScanning(m.id) && this.coordinator.owns(m.id))
      .sort((a, b) => a.lastSync - b.lastSync);
    for (const mirror of due) {
      if (this.scanner.inProgress >= concurrent) break;
      this.scanner.scan(mirror, { signal: this.controller.signal }).then(
        (s) => this.log(`[${s.mirror}] scanned over ${s.protocol}: ${s.listed} files (${s.known} known), ${s.removed} removed`),
        (error: unknown) => {
          // Busy: another node is scanning it (its start time reaches this catalog soon), or Redis is away (logged by the coordinator).
          if (error instanceof ScanBusyError) return;
          this.log(`[${mirror.name}] scan failed: ${error instanceof Error ? error.message : String(error)}`);
        },
      );
    }
  }
}
