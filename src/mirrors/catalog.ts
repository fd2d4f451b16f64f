// The in-memory catalog the request path reads: repository files, symlinks, mirrors and which mirror holds what.
// It is filled from the store and kept current by store events, so a request never waits on I/O.
// Files live in columns indexed by their stable id and holdings in a bit matrix (a row per file, a column per
// mirror slot), so that a million files times hundreds of mirrors fit in a few hundred MB: no object per file,
// none per (mirror, file), and a request reads one short row.
import { canonicalMirror, EXACT_COPY } from './mirror.js';
import type { Mirror, MirrorFile } from './mirror.js';
import type { RepoFile } from '../repo/file.js';
import { popcount } from '../store/holdings.js';
import { DiffTable, type DiffColumn } from './diff-table.js';
import { HoldingMatrix } from './holding-matrix.js';
import { PathTable } from './path-table.js';
import type { FileColumns, Holdings, RepoLink, Store, StoreEvent } from '../store/store.js';

export type Resolution = { kind: 'file'; path: string; id: number } | { kind: 'forbidden' } | { kind: 'missing' };

/** A mirror holding a file: `copy` is EXACT_COPY when it holds it exactly as indexed. */
export interface Holder {
  mirror: Mirror;
  copy: MirrorFile;
}

/**
 * The mirrors by slot with the holding matrix and the differing copies, for selection's per-request walk over typed
 * arrays. A new table object is made after any change; `generation` changes only with the mirrors (not with what
 * they hold), so caches of per-mirror facts survive scans.
 */
export interface HoldingTable {
  readonly mirrors: readonly (Mirror | undefined)[];
  readonly matrix: HoldingMatrix;
  readonly diffs: DiffTable;
  readonly generation: number;
}

/** What a catalog keeps. */
export interface CatalogOptions {
  /**
   * True (the default) for a process that answers requests. False for the primary while worker processes answer
   * them: it keeps neither digests nor differing copies (a third of the catalog), only what scans, health checks
   * and rescans ask of it.
   */
  serving?: boolean;
}

const MAX_LINK_HOPS = 16;
/** File records built for requests, kept for the next ones; cleared whole when full (cheap, and hot files come back at once). */
const RECORD_CACHE = 50_000;
const HASHES = [
  ['sha1', 20],
  ['sha256', 32],
  ['md5', 16],
] as const;

/** The repository index in columns by file id. Replaced whole, never edited, so a request sees one version. */
class FileIndex {
  readonly paths: PathTable;
  readonly sizes: Float64Array;
  readonly mtimes: Float64Array;
  /** Digests by id, `width` bytes each; empty when no file has that hash, or when values are not kept. */
  readonly digests: Record<'sha1' | 'sha256' | 'md5', Uint8Array>;
  /** When digest values are not kept: which a file has, a bit per hash in HASHES order. */
  private readonly digestFlags: Uint8Array | undefined;

  constructor(columns?: FileColumns, keepDigests = true) {
    const n = columns?.ids.length ?? 0;
    let slots = 0;
    for (let i = 0; i < n; i++) slots = Math.max(slots, columns!.ids[i]! + 1);
    this.paths = new PathTable(columns?.paths ?? [], columns?.ids ?? [], slots);
    this.sizes = new Float64Array(slots);
    this.mtimes = new Float64Array(slots);
    this.digests = { sha1: new Uint8Array(0), sha256: new Uint8Array(0), md5: new Uint8Array(0) };
    if (!columns) return;
    if (!keepDigests) {
      this.digestFlags = new Uint8Array(slots);
      for (let i = 0; i < n; i++) {
        const id = columns.ids[i]!;
        this.sizes[id] = columns.sizes[i]!;
        this.mtimes[id] = columns.mtimes[i]!;
        HASHES.forEach(([name, width], bit) => {
          if (columns[name].length > 0 && !isZero(columns[name], i * width, width)) this.digestFlags![id]! |= 1 << bit;
        });
      }
      return;
    }
    // Rows in id order without holes (the usual case): the columns' digest slabs are used as they are, not copied.
    let dense = slots === n;
    for (let i = 0; i < n && dense; i++) dense = columns.ids[i] === i;
    for (const [name, width] of HASHES) {
      if (columns[name].length > 0) this.digests[name] = dense ? columns[name] : new Uint8Array(slots * width);
    }
    for (let i = 0; i < n; i++) {
      const id = columns.ids[i]!;
      this.sizes[id] = columns.sizes[i]!;
      this.mtimes[id] = columns.mtimes[i]!;
      if (dense) continue;
      for (const [name, width] of HASHES) {
        const from = columns[name];
        if (from.length > 0) this.digests[name].set(from.subarray(i * width, i * width + width), id * width);
      }
    }
  }

