// Keeps the store's repository index in step with the disk: one refresh at a time (in the whole cluster), hashes reused
// when nothing changed.
import { UNREACHABLE } from '../cluster/coordinator.js';
import type { Coordinator } from '../cluster/coordinator.js';
import type { Catalog } from '../mirrors/catalog.js';
import type { Store } from '../store/store.js';
import type { RepoFile } from './file.js';
import { HashPool } from './hash.js';
import { indexChanges, indexRepository } from './indexer.js';

export interface RefreshSummary {
  files: number;
  links: number;
  hashed: number;
  added: number;
  changed: number;
  removed: number;
  failed: number;
  skipped: string[];
  durationMs: number;
  /**
   * Set when another node of the cluster refreshed the index while this call waited for it: then `files` is the
   * index as this node now sees it, `durationMs` the wait, and the other counts are 0 (they are that node's to tell).
   */
  doneBy?: string;
}

/** The cluster lease on the repository index: renewed while a refresh runs, retaken soon after its holder dies. */
const REFRESH_LEASE_MS = 60_000;
/** How long a call waits for another node's refresh before giving up on it. */
const REFRESH_WAIT_MS = 30 * 60_000;
const POLL_MS = 250;

export class RepositoryRefresher {
  private running: Promise<RefreshSummary> | undefined;
  private pool: HashPool | undefined;
  lastRefresh = 0;
  lastSummary: RefreshSummary | undefined;

  constructor(
    private readonly store: Store,
    private readonly catalog: Catalog,
    private readonly coordinator: Pick<Coordinator, 'exclusive' | 'holder'>,
    private readonly settings: () => { root: string; hashes: { sha1: boolean; sha256: boolean; md5: boolean } },
  ) {}

  /** Runs a refresh, or joins the one in progress (a rehash request waits for it and then runs its own). */
  async refresh(rehash = false): Promise<RefreshSummary> {
    while (this.running) {
      const current = this.running;
      if (!rehash) return current;
      await current.catch(() => undefined);
    }
    this.running = this.leased(rehash).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /**
   * Refreshes under the cluster's lease. When another node holds it, its refresh is as good as ours: wait for it and
   * report it. A rehash was asked for explicitly, so it waits and then runs its own.
   */
  private async leased(rehash: boolean): Promise<RefreshSummary> {
    const started = Date.now();
    for (;;) {
      const attempt = await this.coordinator.exclusive('refresh', REFRESH_LEASE_MS, () => this.run(rehash));
      if (attempt.ran) return attempt.value;
      if (attempt.holder === UNREACHABLE) throw new Error('cannot take the repository lock: Redis is unreachable');
      await this.waitFor(attempt.holder, started + REFRESH_WAIT_MS);
      if (rehash) continue;
      await this.catalog.settledEverywhere();
      const waited = Date.now() - started;
      return { files: this.catalog.fileCount, links: 0, hashed: 0, added: 0, changed: 0, removed: 0, failed: 0, skipped: [], durationMs: waited, doneBy: attempt.holder };
    }
  }

  /** Resolves once `node` no longer holds the lease (done, or dead and expired). */
  private async waitFor(node: string, deadline: number): Promise<void> {
    while ((await this.coordinator.holder('refresh')) === node) {
      if (Date.now() > deadline) throw new Error(`node ${node} is still refreshing the repository after ${REFRESH_WAIT_MS / 60_000} min`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  private async run(rehash: boolean): Promise<RefreshSummary> {
    const started = Date.now();
    const { root, hashes } = this.settings();
    this.pool ??= new HashPool(2);
    // A routine rescan only looks for changes against the catalog (no object per unchanged file); a rehash, or a
    // catalog not loaded yet, indexes everything and replaces the whole index.
    if (!rehash && this.catalog.isLoaded()) {
      const changes = await indexChanges({ root, hashes, known: this.catalog.knownIndex(), pool: this.pool });
      const counts = await this.store.updateFiles(changes.upserts, changes.removed, changes.links);
      await this.catalog.settledEverywhere();
      return this.finish(started, { files: changes.files, links: changes.links.length, hashed: changes.hashed, failed: changes.failed.length, skipped: changes.skipped }, counts);
    }
    const previous = { get: (path: string): RepoFile | undefined => this.catalog.fileByPath(path, false) };
    const result = await indexRepository({ root, hashes, previous, rehash, pool: this.pool });
    const counts = await this.store.replaceFiles(result.files, result.links);
    await this.catalog.settledEverywhere();
    return this.finish(started, { files: result.files.length, links: result.links.length, hashed: result.hashed, failed: result.failed.length, skipped: result.skipped }, counts);
  }

  private finish(
    started: number,
    found: { files: number; links: number; hashed: number; failed: number; skipped: string[] },
    counts: { added: number; changed: number; removed: number },
  ): RefreshSummary {
    this.lastRefresh = Date.now();
    this.lastSummary = {
      files: found.files,
      links: found.links,
      hashed: found.hashed,
      added: counts.added,
      changed: counts.changed,
      removed: counts.removed,
      failed: found.failed,
      skipped: found.skipped,
      durationMs: Date.now() - started,
    };
    return this.lastSummary;
  }

  async close(): Promise<void> {
    await this.running?.catch(() => undefined);
    await this.pool?.close();
    this.pool = undefined;
  }
}
