// The SQLite store: the shared contract on temporary files, plus what only a SQLite file can show.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { tempDir } from '../../../test/support/paths.js';
import { defaultSettings, initialState } from '../../mirrors/mirror.js';
import { runStoreContract, type StoreFixture } from '../contract.js';
import { StoreError, type Store, type StoreEvent } from '../store.js';
import { decodeHoldings } from '../holdings.js';
import { mirrorColumns, toRow } from './mirror-rows.js';
import { SCHEMA_VERSION, migrateFrom } from './schema.js';
import { openSqliteStore } from './sqlite-store.js';

const root = tempDir('signpost-sqlite-');
after(() => root.remove());

let counter = 0;
/** A path for a new database, in a directory that does not exist yet. */
const newDatabasePath = (): string => join(root.path, `case-${++counter}`, 'data', 'signpost.db');

runStoreContract('sqlite', async (): Promise<StoreFixture> => {
  const file = newDatabasePath();
  const handles: Store[] = [];
  const reopen = async (): Promise<Store> => {
    const store = await openSqliteStore(file);
    handles.push(store);
    return store;
  };
  const store = await reopen();
  return {
    store,
    reopen,
    cleanup: async () => {
      for (const handle of handles) await handle.close();
    },
  };
});

/** Opens, runs `test`, closes. */
const withStore = async (file: string, test: (store: Store) => Promise<void>): Promise<void> => {
  const store = await openSqliteStore(file);
  try {
    await test(store);
  } finally {
    await store.close();
  }
};

/** Asserts that `promise` rejects with a StoreError whose message holds every one of `parts`. */
const rejectsNaming = (promise: Promise<unknown>, ...parts: string[]) =>
  assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof StoreError, `${String(err)} is a StoreError`);
    for (const part of parts) assert.ok(err.message.includes(part), `"${err.message}" names ${part}`);
    return true;
  });

const plain = (name: string) => ({ ...defaultSettings(), name, httpURL: `${name}.example.net/` });