  /** The id of `path`, undefined when not indexed. */
  id(path: string): number | undefined {
    const id = this.paths.get(path);
    return id < 0 ? undefined : id;
  }

  get size(): number {
    return this.paths.size;
  }

  hasDigest(name: 'sha1' | 'sha256' | 'md5', id: number): boolean {
    const bit = HASHES.findIndex(([n]) => n === name);
    if (this.digestFlags !== undefined) return ((this.digestFlags[id] ?? 0) & (1 << bit)) !== 0;
    const slab = this.digests[name];
    const width = HASHES[bit]![1];
    return slab.length >= (id + 1) * width && !isZero(slab, id * width, width);
  }

  /** The digest in hex; '' when the file has none, or when values are not kept. */
  hex(name: 'sha1' | 'sha256' | 'md5', width: number, id: number): string {
    const slab = this.digests[name];
    const start = id * width;
    if (slab.length < start + width || isZero(slab, start, width)) return '';
    return Buffer.from(slab.buffer, slab.byteOffset + start, width).toString('hex');
  }
}

const isZero = (bytes: Uint8Array, start: number, length: number): boolean => {
  for (let i = start; i < start + length; i++) if (bytes[i] !== 0) return false;
  return true;
};

/** What one mirror holds, besides its column of the matrix and of the differing copies. */
interface Held {
  slot: number;
  /** Files held, exactly or not. */
  count: number;
  /** Differing copies held, and the newest mtime among them. */
  diffCount: number;
  diffNewest: number;
  /** The newest mtime among all copies, worked out when first asked (-1 until then). */
  newest: number;
}

/** Count and newest mtime of the differing copies of indexed files (the others are left out, as the store will). */
const diffSummary = (h: Holdings, index: FileIndex): { diffCount: number; diffNewest: number } => {
  let diffCount = 0;
  let diffNewest = 0;
  for (let i = 0; i < h.diffIds.length; i++) {
    if (!index.paths.has(h.diffIds[i]!)) continue;
    diffCount++;
    diffNewest = Math.max(diffNewest, h.diffMtimes[i]!);
  }
  return { diffCount, diffNewest };
};

const diffColumn = (h: Holdings) => ({ ids: h.diffIds, sizes: h.diffSizes, mtimes: h.diffMtimes });

let mirrorGenerations = 0;

export class Catalog {
  private index = new FileIndex();
  private links = new Map<string, string | null>();
  private mirrors = new Map<number, Mirror>();
  /** Mirrors in id order, for the per-request walk (a Map iterator costs more than an array). */
  private mirrorList: Mirror[] = [];
  private held = new Map<number, Held>();
  /** Mirror by slot (undefined: a free slot). */
  private slotMirrors: (Mirror | undefined)[] = [];
  private matrix = new HoldingMatrix(0, 8);
  private diffs = DiffTable.empty(0);
  private mirrorGeneration = ++mirrorGenerations;
  private records = new Map<number, RepoFile>();
  private holdingTable: HoldingTable | undefined;
  /** Bumped by each local patch, so a store read that started before it cannot undo it. */
  private versions = new Map<number, number>();
  private queue: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private loaded = false;
  /** Last error met while applying an event; cleared by a full reload. */
  lastError: string | undefined;

  private readonly serving: boolean;

