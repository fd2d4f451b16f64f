// The SQLite schema as an ordered list of migrations, and the check that brings a file up to date or refuses it.
import type BetterSqlite3 from 'better-sqlite3';
import { HoldingsBuilder, encodeDiffs } from '../holdings.js';
import { StoreError } from '../store.js';
import { STATS_ROLLUP_MIGRATION } from './downloads.js';

/** A step is SQL, or a function when rows must be rewritten in ways SQL cannot express. */
type Migration = string | ((db: BetterSqlite3.Database) => void);

/**
 * Migration i takes a file from version i to version i + 1. Append only: a released step never changes,
 * because files out there were built by it.
 */
const migrations: readonly Migration[] = [
  `
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ms REAL NOT NULL,
    sha1 TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    md5 TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE links (
    path TEXT PRIMARY KEY,
    target TEXT
  ) WITHOUT ROWID;

  -- AUTOINCREMENT so that the id of a removed mirror is never given to another one.
  CREATE TABLE mirrors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    http_url TEXT NOT NULL,
    rsync_url TEXT NOT NULL,
    ftp_url TEXT NOT NULL,
    sponsor_name TEXT NOT NULL,
    sponsor_url TEXT NOT NULL,
    sponsor_logo_url TEXT NOT NULL,
    admin_name TEXT NOT NULL,
    admin_email TEXT NOT NULL,
    custom_data TEXT NOT NULL,
    comment TEXT NOT NULL,
    continent_only INTEGER NOT NULL,
    country_only INTEGER NOT NULL,
    as_only INTEGER NOT NULL,
    score REAL NOT NULL,
    latitude REAL NOT NULL,
    longitude REAL NOT NULL,
    continent_code TEXT NOT NULL,
    country_codes TEXT NOT NULL,
    excluded_country_codes TEXT NOT NULL,
    asnum INTEGER NOT NULL,
    enabled INTEGER NOT NULL,
    allow_redirects TEXT NOT NULL,
    http_up INTEGER NOT NULL,
    https_up INTEGER NOT NULL,
    http_down_reason TEXT NOT NULL,
    https_down_reason TEXT NOT NULL,
    state_since INTEGER NOT NULL,
    tz_offset_ms INTEGER NOT NULL,
    last_sync INTEGER NOT NULL,
    last_successful_sync INTEGER NOT NULL,
    last_successful_sync_protocol TEXT NOT NULL,
    last_successful_sync_precision_ms INTEGER NOT NULL,
    last_mod_time INTEGER NOT NULL,
    files_known INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );

  CREATE TABLE mirror_files (
    mirror_id INTEGER NOT NULL REFERENCES mirrors (id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ms REAL NOT NULL,
    PRIMARY KEY (mirror_id, path)
  ) WITHOUT ROWID;

  CREATE TABLE logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    mirror_id INTEGER NOT NULL REFERENCES mirrors (id) ON DELETE CASCADE,
    time INTEGER NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL
  );
  CREATE INDEX logs_by_mirror ON logs (mirror_id, id);
  `,
  // 2: freshness (trace lag, sync in progress) and scan failure counts.
  `
  ALTER TABLE mirrors ADD COLUMN trace_lag_ms INTEGER NOT NULL DEFAULT -1;
  ALTER TABLE mirrors ADD COLUMN syncing INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE mirrors ADD COLUMN scan_failures INTEGER NOT NULL DEFAULT 0;
  `,
  // 3: download statistics. Days live apart from months, years and the total (period ''), keyed by day first,
  // so that a range of days is one key range and pruning one range delete. No foreign key to mirrors: the
  // statistics of a removed mirror are kept, and mirror 0 (fallbacks) has no row there.
  `
  CREATE TABLE file_downloads_daily (
    day TEXT NOT NULL,
    path TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (day, path)
  ) WITHOUT ROWID;

  CREATE TABLE file_downloads (
    period TEXT NOT NULL,
    path TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (period, path)
  ) WITHOUT ROWID;

  CREATE TABLE mirror_downloads_daily (
    day TEXT NOT NULL,
    mirror_id INTEGER NOT NULL,
    count INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    PRIMARY KEY (day, mirror_id)
  ) WITHOUT ROWID;

  CREATE TABLE mirror_downloads (
    period TEXT NOT NULL,
    mirror_id INTEGER NOT NULL,
    count INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    PRIMARY KEY (period, mirror_id)
  ) WITHOUT ROWID;
  `,
  // 4: compact holdings. One row per (mirror, file) cannot hold a million files times hundreds of mirrors; each
  // file gets a stable id, and each mirror one row: a bitset of exact copies and a blob of differing ones.
  (db) => {
    db.exec(`
      CREATE TABLE files_v4 (
        path TEXT PRIMARY KEY,
        id INTEGER NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        mtime_ms REAL NOT NULL,
        sha1 TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        md5 TEXT NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO files_v4 (path, id, size, mtime_ms, sha1, sha256, md5)
        SELECT path, row_number() OVER (ORDER BY path) - 1, size, mtime_ms, sha1, sha256, md5 FROM files;
      DROP TABLE files;
      ALTER TABLE files_v4 RENAME TO files;
      INSERT INTO meta (key, value) VALUES ('next_file_id', (SELECT count(*) FROM files));
      CREATE TABLE holdings (
        mirror_id INTEGER PRIMARY KEY REFERENCES mirrors (id) ON DELETE CASCADE,
        bits BLOB NOT NULL,
        diffs BLOB NOT NULL
      );
    `);
    const insert = db.prepare<[number, Uint8Array, Buffer]>('INSERT INTO holdings (mirror_id, bits, diffs) VALUES (?, ?, ?)');
    const rows = db.prepare<[number], { id: number; same: number; size: number; mtime: number }>(
      `SELECT f.id, (m.size = f.size AND m.mtime_ms = f.mtime_ms) AS same, m.size, m.mtime_ms AS mtime
       FROM mirror_files m JOIN files f ON f.path = m.path WHERE m.mirror_id = ?`,
    );
    for (const { id } of db.prepare<[], { id: number }>('SELECT id FROM mirrors').all()) {
      const edit = new HoldingsBuilder();
      for (const row of rows.iterate(id)) {
        if (row.same) edit.setExact(row.id);
        else edit.setDiffering(row.id, row.size, row.mtime);
      }
      const holdings = edit.build();
      insert.run(id, holdings.bits, encodeDiffs(holdings));
    }
    db.exec('DROP TABLE mirror_files');
  },
  // 5: statistics rolled up as days finish (see downloads.ts): a flush writes daily rows only.
  STATS_ROLLUP_MIGRATION,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = migrations.length;

const hasTable = (db: BetterSqlite3.Database, name: string): boolean =>
  db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?").get(name)!.n > 0;

/** The version recorded in `file`: 0 for an empty database. Refuses a database that is not a Signpost store. */
export const readSchemaVersion = (db: BetterSqlite3.Database, file: string): number => {
  if (!hasTable(db, 'meta')) {
    const tables = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").get()!.n;
    if (tables > 0) throw new StoreError(`${file}: this SQLite database is not a Signpost store (it has tables but no schema version)`);
    return 0;
  }
  const row = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").get();
  const version = row === undefined ? NaN : Number(row.value);
  if (!Number.isInteger(version) || version < 1) {
    throw new StoreError(`${file}: the schema version recorded in the database (${row?.value ?? 'none'}) is not valid`);
  }
  return version;
};

/** Runs the steps from version `from` to version `to` on `db`, without a transaction or the recorded version (for tests of one step). */
export const migrateFrom = (db: BetterSqlite3.Database, _file: string, from: number, to: number): void => {
  for (const step of migrations.slice(from, to)) {
    if (typeof step === 'string') db.exec(step);
    else step(db);
  }
};

/** Brings the file to SCHEMA_VERSION, all steps in one transaction; refuses a file newer than this code. */
export const migrate = (db: BetterSqlite3.Database, file: string): void => {
  // IMMEDIATE takes the write lock before reading the version, so two processes opening a new file cannot both migrate it.
  db.transaction(() => {
    const current = readSchemaVersion(db, file);
    if (current > SCHEMA_VERSION) {
      throw new StoreError(`${file}: schema version ${current} is newer than this Signpost understands (${SCHEMA_VERSION}); upgrade Signpost`);
    }
    if (current === SCHEMA_VERSION) return;
    migrateFrom(db, file, current, SCHEMA_VERSION);
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(
      String(SCHEMA_VERSION),
    );
  }).immediate();
};
