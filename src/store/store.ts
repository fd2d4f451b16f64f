// The Store interface: everything persistent goes through it. Asynchronous because the Redis backend is.
import type { Mirror, MirrorFile, MirrorSettings, MirrorState } from '../mirrors/mirror.js';
import type { RepoFile } from '../repo/file.js';
import type { PackedPaths } from './packed-paths.js';

/**
 * Published after every write that changed something, so that every catalog (in this process or, with Redis,
 * on other nodes) can refresh. Writes that change nothing (an identical rescan, an empty patch) publish nothing.
 */
export type StoreEvent =
  | { type: 'mirror'; id: number } // added, edited, enabled/disabled, state changed, removed
  | { type: 'mirror-files'; id: number } // a mirror's file list was replaced
  | { type: 'files' }; // the repository index was replaced

export interface LogEntry {
  /** Unix ms. */
  time: number;
  /** Short machine-readable kind: added, edited, enabled, disabled, removed, scan-started, scan-completed, scan-failed, state, error. */
  kind: string;
  message: string;
}

/** A symlink inside the repository: `target` is the repository path it resolves to, or null when it leads outside the repository. */
export interface RepoLink {
  path: string;
  target: string | null;
}

/** How many log entries a store keeps per mirror; older ones are dropped as new ones are appended. */
export const MAX_LOG_ENTRIES = 1000;

/** Counts of a replace*: `total` is the number of distinct paths now stored. */
export interface ReplaceCounts {
  total: number;
  added: number;
  changed: number;
  removed: number;
}

/** One flushed batch line: `count` downloads of `path` served by mirror `mirrorId` (0 = a fallback) on UTC `day`, `bytes` in all. */
export interface DownloadCount {
  /** YYYY-MM-DD (UTC). */
  day: string;
  path: string;
  mirrorId: number;
  count: number;
  bytes: number;
}

/** Downloads and bytes of one mirror over some period. */
export interface MirrorDownloads {
  count: number;
  bytes: number;
}

/**
 * The repository index in columns, for the in-memory catalog (no object per file: a million files stay small).
 * Row `i` describes file `ids[i]`; rows come in no particular order.
 */
export interface FileColumns {
  ids: Uint32Array;
  paths: PackedPaths;
  sizes: Float64Array;
  mtimes: Float64Array;
  /** Raw digests, 20 / 32 / 16 bytes per row, all zero where not computed; empty when no file has that hash. */
  sha1: Uint8Array;
  sha256: Uint8Array;
  md5: Uint8Array;
}

/**
 * What a mirror holds, relative to the repository index. A file id is given to a path when it enters the index
 * and kept while it stays there; ids of removed paths are never given again.
 */
export interface Holdings {
  /** Bit `id & 7` of byte `id >> 3` set: the mirror holds that file exactly as indexed (same size and mtime). */
  bits: Uint8Array;
  /** Copies that differ from the index: file ids in ascending order, with the size and mtime the scan saw. */
  diffIds: Uint32Array;
  diffSizes: Float64Array;
  diffMtimes: Float64Array;
}

/** Copies by file id: entry `i < length` is file `ids[i]` with the size and mtime a scan saw (arrays may be longer). */
export interface MirrorCopies {
  length: number;
  ids: Uint32Array;
  sizes: Float64Array;
  mtimes: Float64Array;
}

/** Fields left out, or set to undefined, keep their value. */
export type MirrorPatch = Partial<MirrorSettings & MirrorState>;

export interface Store {
  readonly backend: 'sqlite' | 'redis';
  /** Resolves when the store answers; rejects with a StoreError otherwise. */
  ping(): Promise<void>;
  /** Idempotent. Afterwards the other methods reject with a StoreError; listeners of this handle hear nothing more. */
  close(): Promise<void>;
  /** Version of the stored layout (the SQLite schema, the Redis key layout). */
  schemaVersion(): Promise<number>;

  /** Ordered by path. */
  listFiles(): Promise<RepoFile[]>;
  getFile(path: string): Promise<RepoFile | undefined>;
  /** The same index in columns, with each file's id. */
  readFileColumns(): Promise<FileColumns>;
  /** Ordered by path. */
  listLinks(): Promise<RepoLink[]>;
  /**
   * Replaces the whole repository index (files and symlinks) in one transaction; the counts are of files.
   * A path given twice counts once (the last wins). Mirror holdings follow: a removed file leaves every mirror;
   * when a file's size or mtime changes, a mirror holding it exactly now holds a differing copy (the old size and
   * mtime), and a differing copy equal to the new values becomes exact.
   */
  replaceFiles(files: readonly RepoFile[], links: readonly RepoLink[]): Promise<ReplaceCounts>;

