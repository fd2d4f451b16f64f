// Download statistics in SQLite: checking a batch, folding it into one upsert per counter, and the range queries.
import type Database from 'better-sqlite3';
import { isDay, isPeriod, periodsOf } from '../../stats/day.js';
import { StoreError, type DownloadCount, type MirrorDownloads } from '../store.js';

const isCount = (n: unknown, least: number): boolean => typeof n === 'number' && Number.isSafeInteger(n) && n >= least;

/** What is wrong with one line, or undefined. */
const lineFault = (line: DownloadCount): string | undefined => {
  if (typeof line !== 'object' || line === null) return 'not a download line';
  if (typeof line.day !== 'string' || !isDay(line.day)) return `day ${JSON.stringify(line.day)} is not a date written YYYY-MM-DD`;
  if (typeof line.path !== 'string' || line.path === '') return 'the path is empty';
  if (!isCount(line.mirrorId, 0)) return `mirror id ${String(line.mirrorId)} is not a non-negative integer`;
  if (!isCount(line.count, 1)) return `count ${String(line.count)} is not a positive integer`;
  if (!isCount(line.bytes, 0)) return `bytes ${String(line.bytes)} is not a non-negative integer`;
  return undefined;
};

/** Refuses the whole batch, naming the first bad line, before anything is written. */
export const checkBatch = (batch: readonly DownloadCount[]): void => {
  if (!Array.isArray(batch)) throw new StoreError('a batch of download counts must be an array');
  batch.forEach((line, i) => {
    const fault = lineFault(line);
    if (fault !== undefined) throw new StoreError(`download line ${i + 1} of ${batch.length} (${JSON.stringify(line)}): ${fault}`);
  });
};

export const checkDay = (day: string, role: string): void => {
  if (typeof day !== 'string' || !isDay(day)) throw new StoreError(`${role} ${JSON.stringify(day)} is not a date written YYYY-MM-DD`);
};

export const checkPeriod = (period: string): void => {
  if (typeof period !== 'string' || !isPeriod(period)) {
    throw new StoreError(`period ${JSON.stringify(period)} is not '' (all time), YYYY, YYYY-MM or YYYY-MM-DD`);
  }
};

const isDaily = (period: string): boolean => period.length === 10;

type FileCell = { period: string; path: string; count: number };
type MirrorCell = { period: string; id: number; count: number; bytes: number };

/**
 * Sums the batch per counter first: a batch of 10k lines usually touches a few mirrors, so the month, year and
 * total rows of each mirror are written once instead of once per line.
 */
const fold = (batch: readonly DownloadCount[]): { files: Map<string, FileCell>; mirrors: Map<string, MirrorCell> } => {
  const files = new Map<string, FileCell>();
  const mirrors = new Map<string, MirrorCell>();
  for (const { day, path, mirrorId, count, bytes } of batch) {
    for (const period of periodsOf(day)) {
      const fileKey = `${period}\n${path}`;
      const file = files.get(fileKey);
      if (file === undefined) files.set(fileKey, { period, path, count });
      else file.count += count;
      const mirrorKey = `${period}\n${mirrorId}`;
      const mirror = mirrors.get(mirrorKey);
      if (mirror === undefined) mirrors.set(mirrorKey, { period, id: mirrorId, count, bytes });
      else {
        mirror.count += count;
        mirror.bytes += bytes;
      }
    }
  }
  return { files, mirrors };
};

type MirrorRow = { id: number; count: number; bytes: number };

