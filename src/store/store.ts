// The Store interface: everything persistent goes through it. Asynchronous because the Redis backend is.
import type { Mirror, MirrorFile, MirrorSettings, MirrorState } from '../mirrors/mirror.js';
import type { RepoFile } from '../repo/file.js';

/** Published after every write, so that every catalog (in this process or, with Redis, on other nodes) can refresh. */
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

export interface ReplaceCounts {
  total: number;
  added: number;
  changed: number;
  removed: number;
}

export type MirrorPatch = Partial<MirrorSettings & MirrorState>;

export interface Store {
  readonly backend: 'sqlite' | 'redis';
  /** Resolves when the store answers; rejects with a StoreError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;

  listFiles(): Promise<RepoFile[]>;
  getFile(path: string): Promise<RepoFile | undefined>;
  /** Replaces the whole repository index in one transaction. Mirror-file rows of removed paths are dropped too. */
  replaceFiles(files: readonly RepoFile[]): Promise<ReplaceCounts>;

  listMirrors(): Promise<Mirror[]>;
  getMirror(id: number): Promise<Mirror | undefined>;
  /** Throws NameTakenError when the name exists (case-insensitive). */
  addMirror(settings: MirrorSettings, state: MirrorState): Promise<Mirror>;
  /** Throws NotFoundError / NameTakenError. Returns the updated record. */
  updateMirror(id: number, patch: MirrorPatch): Promise<Mirror>;
  /** Removes the mirror, its file list and its log. Throws NotFoundError. */
  removeMirror(id: number): Promise<void>;

  listMirrorFiles(id: number): Promise<MirrorFile[]>;
  /** Replaces what a mirror is known to hold, in one transaction. */
  replaceMirrorFiles(id: number, files: readonly MirrorFile[]): Promise<ReplaceCounts>;

  appendLog(id: number, entry: LogEntry): Promise<void>;
  /** Newest last; at most `limit` entries. */
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
