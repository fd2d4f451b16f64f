// The in-memory catalog the request path reads: repository files, symlinks, mirrors and which mirror holds what.
// It is filled from the store and kept current by store events, so a request never waits on I/O.
import { canonicalMirror } from './mirror.js';
import type { Mirror, MirrorFile } from './mirror.js';
import type { RepoFile } from '../repo/file.js';
import type { RepoLink, Store, StoreEvent } from '../store/store.js';

export interface CatalogFile {
  file: RepoFile;
  /** Mirror id → what the mirror's last scan saw for this path. */
  copies: Map<number, MirrorFile>;
}

export type Resolution =
  | { kind: 'file'; path: string; entry: CatalogFile }
  | { kind: 'forbidden' }
  | { kind: 'missing' };

const MAX_LINK_HOPS = 16;

export class Catalog {
  private files = new Map<string, CatalogFile>();
  private links = new Map<string, string | null>();
  private mirrors = new Map<number, Mirror>();
  /** Mirror id → paths it holds (those also in the repository), to drop its copies quickly. */
  private mirrorPaths = new Map<number, string[]>();
  /** Bumped by each local patch, so a store read that started before it cannot undo it. */
  private versions = new Map<number, number>();
  private queue: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private loaded = false;
  /** Last error met while applying an event; cleared by a full reload. */
  lastError: string | undefined;

  constructor(private readonly store: Store) {}

  /** Loads everything from the store and follows its events from then on. */
  async start(): Promise<void> {
    this.unsubscribe = this.store.subscribe((event) => this.enqueue(() => this.apply(event)));
    await this.enqueue(() => this.reload());
  }

  stop(): void {
    this.unsubscribe?.();
  }

  isLoaded(): boolean {
    return this.loaded;
  }

  /** Resolves once every event received so far has been applied. */
  settled(): Promise<void> {
    return this.queue;
  }

  /** Reloads everything (after a reconnect or on demand). */
  reloadAll(): Promise<void> {
    return this.enqueue(() => this.reload());
  }

  get fileCount(): number {
    return this.files.size;
  }

  listMirrors(): Mirror[] {
    return [...this.mirrors.values()];
  }

  getMirror(id: number): Mirror | undefined {
    return this.mirrors.get(id);
  }

  /**
   * Applies a state change to the request path at once, before the store write that makes it durable (the health
   * checker's "marked down" is this moment). The store event that follows refreshes the record as usual.
   */
  patchMirror(id: number, patch: Partial<Mirror>): void {
    const current = this.mirrors.get(id);
    if (!current) return;
    this.mirrors.set(id, canonicalMirror({ ...current, ...patch }));
    this.versions.set(id, (this.versions.get(id) ?? 0) + 1);
  }

  /** Other request paths (worker processes) that must see a patch before it counts as made. */
  private patchListeners: ((id: number, patch: Partial<Mirror>) => Promise<void>)[] = [];

  onPatch(listener: (id: number, patch: Partial<Mirror>) => Promise<void>): void {
    this.patchListeners.push(listener);
  }

  /** Patches this catalog and every other request path (worker processes), resolving once all have applied it. */
  async patchMirrorEverywhere(id: number, patch: Partial<Mirror>): Promise<void> {
    this.patchMirror(id, patch);
    await Promise.all(this.patchListeners.map((listener) => listener(id, patch)));
  }

  /** Other request paths (worker processes) whose catalogs must catch up before a change counts as visible. */
  private settleListeners: (() => Promise<void>)[] = [];

  onSettle(listener: () => Promise<void>): void {
    this.settleListeners.push(listener);
  }

  /** Resolves once every change made so far is applied here and in every other request path of this node. */
  async settledEverywhere(): Promise<void> {
    await this.settled();
    await Promise.all(this.settleListeners.map((listener) => listener()));
  }

  /** Applies an event that reached this process from elsewhere (the primary process, or another node). */
  applyEvent(event: StoreEvent): Promise<void> {
    return this.enqueue(() => this.apply(event));
  }

  /** Repository paths the mirror holds (its last scan), as the catalog knows them. */
  mirrorPathList(id: number): readonly string[] {
    return this.mirrorPaths.get(id) ?? [];
  }

