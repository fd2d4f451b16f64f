// The statistics flusher against a real SQLite store: periodic batches, retries through a failing store without
// losing or double-counting, one flush at a time, a last flush on stop, and pruning by retention.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '../../test/support/paths.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { StoreError, type DownloadCount, type Store } from '../store/store.js';
import { DownloadCounter } from './counter.js';
import { DAY_MS } from './day.js';
import { StatsFlusher } from './flusher.js';

const T = Date.UTC(2024, 4, 7, 12); // 2024-05-07 12:00 UTC

const root = tempDir('signpost-flusher-');
after(() => root.remove());
let cases = 0;
const stores: Store[] = [];
const newStore = async (): Promise<Store> => {
  const store = await openSqliteStore(join(root.path, `case-${++cases}.db`));
  stores.push(store);
  return store;
};
after(async () => {
  for (const store of stores) await store.close();
});

type StatsStore = Pick<Store, 'addDownloads' | 'pruneDailyDownloads'>;

/**
 * The real store, except that its first `failures` writes throw (a full disk or a lost connection cannot be
 * produced for real cheaply), and each write can be slowed down; records how many writes overlap.
 */
const faulty = (store: Store, failures: number, delayMs = 0) => {
  const stats = { calls: 0, active: 0, maxActive: 0, batches: [] as DownloadCount[][] };
  let left = failures;
  const wrapped: StatsStore = {
    addDownloads: async (batch) => {
      stats.calls++;
      stats.active++;
      stats.maxActive = Math.max(stats.maxActive, stats.active);
      try {
        if (delayMs > 0) await new Promise((done) => setTimeout(done, delayMs));
        if (left > 0) {
          left--;
          throw new StoreError('signpost.db: the disk is full (simulated)');
        }
        await store.addDownloads(batch);
        stats.batches.push([...batch]);
      } finally {
        stats.active--;
      }
    },
    pruneDailyDownloads: (day) => store.pruneDailyDownloads(day),
  };
  return { store: wrapped, stats };
};

/** Waits until `check` holds, failing with `what` after `timeoutMs`. */
const eventually = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 3000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 5));
  }
};

const total = async (store: Store, path: string): Promise<number> => (await store.fileDownloads(path, ['']))[''] ?? 0;

