// Download statistics in SQLite: checking a batch, folding it into one upsert per daily counter, rolling finished
// days up into their months, years and the total, and the queries.
import type Database from 'better-sqlite3';
import { DAY_MS, isDay, isPeriod, periodsOf, utcDay } from '../../stats/day.js';
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

/*
 * A flush writes only daily rows (file_downloads_daily, mirror_downloads_daily). The month, year and total rows
 * (file_downloads, mirror_downloads) hold the days before a marker, the meta row `stats_rolled_up_before`
 * ('' = none): a month, year or total is its rolled-up row plus the daily rows of the days from the marker on.
 * A write moves the marker to the day before the newest day it writes, rolling up the days it passes, so that
 * only yesterday and today are summed at read time; a late line, of a day before the marker, goes into both.
 * Rolled-up days keep their daily rows (for the daily readers) until pruned.
 */

const MARKER = `coalesce((SELECT value FROM meta WHERE key = 'stats_rolled_up_before'), '')`;

/** The periods a day is rolled up into, as the widths of the prefix of the day: its month, its year, '' (all time). */
const WIDTHS = '(SELECT 7 AS width UNION ALL SELECT 4 UNION ALL SELECT 0)';

/** The newest day with daily rows, or NULL. */
const NEWEST = '(SELECT max(day) FROM (SELECT max(day) AS day FROM file_downloads_daily UNION ALL SELECT max(day) FROM mirror_downloads_daily))';

/** True until the marker exists: a file already written by this code (before the step was numbered) is left alone. */
const UNMARKED = "NOT EXISTS (SELECT 1 FROM meta WHERE key = 'stats_rolled_up_before')";

/**
 * Schema step for the roll-up, to be appended to the migrations in schema.ts. Files before it counted every day
 * in the months, years and totals as it was written: the days before the newest one stay counted there (the
 * marker is set to the newest day), and the newest day is taken out of them, as it is summed at read time from
 * now on. Rows left at zero go, as a file or mirror with no downloads in a period has no row.
 */
export const STATS_ROLLUP_MIGRATION = `
  UPDATE file_downloads SET count = file_downloads.count - live.count
  FROM (
    SELECT substr(day, 1, width) AS period, path, sum(count) AS count FROM file_downloads_daily, ${WIDTHS}
    WHERE day >= ${NEWEST} AND ${UNMARKED} GROUP BY 1, 2
  ) AS live
  WHERE file_downloads.period = live.period AND file_downloads.path = live.path;
  DELETE FROM file_downloads WHERE count <= 0;

  UPDATE mirror_downloads SET count = mirror_downloads.count - live.count, bytes = mirror_downloads.bytes - live.bytes
  FROM (
    SELECT substr(day, 1, width) AS period, mirror_id, sum(count) AS count, sum(bytes) AS bytes FROM mirror_downloads_daily, ${WIDTHS}
    WHERE day >= ${NEWEST} AND ${UNMARKED} GROUP BY 1, 2
  ) AS live
  WHERE mirror_downloads.period = live.period AND mirror_downloads.mirror_id = live.mirror_id;
  DELETE FROM mirror_downloads WHERE count <= 0;

  INSERT INTO meta (key, value) SELECT 'stats_rolled_up_before', coalesce(${NEWEST}, '') WHERE ${UNMARKED};
`;

const isDaily = (period: string): boolean => period.length === 10;

type Range = { period: string; from: string; until: string };

/** The days a month, year or '' (all time) covers, as a key range: YYYY-MM ≤ YYYY-MM-DD < YYYY-MM~. */
const daysOf = (period: string): Range => ({ period, from: period, until: `${period}~` });

const dayBefore = (day: string): string => utcDay(Date.parse(`${day}T00:00:00Z`) - DAY_MS);

type FileCell = { period: string; path: string; count: number };
type MirrorCell = { period: string; id: number; count: number; bytes: number };

/**
 * Sums the batch per counter first: a flush repeats a day and path once per mirror, a day and mirror once per
 * file. Lines of days before `rolledUpBefore` also count towards their month, year and total.
 */
