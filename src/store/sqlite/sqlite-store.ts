// The embedded store: one SQLite file in WAL mode, written through better-sqlite3 in short transactions.
import { mkdirSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Mirror, MirrorFile, MirrorSettings, MirrorState } from '../../mirrors/mirror.js';
import type { RepoFile } from '../../repo/file.js';
import { HoldingsBuilder, compareHoldings, decodeHoldings, emptyHoldings, encodeDiffs, followIndexChanges, hasBit, sameHoldings, type IndexChange } from '../holdings.js';
import { ListenerSet } from '../listeners.js';
import { PackedPaths } from '../packed-paths.js';
import { comparePaths, uniqueByPath } from '../path-order.js';
import {
  MAX_LOG_ENTRIES,
  NameTakenError,
  NotFoundError,
  StoreError,
  type DownloadCount,
  type FileColumns,
  type Holdings,
  type LogEntry,
  type MirrorCopies,
  type MirrorDownloads,
  type MirrorPatch,
  type ReplaceCounts,
  type RepoLink,
  type Store,
  type StoreEvent,
} from '../store.js';
import {
  checkBatch,
  checkDay,
  checkPeriod,
  prepareDownloadStatements,
  pruneDays,
  readFileDownloads,
  readMirrorDownloads,
  toMirrorMap,
  writeDownloads,
  type DownloadStatements,
} from './downloads.js';
import { fromRow, mirrorColumns, patchRow, sameRow, toRow, type MirrorRow } from './mirror-rows.js';
import { migrate, readSchemaVersion } from './schema.js';

export interface SqliteStoreOptions {
  /** How long a call waits for another connection's lock before failing with a StoreError; default 5000. */
  busyTimeoutMs?: number;
}

/**
 * Listeners of every open handle, per database file: the CLI run in-process and the daemon each open
 * their own handle, and each must hear the other's writes.
 */
const channels = new Map<string, { listeners: ListenerSet; handles: number }>();

const hints: readonly [prefix: string, hint: string][] = [
  ['SQLITE_BUSY', 'the database is locked by another connection'],
  ['SQLITE_LOCKED', 'the database is locked by another connection'],
  ['SQLITE_FULL', 'the disk is full'],
  ['SQLITE_READONLY', 'the database is read-only'],
  ['SQLITE_IOERR', 'input/output error'],
  ['SQLITE_NOTADB', 'not a SQLite database'],
  ['SQLITE_CORRUPT', 'the database is damaged'],
  ['SQLITE_CANTOPEN', 'cannot open the file'],
  ['SQLITE_PERM', 'permission denied'],
];

/** A StoreError naming `file` for any failure of SQLite; the store's own errors pass through. */
const storeError = (file: string, err: unknown): unknown => {
  if (err instanceof StoreError) return err;
  if (err instanceof Database.SqliteError) {
    const hint = hints.find(([prefix]) => err.code.startsWith(prefix))?.[1];
    return new StoreError(`${file}: ${hint === undefined ? '' : `${hint}: `}${err.message} (${err.code})`, { cause: err });
  }
  return err;
};

type FileRow = RepoFile;
type LinkRow = { path: string; target: string | null };
type IndexedRow = RepoFile & { id: number };
type StoredMirror = MirrorRow & { id: number };

const diffCounts = (): ReplaceCounts => ({ total: 0, added: 0, changed: 0, removed: 0 });
const anyChange = (counts: ReplaceCounts): boolean => counts.added + counts.changed + counts.removed > 0;

/** The last entry of each path wins, as the Store interface promises. */
const byPath = <T extends { path: string }>(items: readonly T[]): Map<string, T> => new Map(items.map((item) => [item.path, item]));

/**
 * Replaces the rows `existing` with `wanted`, touching only the differences: a rescan of a large tree usually
 * changes a handful of rows, and writing 100k unchanged ones would be most of the cost.
 */
