// The in-memory download counter: lines per UTC day, file and mirror; drain empties it; restore puts a batch back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { tempDir } from '../../test/support/paths.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import type { DownloadCount } from '../store/store.js';
import { DownloadCounter } from './counter.js';

const T = Date.UTC(2024, 4, 7, 12); // 2024-05-07 12:00 UTC
const HOUR = 3_600_000;

const sorted = (batch: readonly DownloadCount[]): DownloadCount[] =>
  [...batch].sort((a, b) => a.day.localeCompare(b.day) || a.path.localeCompare(b.path) || a.mirrorId - b.mirrorId);

const line = (day: string, path: string, mirrorId: number, count: number, bytes: number): DownloadCount => ({ day, path, mirrorId, count, bytes });

describe('DownloadCounter', () => {
  it('keeps one line per UTC day, file and mirror, summing downloads and bytes', () => {
    const counter = new DownloadCounter();
    assert.equal(counter.pending, 0);
    counter.count('/a.iso', 1, 100, T);
    counter.count('/a.iso', 1, 100, T + 1);
    counter.count('/a.iso', 2, 100, T);
    counter.count('/a.iso', 0, 100, T); // a fallback
    counter.count('/b.iso', 1, 7, T);
    counter.count('/a.iso', 1, 100, Date.UTC(2024, 4, 7, 23, 59, 59, 999));
    counter.count('/a.iso', 1, 100, Date.UTC(2024, 4, 8)); // the next day
    counter.count('/a.iso', 1, 100, T - 13 * HOUR); // the day before, counted late
    assert.equal(counter.pending, 6);
    assert.deepEqual(sorted(counter.drain()), [
      line('2024-05-06', '/a.iso', 1, 1, 100),
      line('2024-05-07', '/a.iso', 0, 1, 100),
      line('2024-05-07', '/a.iso', 1, 3, 300),
      line('2024-05-07', '/a.iso', 2, 1, 100),
      line('2024-05-07', '/b.iso', 1, 1, 7),
      line('2024-05-08', '/a.iso', 1, 1, 100),
    ]);
  });

  it('empties on drain, and tracks when its oldest pending count was made', () => {
    const counter = new DownloadCounter();
    assert.equal(counter.oldestPending, undefined);
    counter.count('/a', 1, 1, T + 50);
    counter.count('/a', 1, 1, T + 10);
    counter.count('/b', 1, 1, T + 90);
    assert.equal(counter.oldestPending, T + 10);
    assert.equal(counter.drain().length, 2);
    assert.equal(counter.pending, 0);
    assert.equal(counter.oldestPending, undefined);
    assert.deepEqual(counter.drain(), []);
    counter.count('/a', 1, 1, T + 200);
    assert.deepEqual(counter.drain(), [line('2024-05-07', '/a', 1, 1, 1)]);
  });

  it('restores a batch into what was counted since, so that nothing is lost or counted twice', () => {
    const counter = new DownloadCounter();
    counter.count('/a', 1, 10, T);
    counter.count('/a', 1, 10, T);
    counter.count('/b', 2, 5, T);
    const failed = counter.drain();
    counter.count('/a', 1, 10, T + 1000); // counted while the flush was failing
    counter.count('/c', 1, 1, T + 1000);
    counter.restore(failed, T);
    assert.equal(counter.pending, 3);
    assert.equal(counter.oldestPending, T, 'the restored batch keeps its age');
    assert.deepEqual(sorted(counter.drain()), [line('2024-05-07', '/a', 1, 3, 30), line('2024-05-07', '/b', 2, 1, 5), line('2024-05-07', '/c', 1, 1, 1)]);
    counter.restore([]);
    assert.equal(counter.oldestPending, undefined, 'restoring nothing leaves nothing pending');
  });

  it('counts an unknown, negative or fractional size as what it can, and refuses a bad path or mirror id', () => {
    const counter = new DownloadCounter();
    counter.count('/a', 1, Number.NaN, T);
    counter.count('/a', 1, -5, T);
    counter.count('/a', 1, Number.POSITIVE_INFINITY, T);
    counter.count('/a', 1, 2.7, T);
    assert.deepEqual(counter.drain(), [line('2024-05-07', '/a', 1, 4, 2)]);
    assert.throws(() => counter.count('', 1, 1, T), TypeError);
    assert.throws(() => counter.count('/a', -1, 1, T), /mirror id -1/);
    assert.throws(() => counter.count('/a', 1.5, 1, T), /mirror id 1.5/);
    assert.equal(counter.pending, 0);
  });

  it('counts a million downloads of a few hundred lines quickly', () => {
    const counter = new DownloadCounter();
    const paths = Array.from({ length: 100 }, (_, i) => `/pool/file-${i}.deb`);
    const started = performance.now();
    for (let i = 0; i < 1_000_000; i++) counter.count(paths[i % 100]!, i % 7, 1000, T + i);
    const elapsed = performance.now() - started;
    assert.equal(counter.pending, 700);
    assert.equal(counter.drain().reduce((sum, l) => sum + l.count, 0), 1_000_000);
    assert.ok(elapsed < 1500, `a million counts took ${Math.round(elapsed)} ms`);
  });

  it('drains batches a real store accepts and sums exactly', async () => {
    const root = tempDir('signpost-counter-');
    const store = await openSqliteStore(join(root.path, 'signpost.db'));
    try {
      const counter = new DownloadCounter();
      for (let i = 0; i < 30; i++) counter.count(`/f${i % 3}`, i % 2, 10, T + i * HOUR);
      await store.addDownloads(counter.drain());
      counter.count('/f0', 0, 10, T);
      await store.addDownloads(counter.drain());
      // i = 0..11 fall on 2024-05-07 (12:00..23:00), 12..29 on 2024-05-08.
      assert.deepEqual(await store.fileDownloads('/f0', ['', '2024-05', '2024-05-07', '2024-05-08']), { '': 11, '2024-05': 11, '2024-05-07': 5, '2024-05-08': 6 });
      assert.deepEqual([...(await store.mirrorDownloads(''))].sort(), [
        [0, { count: 16, bytes: 160 }],
        [1, { count: 15, bytes: 150 }],
      ]);
    } finally {
      await store.close();
      root.remove();
    }
  });
});
