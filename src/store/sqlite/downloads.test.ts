// Statistics in SQLite: daily rows written per flush, months, years and totals rolled up as days finish, checked
// against naive sums; and the schema step that brings files of the earlier layout over.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { tempDir } from '../../../test/support/paths.js';
import type { DownloadCount, MirrorDownloads, Store } from '../store.js';
import {
  STATS_ROLLUP_MIGRATION,
  prepareDownloadStatements,
  pruneDays,
  readFileDownloads,
  readMirrorDownloads,
  writeDownloads,
  type DownloadStatements,
} from './downloads.js';
import { openSqliteStore } from './sqlite-store.js';

const root = tempDir('signpost-downloads-');
after(() => root.remove());
let counter = 0;
const newDatabasePath = (): string => join(root.path, `case-${++counter}.db`);

const line = (day: string, path: string, mirrorId: number, count: number, bytes: number): DownloadCount => ({ day, path, mirrorId, count, bytes });

const PATHS = ['/a.iso', '/b/c d.bin', '/z'];
const MIRRORS = [0, 1, 2];
/** Across a month, a year and a leap day, so that periods span rolled-up and live days. */
const DAYS = ['2023-12-30', '2023-12-31', '2024-01-01', '2024-01-02', '2024-01-31', '2024-02-01', '2024-02-28', '2024-02-29', '2024-03-01', '2025-01-01'];
const PERIODS = ['', '2023', '2024', '2025', '2023-12', '2024-01', '2024-02', '2024-03', '2025-01', ...DAYS];

/**
 * What a store must answer, kept naively: every line ever added (months, years, totals), and the daily
 * counters, which a prune deletes and a later line of a pruned day brings back.
 */
class Model {
  readonly lines: DownloadCount[] = [];
  readonly fileDays = new Map<string, number>();
  readonly mirrorDays = new Map<string, MirrorDownloads>();

  add(batch: readonly DownloadCount[]): void {
    for (const l of batch) {
      this.lines.push(l);
      const fileKey = `${l.day} ${l.path}`;
      this.fileDays.set(fileKey, (this.fileDays.get(fileKey) ?? 0) + l.count);
      const mirrorKey = `${l.day} ${l.mirrorId}`;
      const m = this.mirrorDays.get(mirrorKey) ?? { count: 0, bytes: 0 };
      this.mirrorDays.set(mirrorKey, { count: m.count + l.count, bytes: m.bytes + l.bytes });
    }
  }

  prune(before: string): number {
    let deleted = 0;
    for (const days of [this.fileDays, this.mirrorDays]) {
      for (const key of days.keys()) {
        if (key.slice(0, 10) < before) {
          days.delete(key);
          deleted++;
        }
      }
    }
    return deleted;
  }

  file(path: string, period: string): number {
    if (period.length === 10) return this.fileDays.get(`${period} ${path}`) ?? 0;
    return this.lines.filter((l) => l.path === path && l.day.startsWith(period)).reduce((sum, l) => sum + l.count, 0);
  }

  mirrors(period: string): [number, MirrorDownloads][] {
    const sums = new Map<number, MirrorDownloads>();
    const add = (id: number, count: number, bytes: number) => {
      const m = sums.get(id) ?? { count: 0, bytes: 0 };
      sums.set(id, { count: m.count + count, bytes: m.bytes + bytes });
    };
    if (period.length === 10) {
      for (const [key, m] of this.mirrorDays) if (key.startsWith(`${period} `)) add(Number(key.slice(11)), m.count, m.bytes);
    } else {
      for (const l of this.lines) if (l.day.startsWith(period)) add(l.mirrorId, l.count, l.bytes);
    }
    return sorted(sums);
  }

  filesBetween(from: string, to: string): [string, number][] {
    const sums = new Map<string, number>();
    for (const [key, count] of this.fileDays) {
      const day = key.slice(0, 10);
      if (day >= from && day <= to) sums.set(key.slice(11), (sums.get(key.slice(11)) ?? 0) + count);
    }
    return sorted(sums);
  }

  daily(from: string, to: string): { day: string; count: number; bytes: number }[] {
    const sums = new Map<string, MirrorDownloads>();
    for (const [key, m] of this.mirrorDays) {
      const day = key.slice(0, 10);
      if (day < from || day > to) continue;
      const sum = sums.get(day) ?? { count: 0, bytes: 0 };
      sums.set(day, { count: sum.count + m.count, bytes: sum.bytes + m.bytes });
    }
    return sorted(sums).map(([day, m]) => ({ day, ...m }));
  }
}