const applyDiff = <T extends { path: string }>(
  existing: readonly T[],
  wanted: readonly T[],
  same: (a: T, b: T) => boolean,
  write: (item: T) => void,
  remove: (path: string) => void,
): ReplaceCounts => {
  const counts = diffCounts();
  const old = byPath(existing);
  const next = byPath(wanted);
  for (const item of next.values()) {
    const before = old.get(item.path);
    if (before === undefined) {
      write(item);
      counts.added++;
    } else {
      old.delete(item.path);
      if (!same(before, item)) {
        write(item);
        counts.changed++;
      }
    }
  }
  for (const path of old.keys()) {
    remove(path);
    counts.removed++;
  }
  counts.total = next.size;
  return counts;
};

const prepareStatements = (db: Database.Database) => {
  const columns = mirrorColumns.join(', ');
  return {
    ping: db.prepare('SELECT 1'),
    files: db.prepare<[], FileRow>('SELECT path, size, mtime_ms AS mtimeMs, sha1, sha256, md5 FROM files ORDER BY path'),
    fileColumns: db.prepare<[], [number, string, number, number, string, string, string]>('SELECT id, path, size, mtime_ms, sha1, sha256, md5 FROM files').raw(true),
    fileCount: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM files'),
    nextFileId: db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'next_file_id'"),
    setNextFileId: db.prepare<[string]>("INSERT INTO meta (key, value) VALUES ('next_file_id', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
    file: db.prepare<[string], FileRow>('SELECT path, size, mtime_ms AS mtimeMs, sha1, sha256, md5 FROM files WHERE path = ?'),
    insertFile: db.prepare<[IndexedRow]>(
      'INSERT INTO files (path, id, size, mtime_ms, sha1, sha256, md5) VALUES (@path, @id, @size, @mtimeMs, @sha1, @sha256, @md5)',
    ),
    updateFile: db.prepare<[FileRow]>(
      'UPDATE files SET size = @size, mtime_ms = @mtimeMs, sha1 = @sha1, sha256 = @sha256, md5 = @md5 WHERE path = @path',
    ),
    deleteFile: db.prepare<[string]>('DELETE FROM files WHERE path = ?'),
    links: db.prepare<[], LinkRow>('SELECT path, target FROM links ORDER BY path'),
    upsertLink: db.prepare<[LinkRow]>(
      'INSERT INTO links (path, target) VALUES (@path, @target) ON CONFLICT (path) DO UPDATE SET target = excluded.target',
    ),
    deleteLink: db.prepare<[string]>('DELETE FROM links WHERE path = ?'),
    mirrors: db.prepare<[], StoredMirror>(`SELECT id, ${columns} FROM mirrors ORDER BY id`),
    mirror: db.prepare<[number], StoredMirror>(`SELECT id, ${columns} FROM mirrors WHERE id = ?`),
    mirrorExists: db.prepare<[number], { id: number }>('SELECT id FROM mirrors WHERE id = ?'),
    // `name` is declared COLLATE NOCASE, so this comparison ignores case.
    nameOwner: db.prepare<[string, number], { name: string }>('SELECT name FROM mirrors WHERE name = ? AND id <> ?'),
    insertMirror: db.prepare<[MirrorRow]>(
      `INSERT INTO mirrors (${columns}) VALUES (${mirrorColumns.map((c) => `@${c}`).join(', ')})`,
    ),
    updateMirror: db.prepare<[StoredMirror]>(
      `UPDATE mirrors SET ${mirrorColumns.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`,
    ),
    deleteMirror: db.prepare<[number]>('DELETE FROM mirrors WHERE id = ?'),
    holdings: db.prepare<[number], { bits: Buffer; diffs: Buffer }>('SELECT bits, diffs FROM holdings WHERE mirror_id = ?'),
    allHoldings: db.prepare<[], { id: number; bits: Buffer; diffs: Buffer }>('SELECT mirror_id AS id, bits, diffs FROM holdings'),
    putHoldings: db.prepare<[number, Uint8Array, Buffer]>(
      'INSERT INTO holdings (mirror_id, bits, diffs) VALUES (?, ?, ?) ON CONFLICT (mirror_id) DO UPDATE SET bits = excluded.bits, diffs = excluded.diffs',
    ),
    pathIds: db.prepare<[], [string, number, number, number]>('SELECT path, id, size, mtime_ms FROM files ORDER BY path').raw(true),
    idSizes: db.prepare<[], [number, number, number]>('SELECT id, size, mtime_ms FROM files').raw(true),
    indexedByPath: db.prepare<[], IndexedRow>('SELECT id, path, size, mtime_ms AS mtimeMs, sha1, sha256, md5 FROM files ORDER BY path'),
    indexedOne: db.prepare<[string], IndexedRow>('SELECT id, path, size, mtime_ms AS mtimeMs, sha1, sha256, md5 FROM files WHERE path = ?'),
    idPaths: db.prepare<[], [number, string, number, number]>('SELECT id, path, size, mtime_ms FROM files ORDER BY path').raw(true),
    insertLog: db.prepare<[{ id: number; time: number; kind: string; message: string }]>(
      'INSERT INTO logs (mirror_id, time, kind, message) VALUES (@id, @time, @kind, @message)',
    ),
    // Everything older than the newest `keep` entries; the subquery is NULL (so nothing goes) while there are fewer.
    trimLogs: db.prepare<[{ id: number; keep: number }]>(
      `DELETE FROM logs WHERE mirror_id = @id AND id <= (
         SELECT id FROM logs WHERE mirror_id = @id ORDER BY id DESC LIMIT 1 OFFSET @keep)`,
    ),
    logs: db.prepare<[{ id: number; limit: number }], LogEntry>(
      `SELECT time, kind, message FROM (
         SELECT id, time, kind, message FROM logs WHERE mirror_id = @id ORDER BY id DESC LIMIT @limit)
       ORDER BY id`,
    ),
  };
};

class SqliteStore implements Store {
  readonly backend = 'sqlite';
  readonly #db: Database.Database;
  readonly #file: string;
  readonly #key: string;
  readonly #channel: { listeners: ListenerSet; handles: number };
  readonly #sql: ReturnType<typeof prepareStatements>;
  readonly #downloads: DownloadStatements;
  /** Unsubscribers of this handle's listeners, dropped from the shared channel on close. */
  readonly #subscriptions = new Set<() => void>();
  #closed = false;

  constructor(db: Database.Database, file: string, key: string) {
    this.#db = db;
    this.#file = file;
    this.#key = key;
    this.#sql = prepareStatements(db);
    this.#downloads = prepareDownloadStatements(db);
    let channel = channels.get(key);
    if (channel === undefined) {
      channel = { listeners: new ListenerSet(), handles: 0 };
      channels.set(key, channel);
    }
    channel.handles++;
    this.#channel = channel;
  }

  /** Runs `work` in a transaction, turning SQLite failures into StoreErrors; nothing of a failed call is kept. */
  #write<T>(work: () => T): T {
    return this.#read(() => this.#db.transaction(work).immediate());
  }

  #read<T>(work: () => T): T {
    if (this.#closed) throw new StoreError(`${this.#file}: the store is closed`);
    try {
      return work();
    } catch (err) {
      throw storeError(this.#file, err);
    }
  }

  #publish(event: StoreEvent): void {
    this.#channel.listeners.emit(event);
  }

  #requireMirror(id: number): void {
    if (this.#sql.mirrorExists.get(id) === undefined) throw new NotFoundError(`no mirror with id ${id}`);
  }

  #checkName(name: string, id: number): void {
    const owner = this.#sql.nameOwner.get(name, id);
    if (owner !== undefined) throw new NameTakenError(`a mirror named "${owner.name}" already exists`);
  }

  async ping(): Promise<void> {
    this.#read(() => this.#sql.ping.get());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const unsubscribe of this.#subscriptions) unsubscribe();
    this.#subscriptions.clear();
    if (--this.#channel.handles === 0) channels.delete(this.#key);
    this.#db.close();
  }

  async schemaVersion(): Promise<number> {
    return this.#read(() => readSchemaVersion(this.#db, this.#file));
  }

  async listFiles(): Promise<RepoFile[]> {
    return this.#read(() => this.#sql.files.all());
  }

  async getFile(path: string): Promise<RepoFile | undefined> {
    return this.#read(() => this.#sql.file.get(path));
  }

  async listLinks(): Promise<RepoLink[]> {
    return this.#read(() => this.#sql.links.all());
  }

  async readFileColumns(): Promise<FileColumns> {
    return this.#read(() => {
      const sql = this.#sql;
      const n = sql.fileCount.get()!.n;
      const out: FileColumns = {
        ids: new Uint32Array(n),
        paths: new PackedPaths(n, n * 64),
        sizes: new Float64Array(n),
        mtimes: new Float64Array(n),
        sha1: new Uint8Array(0),
        sha256: new Uint8Array(0),
        md5: new Uint8Array(0),
      };
      // A digest slab is made only once a row has that hash: unused ones would be tens of MB at a million files.
      const names = ['sha1', 'sha256', 'md5'] as const;
      const widths = [20, 32, 16];
      const slabs: (Buffer | undefined)[] = [undefined, undefined, undefined];
      let i = 0;
      for (const row of sql.fileColumns.iterate()) {
        if (i === n) break; // a writer on another connection cannot add rows inside this read, but stay in bounds
        out.ids[i] = row[0];
        out.paths.push(row[1]);
        out.sizes[i] = row[2];
        out.mtimes[i] = row[3];
        for (let h = 0; h < 3; h++) {
          const hex = row[4 + h] as string;
          if (hex.length !== widths[h]! * 2) continue;
          const slab = (slabs[h] ??= Buffer.alloc(n * widths[h]!));
          slab.write(hex, i * widths[h]!, 'hex');
        }
        i++;
      }
      names.forEach((name, h) => {
        if (slabs[h] !== undefined) out[name] = slabs[h];
      });
      return out;
    });
  }

  /** Inside a write: moves every mirror's holdings along the index changes, and replaces the symlinks (true if they changed). */
  #followIndex(changes: readonly IndexChange[], links: readonly RepoLink[]): boolean {
    const sql = this.#sql;
    if (changes.length > 0) {
      for (const row of sql.allHoldings.all()) {
        const after = followIndexChanges(decodeHoldings(row.bits, row.diffs), changes);
        if (after !== undefined) sql.putHoldings.run(row.id, after.bits, encodeDiffs(after));
      }
    }
    const linkCounts = applyDiff(
      sql.links.all(),
      links.map(({ path, target }) => ({ path, target })),
      (a, b) => a.target === b.target,
      (link) => sql.upsertLink.run(link),
      (path) => sql.deleteLink.run(path),
    );
    return anyChange(linkCounts);
  }

  /**
   * A merge of the sorted input with the index in path order (the table's key), so that a million files need
   * no Map of either side; writes wait until the scan ends (better-sqlite3 runs one statement at a time).
   */
  async replaceFiles(files: readonly RepoFile[], links: readonly RepoLink[]): Promise<ReplaceCounts> {
    const sql = this.#sql;
    const wanted = uniqueByPath(files);
    const { counts, linksChanged } = this.#write(() => {
      const counts = diffCounts();
      const changes: IndexChange[] = [];
      const inserts: RepoFile[] = [];
      const updates: RepoFile[] = [];
      const deletes: string[] = [];
      let i = 0;
      for (const row of sql.indexedByPath.iterate()) {
        while (i < wanted.length && comparePaths(wanted[i]!.path, row.path) < 0) inserts.push(wanted[i++]!);
        const file = wanted[i];
        if (file === undefined || file.path !== row.path) {
          deletes.push(row.path);
          changes.push({ id: row.id, removed: true });
          continue;
        }
        i++;
        const { size, mtimeMs, sha1, sha256, md5 } = file;
        if (row.size === size && row.mtimeMs === mtimeMs && row.sha1 === sha1 && row.sha256 === sha256 && row.md5 === md5) continue;
        updates.push(file);
        if (row.size !== size || row.mtimeMs !== mtimeMs) {
          changes.push({ id: row.id, removed: false, old: { size: row.size, mtimeMs: row.mtimeMs }, now: { size, mtimeMs } });
        }
      }
      while (i < wanted.length) inserts.push(wanted[i++]!);
      let nextId = Number(sql.nextFileId.get()?.value ?? 0);
      for (const { path, size, mtimeMs, sha1, sha256, md5 } of inserts) sql.insertFile.run({ path, size, mtimeMs, sha1, sha256, md5, id: nextId++ });
      for (const { path, size, mtimeMs, sha1, sha256, md5 } of updates) sql.updateFile.run({ path, size, mtimeMs, sha1, sha256, md5 });
      for (const path of deletes) sql.deleteFile.run(path);
      if (inserts.length > 0) sql.setNextFileId.run(String(nextId));
      counts.added = inserts.length;
      counts.changed = updates.length;
      counts.removed = deletes.length;
      counts.total = wanted.length;
      return { counts, linksChanged: this.#followIndex(changes, links) };
    });
    if (anyChange(counts) || linksChanged) this.#publish({ type: 'files' });
    return counts;
  }

  async updateFiles(upserts: readonly RepoFile[], removed: readonly string[], links: readonly RepoLink[]): Promise<ReplaceCounts> {
    const sql = this.#sql;
    const wanted = uniqueByPath(upserts);
    const { counts, linksChanged } = this.#write(() => {
      const counts = diffCounts();
      const changes: IndexChange[] = [];
      let nextId = Number(sql.nextFileId.get()?.value ?? 0);
      const upserted = new Set<string>();
      for (const { path, size, mtimeMs, sha1, sha256, md5 } of wanted) {
        upserted.add(path);
        const row = sql.indexedOne.get(path);
        if (row === undefined) {
          sql.insertFile.run({ path, size, mtimeMs, sha1, sha256, md5, id: nextId++ });
          counts.added++;
          continue;
        }
        if (row.size === size && row.mtimeMs === mtimeMs && row.sha1 === sha1 && row.sha256 === sha256 && row.md5 === md5) continue;
        sql.updateFile.run({ path, size, mtimeMs, sha1, sha256, md5 });
        counts.changed++;
        if (row.size !== size || row.mtimeMs !== mtimeMs) {
          changes.push({ id: row.id, removed: false, old: { size: row.size, mtimeMs: row.mtimeMs }, now: { size, mtimeMs } });
        }
      }
      for (const path of new Set(removed)) {
        if (upserted.has(path)) continue;
        const row = sql.indexedOne.get(path);
        if (row === undefined) continue;
        sql.deleteFile.run(path);
        counts.removed++;
        changes.push({ id: row.id, removed: true });
      }
      if (counts.added > 0) sql.setNextFileId.run(String(nextId));
      counts.total = sql.fileCount.get()!.n;
      return { counts, linksChanged: this.#followIndex(changes, links) };
    });
    if (anyChange(counts) || linksChanged) this.#publish({ type: 'files' });
    return counts;
  }

  async listMirrors(): Promise<Mirror[]> {
    return this.#read(() => this.#sql.mirrors.all().map(fromRow));
  }

  async getMirror(id: number): Promise<Mirror | undefined> {
    return this.#read(() => {
      const row = this.#sql.mirror.get(id);
      return row === undefined ? undefined : fromRow(row);
    });
  }

  async addMirror(settings: MirrorSettings, state: MirrorState): Promise<Mirror> {
    const mirror = this.#write(() => {
      this.#checkName(settings.name, -1);
      const { lastInsertRowid } = this.#sql.insertMirror.run(toRow({ ...settings, ...state }));
      return fromRow(this.#sql.mirror.get(Number(lastInsertRowid))!);
    });
    this.#publish({ type: 'mirror', id: mirror.id });
    return mirror;
  }

  async updateMirror(id: number, patch: MirrorPatch): Promise<Mirror> {
    const { mirror, changed } = this.#write(() => {
      const row = this.#sql.mirror.get(id);
      if (row === undefined) throw new NotFoundError(`no mirror with id ${id}`);
      const next: StoredMirror = { ...patchRow(row, patch), id };
      if (next.name !== row.name) this.#checkName(String(next.name), id);
      const changed = !sameRow(row, next);
      if (changed) this.#sql.updateMirror.run(next);
      return { mirror: fromRow(this.#sql.mirror.get(id)!), changed };
    });
    if (changed) this.#publish({ type: 'mirror', id });
    return mirror;
  }

  async removeMirror(id: number): Promise<void> {
    this.#write(() => {
      // Its files and log go with it through ON DELETE CASCADE.
      if (this.#sql.deleteMirror.run(id).changes === 0) throw new NotFoundError(`no mirror with id ${id}`);
    });
    this.#publish({ type: 'mirror', id });
  }

  #holdings(id: number): Holdings {
    const row = this.#sql.holdings.get(id);
    return row === undefined ? emptyHoldings() : decodeHoldings(row.bits, row.diffs);
  }

  async listMirrorFiles(id: number): Promise<MirrorFile[]> {
    return this.#read(() => {
      const holdings = this.#holdings(id);
      if (holdings.bits.length === 0 && holdings.diffIds.length === 0) return [];
      const diffs = new Map<number, number>();
      holdings.diffIds.forEach((fileId, i) => diffs.set(fileId, i));
      const out: MirrorFile[] = [];
      for (const [fileId, path, size, mtimeMs] of this.#sql.idPaths.iterate()) {
        if (hasBit(holdings.bits, fileId)) out.push({ path, size, mtimeMs });
        else {
          const i = diffs.get(fileId);
          if (i !== undefined) out.push({ path, size: holdings.diffSizes[i]!, mtimeMs: holdings.diffMtimes[i]! });
        }
      }
      return out;
    });
  }

  async getHoldings(id: number): Promise<Holdings> {
    return this.#read(() => this.#holdings(id));
  }

  async replaceMirrorFiles(id: number, files: readonly MirrorFile[]): Promise<ReplaceCounts> {
    const sql = this.#sql;
    const counts = this.#write(() => {
      this.#requireMirror(id);
      // Merged with the index in path order: no Map of a million paths per ingest.
      const listed = uniqueByPath(files);
      const edit = new HoldingsBuilder(undefined, Number(sql.nextFileId.get()?.value ?? 0));
      let i = 0;
      for (const [path, fileId, size, mtimeMs] of sql.pathIds.iterate()) {
        while (i < listed.length && comparePaths(listed[i]!.path, path) < 0) i++;
        const copy = listed[i];
        if (copy === undefined) break;
        if (copy.path !== path) continue;
        i++;
        if (copy.size === size && copy.mtimeMs === mtimeMs) edit.setExact(fileId);
        else edit.setDiffering(fileId, copy.size, copy.mtimeMs);
      }
      return this.#putHoldings(id, edit);
    });
    if (anyChange(counts)) this.#publish({ type: 'mirror-files', id });
    return counts;
  }

  async replaceMirrorCopies(id: number, copies: MirrorCopies): Promise<ReplaceCounts> {
    const sql = this.#sql;
    const counts = this.#write(() => {
      this.#requireMirror(id);
      const next = Number(sql.nextFileId.get()?.value ?? 0);
      // Where each id's last entry is: one pass over the index, with no sort and no Map of a million copies.
      const at = new Int32Array(next).fill(-1);
      for (let i = 0; i < copies.length; i++) {
        const fileId = copies.ids[i]!;
        if (fileId < next) at[fileId] = i;
      }
      const edit = new HoldingsBuilder(undefined, next);
      for (const [fileId, size, mtimeMs] of sql.idSizes.iterate()) {
        const i = at[fileId]!;
        if (i < 0) continue;
        if (copies.sizes[i] === size && copies.mtimes[i] === mtimeMs) edit.setExact(fileId);
        else edit.setDiffering(fileId, copies.sizes[i]!, copies.mtimes[i]!);
      }
      return this.#putHoldings(id, edit);
    });
    if (anyChange(counts)) this.#publish({ type: 'mirror-files', id });
    return counts;
  }

  /** Stores a mirror's new holdings when they differ from the old; inside a write. */
  #putHoldings(id: number, edit: HoldingsBuilder): ReplaceCounts {
    const before = this.#holdings(id);
    const after = edit.build();
    const counts = compareHoldings(before, after);
    if (!sameHoldings(before, after)) this.#sql.putHoldings.run(id, after.bits, encodeDiffs(after));
    return counts;
  }

  async appendLog(id: number, entry: LogEntry): Promise<void> {
    this.#write(() => {
      this.#requireMirror(id);
      this.#sql.insertLog.run({ id, time: entry.time, kind: entry.kind, message: entry.message });
      this.#sql.trimLogs.run({ id, keep: MAX_LOG_ENTRIES });
    });
  }

  async listLogs(id: number, limit: number): Promise<LogEntry[]> {
    // Clamped so that Infinity or a fraction never reaches SQL's LIMIT.
    const wanted = Math.min(Math.floor(limit), 2 ** 31 - 1);
    if (!(wanted > 0)) return this.#read(() => []);
    return this.#read(() => this.#sql.logs.all({ id, limit: wanted }));
  }

  async addDownloads(batch: readonly DownloadCount[]): Promise<void> {
    this.#read(() => checkBatch(batch));
    if (batch.length === 0) return;
    this.#write(() => writeDownloads(this.#downloads, batch));
  }

  async fileDownloads(path: string, periods: readonly string[]): Promise<Record<string, number>> {
    return this.#read(() => {
      for (const period of periods) checkPeriod(period);
      return readFileDownloads(this.#downloads, path, periods);
    });
  }

  async fileDownloadsBetween(from: string, to: string): Promise<Map<string, number>> {
    return this.#read(() => {
      checkDay(from, 'from');
      checkDay(to, 'to');
      return new Map(this.#downloads.filesBetween.all(from, to).map(({ path, count }) => [path, count]));
    });
  }

  async mirrorDownloadsBetween(from: string, to: string): Promise<Map<number, MirrorDownloads>> {
    return this.#read(() => {
      checkDay(from, 'from');
      checkDay(to, 'to');
      return toMirrorMap(this.#downloads.mirrorsBetween.all(from, to));
    });
  }

  async mirrorDownloads(period: string): Promise<Map<number, MirrorDownloads>> {
    return this.#read(() => {
      checkPeriod(period);
      return readMirrorDownloads(this.#downloads, period);
    });
  }

  async dailyDownloads(from: string, to: string): Promise<{ day: string; count: number; bytes: number }[]> {
    return this.#read(() => {
      checkDay(from, 'from');
      checkDay(to, 'to');
      return this.#downloads.daily.all(from, to);
    });
  }

  async pruneDailyDownloads(before: string): Promise<number> {
    this.#read(() => checkDay(before, 'before'));
    return this.#write(() => pruneDays(this.#downloads, before));
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    if (this.#closed) return () => {};
    const unsubscribe = this.#channel.listeners.add(listener);
    this.#subscriptions.add(unsubscribe);
    return () => {
      unsubscribe();
      this.#subscriptions.delete(unsubscribe);
    };
  }
}

/**
 * Opens (creating it and its directory if needed) the SQLite store at `path`, bringing its schema up to date.
 * Throws a StoreError naming the file when it cannot be used.
 */
export const openSqliteStore = async (path: string, options: SqliteStoreOptions = {}): Promise<Store> => {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const directory = dirname(resolve(path));
  try {
    mkdirSync(directory, { recursive: true });
  } catch (err) {
    throw new StoreError(`${path}: cannot create the directory ${directory}: ${(err as Error).message}`, { cause: err });
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: busyTimeoutMs });
    db.pragma('journal_mode = WAL');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    db.pragma('foreign_keys = ON');
    // Safe with WAL: a crash of the process loses nothing; only a power cut can lose the last commits.
    db.pragma('synchronous = NORMAL');
    migrate(db, path);
    return new SqliteStore(db, path, realpathSync(path));
  } catch (err) {
    db?.close();
    const failure = storeError(path, err);
    throw failure instanceof StoreError ? failure : new StoreError(`${path}: ${(err as Error).message}`, { cause: err });
  }
};
