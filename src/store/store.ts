// The Store interface: everything persistent goes through it. Asynchronous because the Redis backend is.
import type { Mirror, MirrorFile, MirrorSettings, MirrorState } from '../mirrors/mirror.js';
import type { RepoFile } from '../repo/file.js';

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
  /** Ordered by path. */
  listLinks(): Promise<RepoLink[]>;
  /**
   * Replaces the whole repository index (files and symlinks) in one transaction; the counts are of files.
   * A path given twice counts once (the last wins). Mirror file lists are left alone: they stay each mirror's
   * listing, and keeping them to repository paths is the scanner's job.
   */
  replaceFiles(files: readonly RepoFile[], links: readonly RepoLink[]): Promise<ReplaceCounts>;

  /** Ordered by id. Ids are never reused, even after a removal. */
  listMirrors(): Promise<Mirror[]>;
  getMirror(id: number): Promise<Mirror | undefined>;
  /** Throws NameTakenError when the name exists (case-insensitive). */
  addMirror(settings: MirrorSettings, state: MirrorState): Promise<Mirror>;
  /** Throws NotFoundError / NameTakenError. Returns the updated record. */
  updateMirror(id: number, patch: MirrorPatch): Promise<Mirror>;
  /** Removes the mirror, its file list and its log. Throws NotFoundError. */
  removeMirror(id: number): Promise<void>;

  /** Ordered by path; empty for an unknown mirror. */
  listMirrorFiles(id: number): Promise<MirrorFile[]>;
  /** Replaces what a mirror is known to hold, in one transaction. A path given twice counts once (the last wins). Throws NotFoundError. */
  replaceMirrorFiles(id: number, files: readonly MirrorFile[]): Promise<ReplaceCounts>;

  /** Keeps at most MAX_LOG_ENTRIES per mirror. Publishes no event. Throws NotFoundError. */
  appendLog(id: number, entry: LogEntry): Promise<void>;
  /** In the order appended, newest last; at most `limit` entries (the newest ones); empty for an unknown mirror. */
  listLogs(id: number, limit: number): Promise<LogEntry[]>;

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