  /** Files of the repository a mirror holds, as the catalog knows them. */
  mirrorFileCount(id: number): number {
    return this.mirrorPaths.get(id)?.length ?? 0;
  }

  getFile(path: string): CatalogFile | undefined {
    return this.files.get(path);
  }

  allFiles(): IterableIterator<CatalogFile> {
    return this.files.values();
  }

  /**
   * Maps a normalised request path to an indexed file, following repository symlinks (to files or directories).
   * A symlink leading outside the repository is `forbidden`.
   */
  resolve(path: string): Resolution {
    let current = path;
    for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
      const entry = this.files.get(current);
      if (entry) return { kind: 'file', path: current, entry };
      if (this.links.size === 0) return { kind: 'missing' };
      const next = this.followLink(current);
      if (next === undefined) return { kind: 'missing' };
      if (next === null) return { kind: 'forbidden' };
      current = next;
    }
    return { kind: 'missing' };
  }

  /** The path with its longest symlinked prefix replaced by the link's target; undefined when no prefix is a link. */
  private followLink(path: string): string | null | undefined {
    let cut = path.length;
    while (cut > 0) {
      const prefix = path.slice(0, cut);
      if (this.links.has(prefix)) {
        const target = this.links.get(prefix) ?? null;
        if (target === null) return null;
        return target + path.slice(cut);
      }
      cut = path.lastIndexOf('/', cut - 1);
    }
    return undefined;
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    const next = this.queue.then(job).catch((error: unknown) => {
      this.lastError = error instanceof Error ? error.message : String(error);
    });
    this.queue = next;
    return next;
  }

  private async apply(event: StoreEvent): Promise<void> {
    switch (event.type) {
      case 'mirror':
        await this.refreshMirror(event.id);
        break;
      case 'mirror-files':
        await this.refreshMirrorFiles(event.id);
        break;
      case 'files':
        await this.refreshFiles();
        break;
    }
  }

  private async reload(): Promise<void> {
    const [mirrors] = await Promise.all([this.store.listMirrors(), this.refreshFiles()]);
    this.mirrors = new Map(mirrors.map((m) => [m.id, canonicalMirror(m)]));
    for (const id of [...this.mirrorPaths.keys()]) if (!this.mirrors.has(id)) this.dropCopies(id);
    for (const mirror of mirrors) await this.refreshMirrorFiles(mirror.id);
    this.lastError = undefined;
    this.loaded = true;
  }

  private async refreshMirror(id: number): Promise<void> {
    const version = this.versions.get(id) ?? 0;
    const mirror = await this.store.getMirror(id);
    // A local patch landed while reading: this read may predate it; the event of its own write follows.
    if ((this.versions.get(id) ?? 0) !== version) return;
    if (mirror) {
      this.mirrors.set(id, canonicalMirror(mirror));
    } else {
      this.mirrors.delete(id);
      this.dropCopies(id);
    }
  }

  private async refreshFiles(): Promise<void> {
    const [files, links] = await Promise.all([this.store.listFiles(), this.store.listLinks()]);
    const next = new Map<string, CatalogFile>();
    for (const file of files) {
      next.set(file.path, { file, copies: this.files.get(file.path)?.copies ?? new Map() });
    }
    this.files = next;
    this.links = new Map(links.map((l: RepoLink) => [l.path, l.target]));
    for (const [id, paths] of this.mirrorPaths) this.mirrorPaths.set(id, paths.filter((p) => next.has(p)));
  }

  private async refreshMirrorFiles(id: number): Promise<void> {
    const copies = await this.store.listMirrorFiles(id);
    this.dropCopies(id);
    if (!this.mirrors.has(id)) return;
    const paths: string[] = [];
    for (const copy of copies) {
      const entry = this.files.get(copy.path);
      if (!entry) continue;
      entry.copies.set(id, copy);
      paths.push(copy.path);
    }
    this.mirrorPaths.set(id, paths);
  }

  private dropCopies(id: number): void {
    for (const path of this.mirrorPaths.get(id) ?? []) this.files.get(path)?.copies.delete(id);
    this.mirrorPaths.delete(id);
  }
}