describe('SQLite store', () => {
  it('creates its directory, turns WAL on and records its schema version', async () => {
    const file = newDatabasePath();
    await withStore(file, async (store) => {
      assert.equal(await store.schemaVersion(), SCHEMA_VERSION);
      const raw = new Database(file, { readonly: true });
      try {
        assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
        assert.deepEqual(raw.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get(), { value: String(SCHEMA_VERSION) });
      } finally {
        raw.close();
      }
    });
  });

  it('refuses a file whose schema is newer than the code, naming the file and both versions', async () => {
    const file = newDatabasePath();
    await withStore(file, async () => {});
    const newer = SCHEMA_VERSION + 6;
    const raw = new Database(file);
    raw.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(newer));
    raw.close();

    await rejectsNaming(
      openSqliteStore(file),
      `${file}: schema version ${newer} is newer than this Signpost understands (${SCHEMA_VERSION}); upgrade Signpost`,
    );
    const check = new Database(file, { readonly: true });
    assert.deepEqual(check.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get(), { value: String(newer) }, 'the file is left as it was');
    check.close();
  });

  it('refuses a file with an unreadable schema version', async () => {
    const file = newDatabasePath();
    await withStore(file, async () => {});
    const raw = new Database(file);
    raw.prepare("UPDATE meta SET value = 'two' WHERE key = 'schema_version'").run();
    raw.close();
    await rejectsNaming(openSqliteStore(file), file, 'two');
  });

  it('refuses a file that is not a SQLite database, leaving it untouched', async () => {
    const file = newDatabasePath();
    mkdirSync(join(file, '..'), { recursive: true });
    const garbage = 'these are not the bytes of a SQLite database\n'.repeat(100);
    writeFileSync(file, garbage);
    await rejectsNaming(openSqliteStore(file), file);
    assert.equal(readFileSync(file, 'utf8'), garbage);
  });

  it('refuses a SQLite database that is not a Signpost store', async () => {
    const file = newDatabasePath();
    mkdirSync(join(file, '..'), { recursive: true });
    const raw = new Database(file);
    raw.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY)');
    raw.close();
    await rejectsNaming(openSqliteStore(file), file, 'not a Signpost store');
  });

  it('names the file when its directory cannot be created', async () => {
    const blocker = join(root.path, `blocker-${++counter}`);
    writeFileSync(blocker, 'a file where a directory should be');
    const file = join(blocker, 'data', 'signpost.db');
    await rejectsNaming(openSqliteStore(file), file);
  });

  it('shares events between handles opened through different spellings of the same path', async () => {
    const file = newDatabasePath();
    const directory = join(file, '..');
    await withStore(file, async () => {});
    const alias = join(root.path, `alias-${++counter}`);
    symlinkSync(directory, alias);
    const spellings = [file, join(directory, '.', '..', 'data', 'signpost.db'), join(alias, 'signpost.db')];
    const stores = await Promise.all(spellings.map((path) => openSqliteStore(path)));
    try {
      const seen = stores.map(() => [] as StoreEvent[]);
      stores.forEach((store, i) => store.subscribe((event) => seen[i]!.push(event)));
      const mirror = await stores[2]!.addMirror(plain('shared'), initialState(1));
      // SQLite handles publish synchronously, before the write's promise resolves.
      for (const events of seen) assert.deepEqual(events, [{ type: 'mirror', id: mirror.id }]);
    } finally {
      for (const store of stores) await store.close();
    }
  });

  it('keeps events of different files apart', async () => {
    const one = await openSqliteStore(newDatabasePath());
    const two = await openSqliteStore(newDatabasePath());
    try {
      const seen: StoreEvent[] = [];
      two.subscribe((event) => seen.push(event));
      await one.addMirror(plain('elsewhere'), initialState(1));
      assert.deepEqual(seen, []);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('fails a write blocked by another connection with a StoreError naming the file, keeping nothing of it', async () => {
    const file = newDatabasePath();
    const store = await openSqliteStore(file, { busyTimeoutMs: 50 });
    const blocker = new Database(file);
    try {
      blocker.exec('BEGIN IMMEDIATE');
      await rejectsNaming(store.addMirror(plain('blocked'), initialState(1)), file, 'locked');
      blocker.exec('ROLLBACK');
      assert.deepEqual(await store.listMirrors(), []);
      await store.addMirror(plain('unblocked'), initialState(1));
    } finally {
      blocker.close();
      await store.close();
    }
  });

  it('replaces a listing of 200,000 files and then only its differences', async () => {
    await withStore(newDatabasePath(), async (store) => {
      const { id } = await store.addMirror(plain('huge'), initialState(1));
      const files = Array.from({ length: 200_000 }, (_, i) => ({ path: `/pool/${i.toString(36).padStart(4, '0')}/file-${i}.deb`, size: i, mtimeMs: 1e12 + i }));
      const indexed = files.map((f) => ({ ...f, sha1: '', sha256: '', md5: '' }));
      await store.replaceFiles([...indexed, { path: '/pool/new.deb', size: 1, mtimeMs: 0, sha1: '', sha256: '', md5: '' }], []);
      assert.deepEqual(await store.replaceMirrorFiles(id, files), { total: 200_000, added: 200_000, changed: 0, removed: 0 });
      const next = files.slice(1000).map((file, i) => (i < 500 ? { ...file, size: file.size + 1 } : file));
      next.push({ path: '/pool/new.deb', size: 1, mtimeMs: 0 });
      assert.deepEqual(await store.replaceMirrorFiles(id, next), { total: 199_001, added: 1, changed: 500, removed: 1000 });
      assert.equal((await store.listMirrorFiles(id)).length, 199_001);
    });
  });

  it('brings a version 2 file up to date, keeping its data and adding the statistics tables', async () => {
    const file = newDatabasePath();
    mkdirSync(join(file, '..'), { recursive: true });
    // What the release before statistics wrote: the steps up to version 2, and one mirror.
    const raw = new Database(file);
    migrateFrom(raw, file, 0, 2);
    raw.exec("INSERT INTO meta (key, value) VALUES ('schema_version', '2')");
    const row = toRow({ ...plain('older'), ...initialState(1) });
    raw.prepare(`INSERT INTO mirrors (${mirrorColumns.join(', ')}) VALUES (${mirrorColumns.map((c) => `@${c}`).join(', ')})`).run(row);
    raw.close();
    await withStore(file, async (store) => {
      assert.equal(await store.schemaVersion(), SCHEMA_VERSION);
      const [mirror] = await store.listMirrors();
      assert.equal(mirror?.name, 'older');
      await store.addDownloads([{ day: '2024-05-07', path: '/a', mirrorId: mirror!.id, count: 1, bytes: 5 }]);
      assert.deepEqual(await store.fileDownloads('/a', ['']), { '': 1 });
    });
  });

  it('keeps the statistics of a version 3 file through the later migrations', async () => {
    const file = newDatabasePath();
    mkdirSync(join(file, '..'), { recursive: true });
    const raw = new Database(file);
    migrateFrom(raw, file, 0, 3);
    raw.exec(`
      INSERT INTO meta (key, value) VALUES ('schema_version', '3');
      INSERT INTO file_downloads_daily VALUES ('2024-05-06', '/a', 2), ('2024-05-07', '/a', 3);
      INSERT INTO file_downloads VALUES ('2024-05', '/a', 5), ('2024', '/a', 5), ('', '/a', 5);
      INSERT INTO mirror_downloads_daily VALUES ('2024-05-06', 1, 2, 20), ('2024-05-07', 1, 3, 30);
      INSERT INTO mirror_downloads VALUES ('2024-05', 1, 5, 50), ('2024', 1, 5, 50), ('', 1, 5, 50);
    `);
    raw.close();
    await withStore(file, async (store) => {
      assert.equal(await store.schemaVersion(), SCHEMA_VERSION);
      const periods = ['2024-05-06', '2024-05-07', '2024-05', '2024', ''];
      assert.deepEqual(await store.fileDownloads('/a', periods), { '2024-05-06': 2, '2024-05-07': 3, '2024-05': 5, '2024': 5, '': 5 });
      for (const period of periods.slice(2)) assert.deepEqual(await store.mirrorDownloads(period), new Map([[1, { count: 5, bytes: 50 }]]));
      await store.addDownloads([{ day: '2024-05-08', path: '/a', mirrorId: 1, count: 1, bytes: 10 }]);
      assert.deepEqual(await store.fileDownloads('/a', ['2024-05', '']), { '2024-05': 6, '': 6 });
    });
  });

  it('turns version 3 rows of mirror files into holdings: exact, differing, and outside the index dropped', async () => {
    const file = newDatabasePath();
    mkdirSync(join(file, '..'), { recursive: true });
    // A version 3 file, as that release wrote it.
    const raw = new Database(file);
    raw.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      INSERT INTO meta VALUES ('schema_version', '3');
      CREATE TABLE files (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ms REAL NOT NULL, sha1 TEXT NOT NULL, sha256 TEXT NOT NULL, md5 TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE links (path TEXT PRIMARY KEY, target TEXT) WITHOUT ROWID;
      CREATE TABLE mirrors (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE COLLATE NOCASE);
      CREATE TABLE mirror_files (mirror_id INTEGER NOT NULL REFERENCES mirrors (id) ON DELETE CASCADE, path TEXT NOT NULL,
        size INTEGER NOT NULL, mtime_ms REAL NOT NULL, PRIMARY KEY (mirror_id, path)) WITHOUT ROWID;
      INSERT INTO files VALUES ('/a', 1, 1000, '', '', ''), ('/b', 2, 2000, '', '', ''), ('/c', 3, 3000, '', '', '');
      INSERT INTO mirrors (id, name) VALUES (7, 'old');
      INSERT INTO mirror_files VALUES (7, '/a', 1, 1000), (7, '/b', 2, 1500), (7, '/gone', 9, 9000);
    `);
    // Only what migration 4 reads matters here; the steps of 2 and 3 need the rest of a version 3 mirrors table.
    migrateFrom(raw, file, 3, 4);
    assert.deepEqual(raw.prepare('SELECT path, id FROM files ORDER BY path').all(), [
      { path: '/a', id: 0 },
      { path: '/b', id: 1 },
      { path: '/c', id: 2 },
    ]);
    const row = raw.prepare<[], { bits: Buffer; diffs: Buffer }>('SELECT bits, diffs FROM holdings WHERE mirror_id = 7').get()!;
    const held = decodeHoldings(row.bits, row.diffs);
    assert.deepEqual([...held.bits], [0b001]);
    assert.deepEqual([...held.diffIds], [1]);
    assert.deepEqual([held.diffSizes[0], held.diffMtimes[0]], [2, 1500]);
    assert.deepEqual(raw.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'mirror_files'").get(), { n: 0 });
    raw.close();
  });

  it('answers ranges of days and prunes through the primary key on the day, without a full scan', async () => {
    const file = newDatabasePath();
    await withStore(file, async () => {});
    const raw = new Database(file, { readonly: true });
    try {
      const plan = (sql: string, ...params: string[]): string =>
        raw
          .prepare<string[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
          .all(...params)
          .map((row) => row.detail)
          .join('; ');
      const ranged = [
        ['file_downloads_daily', 'SELECT path, sum(count) FROM file_downloads_daily WHERE day BETWEEN ? AND ? GROUP BY path'],
        ['mirror_downloads_daily', 'SELECT mirror_id, sum(count), sum(bytes) FROM mirror_downloads_daily WHERE day BETWEEN ? AND ? GROUP BY mirror_id'],
        ['mirror_downloads_daily', 'SELECT day, sum(count), sum(bytes) FROM mirror_downloads_daily WHERE day BETWEEN ? AND ? GROUP BY day ORDER BY day'],
      ];
      for (const [table, sql] of ranged) {
        assert.match(plan(sql!, '2024-05-01', '2024-05-31'), new RegExp(`SEARCH ${table} USING PRIMARY KEY \\(day>\\? AND day<\\?\\)`), sql);
      }
      assert.match(plan('SELECT count FROM file_downloads WHERE period = ? AND path = ?', '2024', '/a'), /SEARCH file_downloads USING PRIMARY KEY \(period=\? AND path=\?\)/);
      assert.doesNotMatch(plan('SELECT day, sum(count) FROM mirror_downloads_daily WHERE day BETWEEN ? AND ? GROUP BY day ORDER BY day', 'a', 'b'), /TEMP B-TREE/);
    } finally {
      raw.close();
    }
  });

  it('adds a batch of 10,000 download lines quickly, and exactly', async () => {
    await withStore(newDatabasePath(), async (store) => {
      const batch = Array.from({ length: 10_000 }, (_, i) => ({
        day: `2024-05-${String(1 + (i % 28)).padStart(2, '0')}`,
        path: `/pool/${i % 2000}/file.deb`,
        mirrorId: i % 40,
        count: 1 + (i % 3),
        bytes: 1000 * i,
      }));
      const started = performance.now();
      await store.addDownloads(batch);
      await store.addDownloads(batch);
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 1500, `two batches of 10,000 lines took ${Math.round(elapsed)} ms`);
      const total = batch.reduce((sum, line) => sum + line.count, 0) * 2;
      const mirrors = await store.mirrorDownloads('');
      assert.equal(mirrors.size, 40);
      assert.equal([...mirrors.values()].reduce((sum, m) => sum + m.count, 0), total);
      assert.equal([...mirrors.values()].reduce((sum, m) => sum + m.bytes, 0), 2 * 1000 * ((9999 * 10_000) / 2));
      const files = await store.fileDownloadsBetween('2024-05-01', '2024-05-31');
      assert.equal(files.size, 2000);
      assert.equal([...files.values()].reduce((sum, n) => sum + n, 0), total);
      assert.deepEqual(await store.dailyDownloads('2024-05-01', '2024-05-31').then((days) => days.length), 28);
    });
  });
});