describe('StatsFlusher', () => {
  /** For the cases that do not look at the log. */
  const log = (): void => {};

  it('writes the counts to the store on its own every interval', async () => {
    const store = await newStore();
    const counter = new DownloadCounter();
    const flusher = new StatsFlusher(counter, store, { intervalMs: 20, retentionDays: 0, log });
    flusher.start();
    flusher.start(); // idempotent
    try {
      counter.count('/a.iso', 1, 100);
      counter.count('/a.iso', 2, 100);
      await eventually('the first counts are stored', async () => (await total(store, '/a.iso')) === 2);
      counter.count('/a.iso', 1, 100);
      await eventually('the next counts are stored', async () => (await total(store, '/a.iso')) === 3);
      assert.equal(counter.pending, 0);
      assert.ok(flusher.lastFlush > 0 && flusher.lastFlush <= Date.now());
      assert.equal(flusher.lastError, undefined);
      assert.equal(flusher.flushLagMs(), 0);
      assert.deepEqual([...(await store.mirrorDownloads(''))].sort(), [
        [1, { count: 2, bytes: 200 }],
        [2, { count: 1, bytes: 100 }],
      ]);
    } finally {
      await flusher.stop();
    }
  });

  it('keeps the counts of failed flushes, logging once per outage, and stores each exactly once when the store recovers', async () => {
    const store = await newStore();
    const { store: broken, stats } = faulty(store, 2);
    const counter = new DownloadCounter();
    let now = T;
    const messages: string[] = [];
    const flusher = new StatsFlusher(counter, broken, { retentionDays: 0, log: (m) => messages.push(m), now: () => now });

    counter.count('/a.iso', 1, 100, T);
    counter.count('/a.iso', 1, 100, T);
    now = T + 500;
    await assert.rejects(flusher.flush(), /disk is full/);
    assert.equal(counter.pending, 1, 'the batch is back in the counter');
    assert.equal(flusher.lastError, 'signpost.db: the disk is full (simulated)');
    assert.equal(flusher.flushLagMs(), 500);
    assert.equal(messages.length, 1);
    assert.match(messages[0]!, /cannot store download counts.*retrying.*disk is full/);

    counter.count('/a.iso', 1, 100, T + 600);
    counter.count('/b.iso', 0, 7, T + 600);
    now = T + 1500;
    await assert.rejects(flusher.flush());
    assert.equal(messages.length, 1, 'a continuing outage is not logged again');
    assert.equal(flusher.flushLagMs(), 1500, 'the lag runs from the oldest count still unstored');
    assert.equal(flusher.lastFlush, 0);

    now = T + 3000;
    await flusher.flush();
    assert.equal(stats.calls, 3);
    assert.equal(counter.pending, 0);
    assert.equal(flusher.lastError, undefined);
    assert.equal(flusher.lastFlush, T + 3000);
    assert.equal(flusher.flushLagMs(), 0);
    assert.equal(messages.length, 2);
    assert.match(messages[1]!, /stored again after 3 s/);
    assert.deepEqual(await store.fileDownloads('/a.iso', ['2024-05-07', '']), { '2024-05-07': 3, '': 3 });
    assert.deepEqual(await store.fileDownloads('/b.iso', ['']), { '': 1 });
    assert.deepEqual([...(await store.mirrorDownloads('2024-05-07'))].sort(), [
      [0, { count: 1, bytes: 7 }],
      [1, { count: 3, bytes: 300 }],
    ]);

    // A second outage is logged again.
    const { store: brokenAgain } = faulty(store, 1);
    const second = new StatsFlusher(counter, brokenAgain, { retentionDays: 0, log: (m) => messages.push(m), now: () => now });
    counter.count('/a.iso', 1, 100, now);
    await assert.rejects(second.flush());
    await second.flush();
    assert.equal(messages.length, 4);
    assert.equal(await total(store, '/a.iso'), 4);
  });

  it('retries on its own timer until the store takes the counts', async () => {
    const store = await newStore();
    const { store: broken, stats } = faulty(store, 3);
    const counter = new DownloadCounter();
    const messages: string[] = [];
    const flusher = new StatsFlusher(counter, broken, { intervalMs: 10, retentionDays: 0, log: (m) => messages.push(m) });
    for (let i = 0; i < 5; i++) counter.count('/a.iso', 1, 10);
    flusher.start();
    try {
      await eventually('the counts are stored after the failures', async () => (await total(store, '/a.iso')) === 5);
      for (let i = 0; i < 5; i++) counter.count('/a.iso', 1, 10);
      await eventually('later counts are stored too', async () => (await total(store, '/a.iso')) === 10);
      assert.ok(stats.calls >= 4);
      assert.equal(messages.length, 2, messages.join('\n'));
      assert.equal(flusher.lastError, undefined);
    } finally {
      await flusher.stop();
    }
    assert.equal(await total(store, '/a.iso'), 10);
  });

  it('never runs two writes at once, whether called by the timer or directly', async () => {
    const store = await newStore();
    const { store: slow, stats } = faulty(store, 0, 25);
    const counter = new DownloadCounter();
    const flusher = new StatsFlusher(counter, slow, { intervalMs: 5, retentionDays: 0, log });
    flusher.start();
    try {
      const calls: Promise<void>[] = [];
      for (let i = 0; i < 6; i++) {
        counter.count(`/f${i}`, 1, 1);
        calls.push(flusher.flush());
        await new Promise((done) => setTimeout(done, 7));
      }
      await Promise.all(calls);
      assert.equal(stats.maxActive, 1);
      for (let i = 0; i < 6; i++) assert.equal(await total(store, `/f${i}`), 1, `/f${i}`);
    } finally {
      await flusher.stop();
    }
  });

  it('counts a write under way in the flush lag', async () => {
    const store = await newStore();
    const { store: slow } = faulty(store, 0, 40);
    const counter = new DownloadCounter();
    const flusher = new StatsFlusher(counter, slow, { retentionDays: 0, log });
    counter.count('/a.iso', 1, 1, Date.now() - 1000);
    const flushing = flusher.flush();
    await new Promise((done) => setTimeout(done, 10));
    assert.equal(counter.pending, 0, 'drained');
    assert.ok(flusher.flushLagMs() >= 1000, `lag ${flusher.flushLagMs()} while writing`);
    await flushing;
    assert.equal(flusher.flushLagMs(), 0);
  });

  it('flushes on stop what was counted since the last flush, after a flush under way', async () => {
    const store = await newStore();
    const { store: slow, stats } = faulty(store, 0, 20);
    const counter = new DownloadCounter();
    const flusher = new StatsFlusher(counter, slow, { intervalMs: 60_000, retentionDays: 0, log });
    flusher.start();
    counter.count('/a.iso', 1, 1);
    const first = flusher.flush();
    counter.count('/a.iso', 1, 1);
    await flusher.stop();
    await first;
    assert.equal(stats.maxActive, 1);
    assert.equal(counter.pending, 0);
    assert.equal(await total(store, '/a.iso'), 2);
    await flusher.stop(); // again: nothing left, nothing written twice
    assert.equal(await total(store, '/a.iso'), 2);
  });

  it('rejects stop when the last flush fails, leaving the counts pending', async () => {
    const store = await newStore();
    const { store: broken } = faulty(store, 1);
    const counter = new DownloadCounter();
    const flusher = new StatsFlusher(counter, broken, { retentionDays: 0, log });
    counter.count('/a.iso', 1, 1);
    await assert.rejects(flusher.stop(), StoreError);
    assert.equal(counter.pending, 1);
    await flusher.stop();
    assert.equal(await total(store, '/a.iso'), 1);
  });

  it('prunes daily counters older than the retention at start and then once a day, keeping months, years and totals', async () => {
    const store = await newStore();
    const day = (d: string, count = 1): DownloadCount => ({ day: d, path: '/a.iso', mirrorId: 1, count, bytes: count });
    await store.addDownloads([day('2024-03-01'), day('2024-04-06'), day('2024-04-07'), day('2024-04-08'), day('2024-05-07')]);
    let now = T; // 2024-05-07: with 30 days kept, 2024-04-07 is the oldest day kept
    const messages: string[] = [];
    const flusher = new StatsFlusher(new DownloadCounter(), store, { intervalMs: 5, retentionDays: 30, log: (m) => messages.push(m), now: () => now });
    const days = async () => (await store.dailyDownloads('2000-01-01', '2099-12-31')).map((d) => d.day);
    flusher.start();
    try {
      await eventually('the start prunes', async () => (await days()).length === 3);
      assert.deepEqual(await days(), ['2024-04-07', '2024-04-08', '2024-05-07']);
      assert.deepEqual(await store.fileDownloads('/a.iso', ['', '2024', '2024-03', '2024-04']), { '': 5, '2024': 5, '2024-03': 1, '2024-04': 3 });
      assert.equal(messages.length, 1);
      assert.match(messages[0]!, /deleted 4 daily counters of days before 2024-04-07/);

      now = T + DAY_MS - 1; // not a day yet since the last prune
      await new Promise((done) => setTimeout(done, 40));
      assert.equal((await days()).length, 3);

      now = T + DAY_MS; // 2024-05-08: 2024-04-07 is now too old
      await eventually('a day later, it prunes again', async () => (await days()).length === 2);
      assert.deepEqual(await days(), ['2024-04-08', '2024-05-07']);
    } finally {
      await flusher.stop();
    }
  });

  it('keeps daily counters forever with a retention of 0', async () => {
    const store = await newStore();
    await store.addDownloads([{ day: '1999-01-01', path: '/old', mirrorId: 1, count: 1, bytes: 1 }]);
    const pruned: string[] = [];
    const watching: StatsStore = {
      addDownloads: (batch) => store.addDownloads(batch),
      pruneDailyDownloads: async (d) => {
        pruned.push(d);
        return store.pruneDailyDownloads(d);
      },
    };
    const flusher = new StatsFlusher(new DownloadCounter(), watching, { intervalMs: 5, retentionDays: 0, log });
    flusher.start();
    await new Promise((done) => setTimeout(done, 30));
    await flusher.stop();
    assert.deepEqual(pruned, []);
    assert.deepEqual(await store.fileDownloads('/old', ['1999-01-01']), { '1999-01-01': 1 });
  });
});