export const prepareDownloadStatements = (db: Database.Database) => ({
  addFileDay: db.prepare<[FileCell]>(
    `INSERT INTO file_downloads_daily (day, path, count) VALUES (@period, @path, @count)
     ON CONFLICT (day, path) DO UPDATE SET count = count + excluded.count`,
  ),
  addFile: db.prepare<[FileCell]>(
    `INSERT INTO file_downloads (period, path, count) VALUES (@period, @path, @count)
     ON CONFLICT (period, path) DO UPDATE SET count = count + excluded.count`,
  ),
  addMirrorDay: db.prepare<[MirrorCell]>(
    `INSERT INTO mirror_downloads_daily (day, mirror_id, count, bytes) VALUES (@period, @id, @count, @bytes)
     ON CONFLICT (day, mirror_id) DO UPDATE SET count = count + excluded.count, bytes = bytes + excluded.bytes`,
  ),
  addMirror: db.prepare<[MirrorCell]>(
    `INSERT INTO mirror_downloads (period, mirror_id, count, bytes) VALUES (@period, @id, @count, @bytes)
     ON CONFLICT (period, mirror_id) DO UPDATE SET count = count + excluded.count, bytes = bytes + excluded.bytes`,
  ),
  fileDay: db.prepare<[string, string], { count: number }>('SELECT count FROM file_downloads_daily WHERE day = ? AND path = ?'),
  file: db.prepare<[string, string], { count: number }>('SELECT count FROM file_downloads WHERE period = ? AND path = ?'),
  filesBetween: db.prepare<[string, string], { path: string; count: number }>(
    'SELECT path, sum(count) AS count FROM file_downloads_daily WHERE day BETWEEN ? AND ? GROUP BY path',
  ),
  mirrorsBetween: db.prepare<[string, string], MirrorRow>(
    `SELECT mirror_id AS id, sum(count) AS count, sum(bytes) AS bytes FROM mirror_downloads_daily
     WHERE day BETWEEN ? AND ? GROUP BY mirror_id`,
  ),
  mirrorsDay: db.prepare<[string], MirrorRow>('SELECT mirror_id AS id, count, bytes FROM mirror_downloads_daily WHERE day = ?'),
  mirrors: db.prepare<[string], MirrorRow>('SELECT mirror_id AS id, count, bytes FROM mirror_downloads WHERE period = ?'),
  // Every download is counted for exactly one mirror (0 for fallbacks), so the mirror counters hold the daily totals.
  daily: db.prepare<[string, string], { day: string; count: number; bytes: number }>(
    `SELECT day, sum(count) AS count, sum(bytes) AS bytes FROM mirror_downloads_daily
     WHERE day BETWEEN ? AND ? GROUP BY day ORDER BY day`,
  ),
  pruneFiles: db.prepare<[string]>('DELETE FROM file_downloads_daily WHERE day < ?'),
  pruneMirrors: db.prepare<[string]>('DELETE FROM mirror_downloads_daily WHERE day < ?'),
});

export type DownloadStatements = ReturnType<typeof prepareDownloadStatements>;

/** Writes a checked batch; the caller runs it inside one transaction. */
export const writeDownloads = (sql: DownloadStatements, batch: readonly DownloadCount[]): void => {
  const { files, mirrors } = fold(batch);
  for (const cell of files.values()) (isDaily(cell.period) ? sql.addFileDay : sql.addFile).run(cell);
  for (const cell of mirrors.values()) (isDaily(cell.period) ? sql.addMirrorDay : sql.addMirror).run(cell);
};

export const readFileDownloads = (sql: DownloadStatements, path: string, periods: readonly string[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const period of periods) {
    const row = (isDaily(period) ? sql.fileDay : sql.file).get(period, path);
    counts[period] = row?.count ?? 0;
  }
  return counts;
};

export const toMirrorMap = (rows: readonly MirrorRow[]): Map<number, MirrorDownloads> =>
  new Map(rows.map(({ id, count, bytes }) => [id, { count, bytes }]));

export const readMirrorDownloads = (sql: DownloadStatements, period: string): Map<number, MirrorDownloads> =>
  toMirrorMap((isDaily(period) ? sql.mirrorsDay : sql.mirrors).all(period));

export const pruneDays = (sql: DownloadStatements, before: string): number =>
  sql.pruneFiles.run(before).changes + sql.pruneMirrors.run(before).changes;