const sorted = <K, V>(map: Map<K, V>): [K, V][] => [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Every reader of `store` against the model. */
const assertReads = async (store: Store, model: Model, step: string): Promise<void> => {
  for (const path of PATHS) {
    const expected = Object.fromEntries(PERIODS.map((period) => [period, model.file(path, period)]));
    assert.deepEqual(await store.fileDownloads(path, PERIODS), expected, `${step}: ${path}`);
  }
  for (const period of PERIODS) assert.deepEqual(sorted(await store.mirrorDownloads(period)), model.mirrors(period), `${step}: mirrors of '${period}'`);
  for (const [from, to] of [['2000-01-01', '2099-12-31'], ['2024-01-01', '2024-02-29'], ['2024-02-29', '2024-02-29']] as const) {
    assert.deepEqual(sorted(await store.fileDownloadsBetween(from, to)), model.filesBetween(from, to), `${step}: files ${from}..${to}`);
    const mirrors = sorted(await store.mirrorDownloadsBetween(from, to));
    const expected = new Map<number, MirrorDownloads>();
    for (const [key, m] of model.mirrorDays) {
      const day = key.slice(0, 10);
      if (day < from || day > to) continue;
      const id = Number(key.slice(11));
      const sum = expected.get(id) ?? { count: 0, bytes: 0 };
      expected.set(id, { count: sum.count + m.count, bytes: sum.bytes + m.bytes });
    }
    assert.deepEqual(mirrors, sorted(expected), `${step}: mirrors ${from}..${to}`);
    assert.deepEqual(await store.dailyDownloads(from, to), model.daily(from, to), `${step}: daily ${from}..${to}`);
  }
};

/** A small deterministic generator (mulberry32), so that a failing seed can be run again. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
};

const withStore = async (test: (store: Store, file: string) => Promise<void>): Promise<void> => {
  const file = newDatabasePath();
  const store = await openSqliteStore(file);
  try {
    await test(store, file);
  } finally {
    await store.close();
  }
};

describe('SQLite download statistics', () => {
  it('writes only daily rows for the days that are not finished', async () => {
    await withStore(async (store, file) => {
      await store.addDownloads([line('2024-05-07', '/a', 1, 1, 10), line('2024-05-08', '/a', 2, 2, 20), line('2024-05-08', '/b', 2, 3, 30)]);
      const raw = new Database(file, { readonly: true });
      try {
        const count = (table: string) => raw.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()!.n;
        assert.deepEqual(
          ['file_downloads_daily', 'mirror_downloads_daily', 'file_downloads', 'mirror_downloads'].map(count),
          [3, 2, 0, 0],
          'yesterday and today stay daily',
        );
      } finally {
        raw.close();
      }
      assert.deepEqual(await store.fileDownloads('/a', ['2024-05', '']), { '2024-05': 3, '': 3 });
    });
  });

  // Each step: [days of a batch (one line per day, path and mirror), or a prune cutoff].
  const scenarios: [name: string, steps: (string[] | { prune: string })[]][] = [
    ['a month spanning rolled-up days and live ones', [['2024-01-01'], ['2024-01-02'], ['2024-01-31'], ['2024-01-31', '2024-02-01']]],
    ['a late line of a day already rolled up', [['2024-02-01'], ['2024-03-01'], ['2024-01-02'], ['2024-02-29', '2023-12-30']]],
    ['a late line of a day already pruned', [['2024-01-01'], ['2024-02-01'], { prune: '2024-01-31' }, ['2024-01-01'], { prune: '2024-01-31' }]],
    ['a prune past every day written, then more days', [['2024-01-01', '2024-01-02'], { prune: '2025-01-01' }, ['2024-02-28'], ['2025-01-01']]],
    ['a year boundary', [['2023-12-30', '2023-12-31'], ['2024-01-01'], ['2023-12-31'], ['2024-01-02'], { prune: '2024-01-01' }]],
    ['days written newest first', [['2025-01-01'], ['2024-03-01'], ['2024-02-29'], ['2023-12-31']]],
  ];
  for (const [name, steps] of scenarios) {
    it(`answers exactly with ${name}`, async () => {
      await withStore(async (store) => {
        const model = new Model();
        for (const [i, step] of steps.entries()) {
          if (Array.isArray(step)) {
            const batch = step.flatMap((day) => PATHS.flatMap((path, p) => MIRRORS.map((m) => line(day, path, m, 1 + p + m + i, 100 * (m + 1)))));
            await store.addDownloads(batch);
            model.add(batch);
          } else {
            assert.equal(await store.pruneDailyDownloads(step.prune), model.prune(step.prune), `step ${i + 1}: deleted`);
          }
          await assertReads(store, model, `step ${i + 1}`);
        }
      });
    });
  }

  for (const seed of [1, 2, 3, 4]) {
    it(`answers exactly through random batches, late lines and prunes (seed ${seed})`, async () => {
      const next = random(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
      await withStore(async (store) => {
        const model = new Model();
        let today = 0;
        for (let step = 1; step <= 30; step++) {
          if (next() < 0.15) {
            const before = pick(DAYS);
            assert.equal(await store.pruneDailyDownloads(before), model.prune(before), `step ${step}: deleted`);
          } else {
            if (next() < 0.3 && today < DAYS.length - 1) today++;
            // Mostly today and yesterday, sometimes an older day.
            const days = [DAYS[today]!, DAYS[Math.max(0, today - 1)]!, DAYS[Math.floor(next() * (today + 1))]!];
            const batch = Array.from({ length: 1 + Math.floor(next() * 12) }, () =>
              line(pick(days), pick(PATHS), pick(MIRRORS), 1 + Math.floor(next() * 5), Math.floor(next() * 1000)),
            );
            await store.addDownloads(batch);
            model.add(batch);
          }
          await assertReads(store, model, `seed ${seed} step ${step}`);
        }
      });
    });
  }
});

/** The statistics tables of schema version 3 and the meta table, as files of the earlier layout have them. */
const earlierLayout = (): Database.Database => {
  const db = new Database(':memory:');
  db.exec(`
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE file_downloads_daily (day TEXT NOT NULL, path TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (day, path)) WITHOUT ROWID;
    CREATE TABLE file_downloads (period TEXT NOT NULL, path TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (period, path)) WITHOUT ROWID;
    CREATE TABLE mirror_downloads_daily (
      day TEXT NOT NULL, mirror_id INTEGER NOT NULL, count INTEGER NOT NULL, bytes INTEGER NOT NULL, PRIMARY KEY (day, mirror_id)
    ) WITHOUT ROWID;
    CREATE TABLE mirror_downloads (
      period TEXT NOT NULL, mirror_id INTEGER NOT NULL, count INTEGER NOT NULL, bytes INTEGER NOT NULL, PRIMARY KEY (period, mirror_id)
    ) WITHOUT ROWID;
  `);
  return db;
};

/** Writes as the earlier layout did: every line into its day, month, year and total. */
const writeEarlier = (db: Database.Database, batch: readonly DownloadCount[]): void => {
  const file = db.prepare<[string, string, number]>('INSERT INTO file_downloads VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET count = count + excluded.count');
  const fileDay = db.prepare<[string, string, number]>('INSERT INTO file_downloads_daily VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET count = count + excluded.count');
  const mirror = db.prepare<[string, number, number, number]>(
    'INSERT INTO mirror_downloads VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET count = count + excluded.count, bytes = bytes + excluded.bytes',
  );
  const mirrorDay = db.prepare<[string, number, number, number]>(
    'INSERT INTO mirror_downloads_daily VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET count = count + excluded.count, bytes = bytes + excluded.bytes',
  );
  for (const l of batch) {
    fileDay.run(l.day, l.path, l.count);
    mirrorDay.run(l.day, l.mirrorId, l.count, l.bytes);
    for (const period of [l.day.slice(0, 7), l.day.slice(0, 4), '']) {
      file.run(period, l.path, l.count);
      mirror.run(period, l.mirrorId, l.count, l.bytes);
    }
  }
};

/** The readers of downloads.ts on a bare database, against the model. */
const assertRawReads = (sql: DownloadStatements, model: Model, step: string): void => {
  for (const path of PATHS) {
    const expected = Object.fromEntries(PERIODS.map((period) => [period, model.file(path, period)]));
    assert.deepEqual(readFileDownloads(sql, path, PERIODS), expected, `${step}: ${path}`);
  }
  for (const period of PERIODS) assert.deepEqual(sorted(readMirrorDownloads(sql, period)), model.mirrors(period), `${step}: mirrors of '${period}'`);
};

const batchOf = (days: readonly string[], weight: number): DownloadCount[] =>
  days.flatMap((day) => PATHS.flatMap((path, p) => MIRRORS.map((m) => line(day, path, m, weight + p, 10 * weight + m))));

describe('STATS_ROLLUP_MIGRATION', () => {
  const cases: [name: string, days: string[], prunedBefore: string | undefined][] = [
    ['daily rows of several months and years', ['2023-12-31', '2024-01-01', '2024-02-29', '2024-03-01'], undefined],
    ['some days already pruned', ['2023-12-30', '2023-12-31', '2024-01-01', '2024-02-01', '2024-02-28'], '2024-01-02'],
    ['every day pruned', ['2024-01-01', '2024-01-02'], '2025-01-01'],
    ['no statistics at all', [], undefined],
  ];
  for (const [name, days, prunedBefore] of cases) {
    it(`keeps every count of a file of the earlier layout: ${name}`, () => {
      const db = earlierLayout();
      try {
        const model = new Model();
        for (const [i, day] of days.entries()) {
          const batch = batchOf([day], i + 1);
          writeEarlier(db, batch);
          model.add(batch);
        }
        if (prunedBefore !== undefined) {
          db.prepare('DELETE FROM file_downloads_daily WHERE day < ?').run(prunedBefore);
          db.prepare('DELETE FROM mirror_downloads_daily WHERE day < ?').run(prunedBefore);
          model.prune(prunedBefore);
        }
        db.transaction(() => db.exec(STATS_ROLLUP_MIGRATION))();
        const sql = prepareDownloadStatements(db);
        assertRawReads(sql, model, 'migrated');
        // And it goes on from there: the newest day again, a later one, a late one, a prune.
        const more: (string[] | { prune: string })[] = [[days.at(-1) ?? '2024-03-01'], ['2025-01-01'], ['2023-12-30'], { prune: '2024-03-01' }];
        for (const [i, step] of more.entries()) {
          if (Array.isArray(step)) {
            const batch = batchOf(step, 10 + i);
            db.transaction(() => writeDownloads(sql, batch))();
            model.add(batch);
          } else {
            assert.equal(db.transaction(() => pruneDays(sql, step.prune))(), model.prune(step.prune));
          }
          assertRawReads(sql, model, `after the migration, step ${i + 1}`);
        }
      } finally {
        db.close();
      }
    });
  }

  it('leaves alone a file this code already wrote', () => {
    const db = earlierLayout();
    try {
      const sql = prepareDownloadStatements(db);
      const model = new Model();
      for (const [i, days] of [['2024-01-01'], ['2024-01-02'], ['2024-01-31', '2024-02-01']].entries()) {
        const batch = batchOf(days, i + 1);
        db.transaction(() => writeDownloads(sql, batch))();
        model.add(batch);
      }
      db.transaction(() => db.exec(STATS_ROLLUP_MIGRATION))();
      assertRawReads(sql, model, 'after the step');
    } finally {
      db.close();
    }
  });

  it('keeps the marker where it is for an empty batch', () => {
    const db = earlierLayout();
    try {
      db.exec(STATS_ROLLUP_MIGRATION);
      const sql = prepareDownloadStatements(db);
      db.transaction(() => writeDownloads(sql, batchOf(['2024-02-29'], 1)))();
      db.transaction(() => writeDownloads(sql, []))();
      assert.equal(sql.rolledUpBefore.get()!.day, '2024-02-28');
    } finally {
      db.close();
    }
  });

  it('reads and rolls up through primary keys, never scanning a whole table', () => {
    const db = earlierLayout();
    try {
      db.exec(STATS_ROLLUP_MIGRATION);
      const sql = prepareDownloadStatements(db);
      const plan = (statement: { source: string }, params: object): string =>
        db
          .prepare<[object], { detail: string }>(`EXPLAIN QUERY PLAN ${statement.source}`)
          .all(params)
          .map((row) => row.detail)
          .join('; ');
      const range = { period: '2024', from: '2024', until: '2024~' };
      const plans: [name: string, plan: string][] = [
        ['file', plan(sql.file, { ...range, path: '/a' })],
        ['mirrors', plan(sql.mirrors, range)],
        ['rollUpFiles', plan(sql.rollUpFiles, { from: '2024-01-01', until: '2024-01-02' })],
        ['rollUpMirrors', plan(sql.rollUpMirrors, { from: '2024-01-01', until: '2024-01-02' })],
      ];
      for (const [name, detail] of plans) {
        assert.match(detail, /SEARCH \w+ USING PRIMARY KEY/, name);
        assert.doesNotMatch(detail, /SCAN (file|mirror)_downloads/, name);
      }
      assert.match(plans[0]![1], /SEARCH f USING PRIMARY KEY \(day=\? AND path=\?\)/, 'each live day of the file is one lookup');
    } finally {
      db.close();
    }
  });
});
