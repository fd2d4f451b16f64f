import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';
import { Catalog } from './catalog.js';
import { defaultSettings, EXACT_COPY, initialState } from './mirror.js';

const file = (path: string) => ({ path, size: 1, mtimeMs: 1000, sha1: '', sha256: '', md5: '' });

describe('Catalog', () => {
  const dir = mkdtempSync(join(tmpdir(), 'signpost-catalog-'));
  let store: Store;
  let catalog: Catalog;

  before(async () => {
    store = await openSqliteStore(join(dir, 'db.sqlite'));
    await store.replaceFiles(
      [file('/releases/3.0/a.iso'), file('/b.txt')],
      [
        { path: '/latest', target: '/releases/3.0' },
        { path: '/current', target: '/latest' },
        { path: '/alias.txt', target: '/b.txt' },
        { path: '/escape', target: null },
        { path: '/loop1', target: '/loop2' },
        { path: '/loop2', target: '/loop1' },
      ],
    );
    catalog = new Catalog(store);
    await catalog.start();
  });

  after(async () => {
    catalog.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What the catalog says mirror `mirrorId` holds of the file at `path`, with real values for an exact copy. */
  const copyOf = (mirrorId: number, path: string) => {
    const id = catalog.knownIndex().idOf(path);
    if (id === undefined) return undefined;
    const copy = catalog.holders(id).find((h) => h.mirror.id === mirrorId)?.copy;
    return copy === EXACT_COPY ? { path, ...catalog.statById(id)! } : copy;
  };

  const cases: [string, string][] = [
    ['/b.txt', 'file:/b.txt'],
    ['/alias.txt', 'file:/b.txt'],
    ['/latest/a.iso', 'file:/releases/3.0/a.iso'],
    ['/current/a.iso', 'file:/releases/3.0/a.iso'],
    ['/latest/missing', 'missing'],
    ['/escape', 'forbidden'],
    ['/escape/x', 'forbidden'],
    ['/loop1/x', 'missing'],
    ['/nope', 'missing'],
    ['/releases/3.0', 'missing'],
  ];
  for (const [path, expected] of cases) {
    it(`resolves ${path} -> ${expected}`, () => {
      const r = catalog.resolve(path);
      assert.equal(r.kind === 'file' ? `file:${r.path}` : r.kind, expected);
    });
  }

  it('follows store events: a mirror and its files appear and disappear', async () => {
    const m = await store.addMirror({ ...defaultSettings(), name: 'm1', httpURL: 'http://m1/' }, initialState(Date.now()));
    await store.replaceMirrorFiles(m.id, [{ path: '/b.txt', size: 1, mtimeMs: 1000 }, { path: '/not-in-repo', size: 1, mtimeMs: 0 }]);
    await catalog.settled();
    assert.equal(catalog.getMirror(m.id)?.name, 'm1');
    assert.equal(copyOf(m.id, '/b.txt')?.size, 1);
    const holders = catalog.holders((catalog.resolve('/b.txt') as { id: number }).id);
    assert.deepEqual(holders.map((h) => [h.mirror.name, h.copy]), [['m1', EXACT_COPY]]);
    assert.equal(catalog.mirrorFileCount(m.id), 1);
    await store.updateMirror(m.id, { enabled: true });
    await catalog.settled();
    assert.equal(catalog.getMirror(m.id)?.enabled, true);
    await store.removeMirror(m.id);
    await catalog.settled();
    assert.equal(catalog.getMirror(m.id), undefined);
    assert.equal(copyOf(m.id, '/b.txt'), undefined);
    assert.deepEqual(catalog.holders((catalog.resolve('/b.txt') as { id: number }).id), []);
  });

  it('keeps mirror copies across a repository rescan, and drops those of removed files', async () => {
    const m = await store.addMirror({ ...defaultSettings(), name: 'm2', httpURL: 'http://m2/' }, initialState(Date.now()));
    await store.replaceMirrorFiles(m.id, [{ path: '/b.txt', size: 1, mtimeMs: 1000 }, { path: '/releases/3.0/a.iso', size: 1, mtimeMs: 1000 }]);
    await store.replaceFiles([file('/b.txt'), file('/c.txt')], []);
    await catalog.settled();
    assert.deepEqual(copyOf(m.id, '/b.txt'), { path: '/b.txt', size: 1, mtimeMs: 1000 });
    assert.equal(catalog.fileByPath('/releases/3.0/a.iso'), undefined);
    assert.equal(copyOf(m.id, '/releases/3.0/a.iso'), undefined);
    assert.equal(catalog.mirrorFileCount(m.id), 1);
  });

  it('turns an exact copy of a changed file into a differing one, and serves file records with their digests', async () => {
    const m = await store.addMirror({ ...defaultSettings(), name: 'm3', httpURL: 'http://m3/' }, initialState(Date.now()));
    await store.replaceFiles([{ ...file('/d.txt'), sha256: 'ab'.repeat(32) }], []);
    await store.replaceMirrorFiles(m.id, [{ path: '/d.txt', size: 1, mtimeMs: 1000 }]);
    await catalog.settled();
    const id = (catalog.resolve('/d.txt') as { id: number }).id;
    assert.deepEqual(catalog.file(id), { ...file('/d.txt'), sha256: 'ab'.repeat(32) });
    assert.equal(catalog.holders(id)[0]?.copy, EXACT_COPY);
    await store.replaceFiles([{ ...file('/d.txt'), size: 2 }], []);
    await catalog.settled();
    assert.deepEqual(catalog.holders(id).map((h) => h.copy), [{ path: '/d.txt', size: 1, mtimeMs: 1000 }]);
    assert.equal(catalog.file(id).size, 2);
    assert.equal(catalog.mirrorFileCount(m.id), 1);
    assert.equal(catalog.randomExact(m.id, Math.random), undefined, 'no exact copy left to check');
    assert.deepEqual(catalog.statById(catalog.idOf('/d.txt')!), { size: 2, mtimeMs: 1000 });
    assert.equal(catalog.newestCopy(m.id), 1000);
    await store.replaceFiles([{ ...file('/d.txt'), size: 2 }, { ...file('/e.txt'), mtimeMs: 5000 }], []);
    await store.replaceMirrorFiles(m.id, [{ path: '/d.txt', size: 1, mtimeMs: 1000 }, { path: '/e.txt', size: 1, mtimeMs: 5000 }]);
    await catalog.settled();
    assert.equal(catalog.newestCopy(m.id), 5000, 'exact copies count with the index mtime');
  });

  it('gives a removed mirror\'s slot to the next one, which inherits none of its holdings', async () => {
    await store.replaceFiles([file('/b.txt'), file('/f.txt')], []);
    const one = await store.addMirror({ ...defaultSettings(), name: 's1', httpURL: 'http://s1/' }, initialState(Date.now()));
    await store.replaceMirrorFiles(one.id, [{ path: '/b.txt', size: 1, mtimeMs: 1000 }]);
    await catalog.settled();
    const b = (catalog.resolve('/b.txt') as { id: number }).id;
    const f = (catalog.resolve('/f.txt') as { id: number }).id;
    assert.deepEqual(catalog.holders(b).map((h) => h.mirror.name), ['s1']);
    await store.removeMirror(one.id);
    const two = await store.addMirror({ ...defaultSettings(), name: 's2', httpURL: 'http://s2/' }, initialState(Date.now()));
    await store.replaceMirrorFiles(two.id, [{ path: '/f.txt', size: 1, mtimeMs: 1000 }]);
    await catalog.settled();
    assert.deepEqual(catalog.holders(b), []);
    assert.deepEqual(catalog.holders(f).map((h) => h.mirror.name), ['s2']);
    assert.equal(catalog.mirrorFileCount(two.id), 1);
    // Many mirrors: the matrix widens.
    for (let i = 0; i < 20; i++) {
      const m = await store.addMirror({ ...defaultSettings(), name: `w${i}`, httpURL: `http://w${i}/` }, initialState(Date.now()));
      await store.replaceMirrorFiles(m.id, [{ path: '/f.txt', size: 1, mtimeMs: 1000 }]);
    }
    await catalog.settled();
    assert.equal(catalog.holders(f).length, 21);
    assert.equal(catalog.table().matrix.slots >= 21, true);
  });

  it('keeps a patch made while a new index is being read', async () => {
    const m = await store.addMirror({ ...defaultSettings(), name: 'p1', httpURL: 'http://p1/', enabled: true }, initialState(Date.now()));
    await store.replaceMirrorFiles(m.id, [{ path: '/f.txt', size: 1, mtimeMs: 1000 }]);
    // A catalog whose store answers its next read of holdings only when told to.
    let release: () => void = () => {};
    let gated = false;
    const slow = new Proxy(store, {
      get: (target, name) => {
        if (name === 'getHoldings') {
          return async (id: number) => {
            if (gated) {
              gated = false;
              await new Promise<void>((done) => (release = done));
            }
            return target.getHoldings(id);
          };
        }
        const value = Reflect.get(target, name) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const own = new Catalog(slow);
    await own.start();
    gated = true;
    await store.replaceFiles([file('/b.txt'), file('/f.txt'), file('/g.txt')], []);
    await new Promise((done) => setTimeout(done, 20)); // the reload has read the index and waits on holdings
    own.patchMirror(m.id, { enabled: false });
    release();
    await own.settled();
    const f = (own.resolve('/f.txt') as { id: number }).id;
    assert.equal(own.holders(f).find((h) => h.mirror.id === m.id)?.mirror.enabled, false);
    own.stop();
  });

  it('tells a rescan a file is unchanged only with the same size, mtime and exactly the configured digests', async () => {
    await store.replaceFiles([{ ...file('/h.txt'), sha1: 'a'.repeat(40), sha256: 'b'.repeat(64) }], []);
    await catalog.settled();
    const known = catalog.knownIndex();
    const id = known.idOf('/h.txt')!;
    assert.equal(known.pathOf(id), '/h.txt');
    assert.equal(known.unchanged(id, 1, 1000, ['sha1', 'sha256']), true);
    assert.equal(known.unchanged(id, 1, 1000, ['sha256']), false, 'sha1 turned off: its digest must go');
    assert.equal(known.unchanged(id, 1, 1000, ['sha1', 'sha256', 'md5']), false, 'md5 turned on: to compute');
    assert.equal(known.unchanged(id, 2, 1000, ['sha1', 'sha256']), false);
    assert.equal(known.unchanged(id, 1, 1001, ['sha1', 'sha256']), false);
    assert.equal(known.idOf('/nope'), undefined);
  });
  it('without serving, keeps no digests or differing copies but answers scans, checks and rescans the same', async () => {
    await store.replaceFiles([{ ...file('/s1.txt'), sha256: 'cd'.repeat(32) }, file('/s2.txt'), { ...file('/s3.txt'), mtimeMs: 3000 }], []);
    const m = await store.addMirror({ ...defaultSettings(), name: 'slim1', httpURL: 'http://slim1/' }, initialState(Date.now()));
    await store.replaceMirrorFiles(m.id, [{ path: '/s1.txt', size: 1, mtimeMs: 1000 }, { path: '/s2.txt', size: 5, mtimeMs: 9000 }]);
    const slim = new Catalog(store, { serving: false });
    await slim.start();
    await catalog.settled();
    try {
      for (const c of [catalog, slim]) {
        assert.equal(c.mirrorFileCount(m.id), 2);
        assert.equal(c.newestCopy(m.id), 9000, 'the differing copy is the newest');
        assert.equal(c.randomExact(m.id, () => 0.5)?.path, '/s1.txt');
        const known = c.knownIndex();
        assert.equal(known.unchanged(known.idOf('/s1.txt')!, 1, 1000, ['sha256']), true);
        assert.equal(known.unchanged(known.idOf('/s1.txt')!, 1, 1000, []), false);
        assert.equal(known.unchanged(known.idOf('/s2.txt')!, 1, 1000, []), true);
        assert.deepEqual(c.statById(c.idOf('/s3.txt')!), { size: 1, mtimeMs: 3000 });
      }
      assert.equal(catalog.fileByPath('/s1.txt')?.sha256, 'cd'.repeat(32));
      assert.equal(slim.fileByPath('/s1.txt')?.sha256, '', 'no digest values kept');
      assert.throws(() => slim.table(), /does not serve requests/);
      assert.throws(() => slim.holders(0), /does not serve requests/);
      // A mirror scanned again, and one removed: the counts follow.
      await store.replaceMirrorFiles(m.id, [{ path: '/s1.txt', size: 1, mtimeMs: 1000 }]);
      await slim.settled();
      assert.equal(slim.mirrorFileCount(m.id), 1);
      assert.equal(slim.newestCopy(m.id), 1000);
      await store.removeMirror(m.id);
      await slim.settled();
      assert.equal(slim.mirrorFileCount(m.id), 0);
      assert.equal(slim.randomExact(m.id, Math.random), undefined);
    } finally {
      slim.stop();
    }
  });
});