  constructor(
    private readonly store: Store,
    options: CatalogOptions = {},
  ) {
    this.serving = options.serving ?? true;
  }

  /**
   * Loads everything from the store and follows its events from then on; `followStore: false` for a catalog that is
   * handed its events by someone else (a worker process, whose primary relays every event once: with a Redis store
   * the worker's own handle would hear each one a second time).
   */
  async start(options: { followStore?: boolean } = {}): Promise<void> {
    if (options.followStore !== false) this.unsubscribe = this.store.subscribe((event) => this.enqueue(() => this.apply(event)));
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
    return this.index.size;
  }

  listMirrors(): Mirror[] {
    return [...this.mirrorList];
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
    this.setMirror(canonicalMirror({ ...current, ...patch }));
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

  /** Files of the repository a mirror holds (exactly or not), as the catalog knows them. */
  mirrorFileCount(id: number): number {
    return this.held.get(id)?.count ?? 0;
  }

  /**
   * The indexed file at `path` (no symlink followed). `cache: false` for walks over the whole index (a rescan),
   * which would only push the request path's hot records out of the cache.
   */
  fileByPath(path: string, cache = true): RepoFile | undefined {
    const id = this.index.id(path);
    if (id === undefined) return undefined;
    return cache ? this.file(id) : this.record(id);
  }

  /** The id of the indexed file at `path` (no symlink followed). */
  idOf(path: string): number | undefined {
    return this.index.id(path);
  }

  /** Size and mtime of indexed file `id`. */
  statById(id: number): { size: number; mtimeMs: number } | undefined {
    return this.index.paths.has(id) ? { size: this.index.sizes[id]!, mtimeMs: this.index.mtimes[id]! } : undefined;
  }

  /** The index as a rescan compares with it (see KnownIndex in repo/indexer.ts). */
  knownIndex(): {
    slots: number;
    idOf(path: string): number | undefined;
    pathOf(id: number): string | undefined;
    unchanged(id: number, size: number, mtimeMs: number, algos: readonly ('sha1' | 'sha256' | 'md5')[]): boolean;
  } {
    const index = this.index;
    return {
      slots: index.paths.slots,
      idOf: (path) => index.id(path),
      pathOf: (id) => index.paths.path(id),
      // Unchanged also means the digests are those configured: one computed for a hash since turned off must go.
      unchanged: (id, size, mtimeMs, algos) =>
        index.sizes[id] === size && index.mtimes[id] === mtimeMs && HASHES.every(([name]) => index.hasDigest(name, id) === algos.includes(name)),
    };
  }

  /** The record of an indexed file id (as `resolve` gives). */
  file(id: number): RepoFile {
    let record = this.records.get(id);
    if (record !== undefined) return record;
    record = this.record(id);
    if (this.records.size >= RECORD_CACHE) this.records.clear();
    this.records.set(id, record);
    return record;
  }

  /** The current table of mirrors and holdings by slot. */
  table(): HoldingTable {
    this.mustServe('table');
    this.holdingTable ??= { mirrors: this.slotMirrors, matrix: this.matrix, diffs: this.diffs, generation: this.mirrorGeneration };
    return this.holdingTable;
  }

  private mustServe(what: string): void {
    if (!this.serving) throw new Error(`${what}: this catalog keeps no differing copies (it does not serve requests)`);
  }

  private record(id: number): RepoFile {
    const index = this.index;
    return {
      path: index.paths.path(id) ?? '',
      size: index.sizes[id] ?? 0,
      mtimeMs: index.mtimes[id] ?? 0,
      sha1: index.hex('sha1', 20, id),
      sha256: index.hex('sha256', 32, id),
      md5: index.hex('md5', 16, id),
    };
  }

  /** The mirrors whose last scan listed file `id`, in slot order. */
  holders(id: number): Holder[] {
    this.mustServe('holders');
    const out: Holder[] = [];
    const { matrix, diffs } = this;
    if (id >= matrix.files) return out;
    const path = this.index.paths.path(id) ?? '';
    const row = id * matrix.stride;
    let at = diffs.rowStart[id]!;
    const end = diffs.rowStart[id + 1]!;
    for (let slot = 0; slot < this.slotMirrors.length; slot++) {
      const exact = (matrix.exact[row + (slot >>> 3)]! & (1 << (slot & 7))) !== 0;
      while (at < end && diffs.slots[at]! < slot) at++;
      const mirror = this.slotMirrors[slot];
      if (mirror === undefined) continue;
      if (exact) out.push({ mirror, copy: EXACT_COPY });
      else if (at < end && diffs.slots[at] === slot) out.push({ mirror, copy: { path, size: diffs.sizes[at]!, mtimeMs: diffs.mtimes[at]! } });
    }
    return out;
  }

  /** The newest mtime among what the mirror's last scan saw (0 when it holds nothing). */
  newestCopy(mirrorId: number): number {
    const held = this.held.get(mirrorId);
    if (held === undefined) return 0;
    if (held.newest < 0) {
      let newest = 0;
      const mtimes = this.index.mtimes;
      for (let id = 0; id < this.matrix.files; id++) if (this.matrix.holdsExactly(id, held.slot)) newest = Math.max(newest, mtimes[id] ?? 0);
      held.newest = Math.max(newest, held.diffNewest);
    }
    return held.newest;
  }

  /** A file the mirror holds exactly as indexed, drawn at random (undefined when it holds none). */
  randomExact(mirrorId: number, random: () => number, accept: (file: RepoFile) => boolean = () => true): RepoFile | undefined {
    const held = this.held.get(mirrorId);
    if (held === undefined || held.count === held.diffCount) return undefined;
    const files = this.matrix.files;
    const usable = (id: number): RepoFile | undefined => {
      if (!this.matrix.holdsExactly(id, held.slot) || !this.index.paths.has(id)) return undefined;
      const file = this.file(id);
      return accept(file) ? file : undefined;
    };
    // Mirrors hold most files: random probes find one fast; a sparse mirror falls back to a walk.
    for (let attempt = 0; attempt < 64; attempt++) {
      const found = usable(Math.floor(random() * files));
      if (found) return found;
    }
    const start = Math.floor(random() * files);
    for (let n = 0; n < files; n++) {
      const found = usable((start + n) % files);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * Maps a normalised request path to an indexed file, following repository symlinks (to files or directories).
   * A symlink leading outside the repository is `forbidden`.
   */
  resolve(path: string): Resolution {
    let current = path;
    for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
      const id = this.index.id(current);
      if (id !== undefined) return { kind: 'file', path: current, id };
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

  private setMirror(mirror: Mirror): void {
    this.holdingTable = undefined;
    this.mirrorGeneration = ++mirrorGenerations;
    const known = this.mirrors.has(mirror.id);
    this.mirrors.set(mirror.id, mirror);
    if (known) {
      this.mirrorList = this.mirrorList.map((m) => (m.id === mirror.id ? mirror : m));
      const held = this.held.get(mirror.id);
      if (held !== undefined) this.slotMirrors[held.slot] = mirror;
    } else {
      this.mirrorList = [...this.mirrorList, mirror].sort((a, b) => a.id - b.id);
    }
  }

  private deleteMirror(id: number): void {
    this.holdingTable = undefined;
    this.mirrorGeneration = ++mirrorGenerations;
    this.mirrors.delete(id);
    this.mirrorList = this.mirrorList.filter((m) => m.id !== id);
    const held = this.held.get(id);
    if (held !== undefined) {
      this.matrix.clearColumn(held.slot);
      if (this.serving) this.diffs = this.diffs.withColumn(held.slot, undefined, () => true);
      this.slotMirrors[held.slot] = undefined;
      this.held.delete(id);
    }
  }

  /** The lowest free slot, widening the matrix when all are taken. */
  private takeSlot(mirror: Mirror): number {
    let slot = this.slotMirrors.indexOf(undefined);
    if (slot < 0) slot = this.slotMirrors.length;
    if (slot >= this.matrix.slots) this.matrix = this.matrix.widened(Math.max(slot + 1, this.matrix.slots * 2));
    this.slotMirrors[slot] = mirror;
    this.mirrorGeneration = ++mirrorGenerations;
    return slot;
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
        await this.refreshHoldings(event.id);
        break;
      case 'files':
        await this.refreshFiles();
        break;
    }
  }

  private async reload(): Promise<void> {
    const mirrors = await this.store.listMirrors();
    this.mirrors = new Map(mirrors.map((m) => [m.id, canonicalMirror(m)]));
    this.mirrorList = [...this.mirrors.values()].sort((a, b) => a.id - b.id);
    this.holdingTable = undefined;
    this.mirrorGeneration = ++mirrorGenerations;
    await this.refreshFiles();
    this.lastError = undefined;
    this.loaded = true;
  }

  private async refreshMirror(id: number): Promise<void> {
    const version = this.versions.get(id) ?? 0;
    const mirror = await this.store.getMirror(id);
    // A local patch landed while reading: this read may predate it; the event of its own write follows.
    if ((this.versions.get(id) ?? 0) !== version) return;
    if (!mirror) return this.deleteMirror(id);
    const isNew = !this.mirrors.has(id);
    this.setMirror(canonicalMirror(mirror));
    if (isNew) await this.refreshHoldings(id);
  }

  /**
   * A new index moves holdings too (the store follows removed and changed files), so both are read again, and
   * slots are given anew in id order.
   */
  private async refreshFiles(): Promise<void> {
    const [columns, links] = await Promise.all([this.store.readFileColumns(), this.store.listLinks()]);
    const index = new FileIndex(columns, this.serving);
    const mirrors = this.mirrorList;
    // Built aside and swapped together, so that a request never sees holdings of one index with files of another.
    // Each mirror's holdings are read, spread into the matrix and let go before the next (only their differing
    // copies wait for the table), so a load never holds every mirror's bitset at once.
    const matrix = new HoldingMatrix(index.paths.slots, Math.max(8, mirrors.length));
    const held = new Map<number, Held>();
    const slotMirrors: (Mirror | undefined)[] = [];
    const diffColumns = new Map<number, DiffColumn>();
    for (const [slot, mirror] of mirrors.entries()) {
      const h = await this.store.getHoldings(mirror.id);
      matrix.setColumn(slot, h.bits, true);
      const summary = diffSummary(h, index);
      held.set(mirror.id, { slot, count: popcount(h.bits) + summary.diffCount, ...summary, newest: -1 });
      if (this.serving && h.diffIds.length > 0) diffColumns.set(slot, diffColumn(h));
    }
    // The records as they are now: a local patch (a mirror marked down) may have landed during the reads.
    mirrors.forEach((mirror, slot) => (slotMirrors[slot] = this.mirrors.get(mirror.id) ?? mirror));
    const diffs = this.serving ? DiffTable.build(index.paths.slots, diffColumns, (id) => index.paths.has(id)) : DiffTable.empty(0);
    diffColumns.clear();
    this.index = index;
    this.records = new Map();
    this.links = new Map(links.map((l: RepoLink) => [l.path, l.target]));
    this.matrix = matrix;
    this.diffs = diffs;
    this.held = held;
    this.slotMirrors = slotMirrors;
    this.mirrorGeneration = ++mirrorGenerations;
    this.holdingTable = undefined;
  }

  private async refreshHoldings(id: number): Promise<void> {
    const holdings = await this.store.getHoldings(id);
    const mirror = this.mirrors.get(id);
    if (mirror === undefined) return;
    const slot = this.held.get(id)?.slot ?? this.takeSlot(mirror);
    this.matrix.setColumn(slot, holdings.bits);
    if (this.serving) this.diffs = this.diffs.withColumn(slot, diffColumn(holdings), (i) => this.index.paths.has(i));
    const summary = diffSummary(holdings, this.index);
    this.held.set(id, { slot, count: popcount(holdings.bits) + summary.diffCount, ...summary, newest: -1 });
    this.holdingTable = undefined;
  }
}