const fold = (batch: readonly DownloadCount[], rolledUpBefore: string) => {
  const files = new Map<string, FileCell>();
  const mirrors = new Map<string, MirrorCell>();
  for (const { day, path, mirrorId, count, bytes } of batch) {
    for (const period of day < rolledUpBefore ? periodsOf(day) : [day]) {
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
  rolledUpBefore: db.prepare<[], { day: string }>(`SELECT ${MARKER} AS day`),
  setRolledUpBefore: db.prepare<[string]>(
    "INSERT INTO meta (key, value) VALUES ('stats_rolled_up_before', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  ),
  rollUpFiles: db.prepare<[{ from: string; until: string }]>(
    `INSERT INTO file_downloads (period, path, count)
     SELECT substr(day, 1, width), path, sum(count) FROM file_downloads_daily, ${WIDTHS}
     WHERE day >= @from AND day < @until GROUP BY 1, 2
     ON CONFLICT (period, path) DO UPDATE SET count = count + excluded.count`,
  ),
  rollUpMirrors: db.prepare<[{ from: string; until: string }]>(
    `INSERT INTO mirror_downloads (period, mirror_id, count, bytes)
     SELECT substr(day, 1, width), mirror_id, sum(count), sum(bytes) FROM mirror_downloads_daily, ${WIDTHS}
     WHERE day >= @from AND day < @until GROUP BY 1, 2
     ON CONFLICT (period, mirror_id) DO UPDATE SET count = count + excluded.count, bytes = bytes + excluded.bytes`,
  ),
  fileDay: db.prepare<[string, string], { count: number }>('SELECT count FROM file_downloads_daily WHERE day = ? AND path = ?'),
  // The marker is read in the statement, so that one snapshot answers: a roll-up committed by another connection
  // in between would otherwise count its days twice or not at all. The days not rolled up are a handful: they
  // are found by skipping along the primary key, each then looked up with the path.
  file: db.prepare<[Range & { path: string }], { count: number }>(
    `WITH RECURSIVE live (day) AS (
       SELECT min(day) FROM file_downloads_daily WHERE day >= max(@from, ${MARKER}) AND day < @until
       UNION ALL
       SELECT (SELECT min(day) FROM file_downloads_daily WHERE day > live.day AND day < @until) FROM live WHERE live.day IS NOT NULL
     )
     SELECT coalesce((SELECT count FROM file_downloads WHERE period = @period AND path = @path), 0)
       + coalesce((SELECT sum(f.count) FROM live JOIN file_downloads_daily AS f ON f.day = live.day AND f.path = @path), 0) AS count`,
  ),
  filesBetween: db.prepare<[string, string], { path: string; count: number }>(
    'SELECT path, sum(count) AS count FROM file_downloads_daily WHERE day BETWEEN ? AND ? GROUP BY path',
  ),
  mirrorsBetween: db.prepare<[string, string], MirrorRow>(
    `SELECT mirror_id AS id, sum(count) AS count, sum(bytes) AS bytes FROM mirror_downloads_daily
     WHERE day BETWEEN ? AND ? GROUP BY mirror_id`,
  ),
  mirrorsDay: db.prepare<[string], MirrorRow>('SELECT mirror_id AS id, count, bytes FROM mirror_downloads_daily WHERE day = ?'),
  mirrors: db.prepare<[Range], MirrorRow>(
    `SELECT id, sum(count) AS count, sum(bytes) AS bytes FROM (
       SELECT mirror_id AS id, count, bytes FROM mirror_downloads WHERE period = @period
       UNION ALL
       SELECT mirror_id, count, bytes FROM mirror_downloads_daily WHERE day >= max(@from, ${MARKER}) AND day < @until)
     GROUP BY id`,
  ),
  // Every download is counted for exactly one mirror (0 for fallbacks), so the mirror counters hold the daily totals.
  daily: db.prepare<[string, string], { day: string; count: number; bytes: number }>(
    `SELECT day, sum(count) AS count, sum(bytes) AS bytes FROM mirror_downloads_daily
     WHERE day BETWEEN ? AND ? GROUP BY day ORDER BY day`,
  ),
  pruneFiles: db.prepare<[string]>('DELETE FROM file_downloads_daily WHERE day < ?'),
  pruneMirrors: db.prepare<[string]>('DELETE FROM mirror_downloads_daily WHERE day < ?'),
});

export type DownloadStatements = ReturnType<typeof prepareDownloadStatements>;

/** Rolls the days from the marker to `until` (excluded) up, if it is ahead of the marker; returns the marker. */
const rollUpTo = (sql: DownloadStatements, until: string): string => {
  const from = sql.rolledUpBefore.get()!.day;
  if (until <= from) return from;
  sql.rollUpFiles.run({ from, until });
  sql.rollUpMirrors.run({ from, until });
  sql.setRolledUpBefore.run(until);
  return until;
};

/**
 * Writes a checked batch; the caller runs it inside one transaction. The day before the newest of the
 * batch is taken as finished: when a day starts, the first flush rolls up the day before yesterday.
 */
export const writeDownloads = (sql: DownloadStatements, batch: readonly DownloadCount[]): void => {
  if (batch.length === 0) return; // no newest day to move the marker by
  const newest = batch.reduce((day, line) => (line.day > day ? line.day : day), '');
  const { files, mirrors } = fold(batch, rollUpTo(sql, dayBefore(newest)));
  for (const cell of files.values()) (isDaily(cell.period) ? sql.addFileDay : sql.addFile).run(cell);
  for (const cell of mirrors.values()) (isDaily(cell.period) ? sql.addMirrorDay : sql.addMirror).run(cell);
};

export const readFileDownloads = (sql: DownloadStatements, path: string, periods: readonly string[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const period of periods) {
    counts[period] = isDaily(period) ? (sql.fileDay.get(period, path)?.count ?? 0) : sql.file.get({ ...daysOf(period), path })!.count;
  }
  return counts;
};

export const toMirrorMap = (rows: readonly MirrorRow[]): Map<number, MirrorDownloads> =>
  new Map(rows.map(({ id, count, bytes }) => [id, { count, bytes }]));

export const readMirrorDownloads = (sql: DownloadStatements, period: string): Map<number, MirrorDownloads> =>
  toMirrorMap(isDaily(period) ? sql.mirrorsDay.all(period) : sql.mirrors.all(daysOf(period)));

/** Deletes the daily rows before `before`, rolling up first those not yet; the caller runs it inside one transaction. */
export const pruneDays = (sql: DownloadStatements, before: string): number => {
  rollUpTo(sql, before);
  return sql.pruneFiles.run(before).changes + sql.pruneMirrors.run(before).changes;
};