  /**
   * Applies changes to the repository index in one transaction: `upserts` added or replacing the file at their
   * path, `removed` paths dropped (unknown ones ignored), and the symlinks replaced by `links`. Holdings follow as
   * with replaceFiles. For rescans that found few changes among a million files. `total` is the files indexed after.
   */
  updateFiles(upserts: readonly RepoFile[], removed: readonly string[], links: readonly RepoLink[]): Promise<ReplaceCounts>;

  /** Ordered by id. Ids are never reused, even after a removal. */
  listMirrors(): Promise<Mirror[]>;
  getMirror(id: number): Promise<Mirror | undefined>;
  /** Throws NameTakenError when the name exists (case-insensitive). */
  addMirror(settings: MirrorSettings, state: MirrorState): Promise<Mirror>;
  /** Throws NotFoundError / NameTakenError. Returns the updated record. */
  updateMirror(id: number, patch: MirrorPatch): Promise<Mirror>;
  /** Removes the mirror, its file list and its log. Throws NotFoundError. */
  removeMirror(id: number): Promise<void>;

  /** What the mirror holds, as copies ordered by path (exact ones with the index's size and mtime); empty for an unknown mirror. */
  listMirrorFiles(id: number): Promise<MirrorFile[]>;
  /** The same in compact form; empty for an unknown mirror. */
  getHoldings(id: number): Promise<Holdings>;
  /**
   * Replaces what a mirror is known to hold, in one transaction. Only paths of the repository index are kept
   * (the others cannot be served); a copy whose size and mtime equal the index's is exact, any other differs.
   * Scanners make a copy that passes at the listing's precision exact by giving it the index's mtime.
   * A path given twice counts once (the last wins); counts are of kept paths. Throws NotFoundError.
   */
  replaceMirrorFiles(id: number, files: readonly MirrorFile[]): Promise<ReplaceCounts>;
  /**
   * The same from copies named by file id (the scan's path: a million-entry listing without a path per copy).
   * Ids not in the index are dropped; an id given twice counts once (the last wins). Throws NotFoundError.
   */
  replaceMirrorCopies(id: number, copies: MirrorCopies): Promise<ReplaceCounts>;

  /** Keeps at most MAX_LOG_ENTRIES per mirror. Publishes no event. Throws NotFoundError. */
  appendLog(id: number, entry: LogEntry): Promise<void>;
  /** In the order appended, newest last; at most `limit` entries (the newest ones); empty for an unknown mirror. */
  listLogs(id: number, limit: number): Promise<LogEntry[]>;

  /**
   * Adds a batch atomically (all or nothing): increments the file counters and the mirror counters for the day,
   * its month (YYYY-MM), its year (YYYY) and the total (period ''). Lines repeating a day, path and mirror add up.
   * A batch holding an invalid line (a day that is not a real YYYY-MM-DD date, an empty path, a mirror id or
   * bytes that is not a non-negative integer, a count that is not a positive one) is refused whole, before
   * anything is written, with a StoreError naming the line.
   * Statistics are not catalog state: publishes no event. Removing a mirror keeps its statistics.
   */
  addDownloads(batch: readonly DownloadCount[]): Promise<void>;
  // The readers below refuse a malformed period or day with a StoreError naming it.
  /** Downloads of one file for each period asked ('' = total, 'YYYY', 'YYYY-MM', 'YYYY-MM-DD'); 0 when none. */
  fileDownloads(path: string, periods: readonly string[]): Promise<Record<string, number>>;
  /** Per file, downloads over the days from..to inclusive (YYYY-MM-DD), from the daily counters; files with none omitted. */
  fileDownloadsBetween(from: string, to: string): Promise<Map<string, number>>;
  /** Per mirror id, downloads and bytes over the days from..to inclusive, from the daily counters; mirrors with none omitted. */
  mirrorDownloadsBetween(from: string, to: string): Promise<Map<number, MirrorDownloads>>;
  /** Per mirror id, downloads and bytes for one period ('' total, YYYY, YYYY-MM, YYYY-MM-DD); mirrors with none omitted. */
  mirrorDownloads(period: string): Promise<Map<number, MirrorDownloads>>;
  /** All downloads and bytes per day over from..to inclusive (for charts), ordered by day, days with none omitted. */
  dailyDownloads(from: string, to: string): Promise<{ day: string; count: number; bytes: number }[]>;
  /**
   * Deletes the daily counters (files and mirrors) of days before `before` (YYYY-MM-DD); months, years and totals
   * are kept. Returns how many were deleted: one per day and file, plus one per day and mirror.
   */
  pruneDailyDownloads(before: string): Promise<number>;

  /** Calls `listener` for every change made through any handle on the same store. Returns an unsubscribe function. */
  subscribe(listener: (event: StoreEvent) => void): () => void;
}

export class StoreError extends Error {
  override name = 'StoreError';
}

export class NotFoundError extends StoreError {
  override name = 'NotFoundError';
}

export class NameTakenError extends StoreError {
  override name = 'NameTakenError';
}
