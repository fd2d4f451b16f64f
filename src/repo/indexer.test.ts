import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from '../../test/support/paths.js';
import type { HashName, RepoFile } from './file.js';
import { HashPool, type HashDigests } from './hash.js';
import { RepositoryError, indexChanges, indexRepository, type IndexOptions, type KnownIndex } from './indexer.js';

const pool = new HashPool();
after(() => pool.close());

const digest = (name: HashName, content: string): string => createHash(name).update(content).digest('hex');
const sha256Only = { sha1: false, sha256: true, md5: false };
const allHashes = { sha1: true, sha256: true, md5: true };

const write = (root: string, path: string, content: string, mtimeSeconds = 1_700_000_000): void => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
  utimesSync(join(root, path), mtimeSeconds, mtimeSeconds);
};

const byPath = (files: readonly RepoFile[]): Map<string, RepoFile> => new Map(files.map((file) => [file.path, file]));

const index = (opts: Partial<IndexOptions> & { root: string }) =>
  indexRepository({ hashes: sha256Only, previous: new Map(), pool, ...opts });

test('first run hashes everything with the requested algorithm only; known digests', async () => {
  const dir = tempDir();
  try {
    write(dir.path, '/empty', '');
    write(dir.path, '/pub/hello.txt', 'hello\n', 1_700_000_123);
    const result = await index({ root: dir.path });
    assert.deepEqual(result.files, [
      {
        path: '/empty',
        size: 0,
        mtimeMs: 1_700_000_000_000,
        sha1: '',
        sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        md5: '',
      },
      {
        path: '/pub/hello.txt',
        size: 6,
        mtimeMs: 1_700_000_123_000,
        sha1: '',
        sha256: '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03',
        md5: '',
      },
    ]);
    assert.equal(result.hashed, 2);
    assert.equal(result.reused, 0);
    assert.deepEqual(result.failed, []);

    const all = await index({ root: dir.path, hashes: allHashes });
    assert.deepEqual(byPath(all.files).get('/pub/hello.txt'), {
      path: '/pub/hello.txt',
      size: 6,
      mtimeMs: 1_700_000_123_000,
      sha1: 'f572d396fae9206628714fb2ce00f72e94f2258f',
      sha256: '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03',
      md5: 'b1946ac92492d2347c6235b4d2611184',
    });
  } finally {
    dir.remove();
  }
});

test('a second run rehashes only files whose size or mtime changed; rehash forces all', async () => {
  const dir = tempDir();
  try {
    write(dir.path, '/same', 'same');
    write(dir.path, '/grown', 'short');
    write(dir.path, '/touched', 'touched');
    write(dir.path, '/gone', 'gone');
    const first = await index({ root: dir.path });
    assert.equal(first.hashed, 4);

    write(dir.path, '/grown', 'much longer now');
    write(dir.path, '/touched', 'TOUCHED', 1_700_000_001); // same size, new mtime
    write(dir.path, '/new', 'new');
    rmSync(join(dir.path, 'gone'));
    const progress: [number, number][] = [];
    const second = await index({
      root: dir.path,
      previous: byPath(first.files),
      onProgress: (done, total) => progress.push([done, total]),
    });
    assert.equal(second.hashed, 3);
    assert.equal(second.reused, 1);
    assert.deepEqual(progress, [
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    const files = byPath(second.files);
    assert.deepEqual([...files.keys()], ['/grown', '/new', '/same', '/touched']);
    assert.equal(files.get('/grown')?.sha256, digest('sha256', 'much longer now'));
    assert.equal(files.get('/touched')?.sha256, digest('sha256', 'TOUCHED'));
    assert.equal(files.get('/same')?.sha256, digest('sha256', 'same'));

    // Reuse trusts size and mtime: a stored digest is kept even if it is wrong, until rehash.
    const previous = byPath(second.files);
    previous.set('/same', { ...(previous.get('/same') as RepoFile), sha256: 'f'.repeat(64) });
    const third = await index({ root: dir.path, previous });
    assert.equal(third.hashed, 0);
    assert.equal(third.reused, 4);
    assert.equal(byPath(third.files).get('/same')?.sha256, 'f'.repeat(64));
    const rehashed = await index({ root: dir.path, previous, rehash: true });
    assert.equal(rehashed.hashed, 4);
    assert.equal(rehashed.reused, 0);
    assert.equal(byPath(rehashed.files).get('/same')?.sha256, digest('sha256', 'same'));
  } finally {
    dir.remove();
  }
});

test('enabling an algorithm rehashes; disabling one empties it without reading files', async () => {
  const dir = tempDir();
  try {
    write(dir.path, '/a', 'a');
    write(dir.path, '/b', 'b');
    const first = await index({ root: dir.path });
    const added = await index({ root: dir.path, previous: byPath(first.files), hashes: { ...sha256Only, md5: true } });
    assert.equal(added.hashed, 2);
    assert.deepEqual(
      added.files.map((file) => [file.sha1, file.sha256, file.md5]),
      [
        ['', digest('sha256', 'a'), digest('md5', 'a')],
        ['', digest('sha256', 'b'), digest('md5', 'b')],
      ],
    );
    const dropped = await index({ root: dir.path, previous: byPath(added.files), hashes: { ...sha256Only, sha256: false, md5: true } });
    assert.equal(dropped.hashed, 0);
    assert.equal(dropped.reused, 2);
    assert.deepEqual(
      dropped.files.map((file) => [file.sha1, file.sha256, file.md5]),
      [
        ['', '', digest('md5', 'a')],
        ['', '', digest('md5', 'b')],
      ],
    );
    const none = await index({ root: dir.path, previous: new Map(), hashes: { sha1: false, sha256: false, md5: false } });
    assert.equal(none.hashed, 0);
    assert.deepEqual(none.files.map((file) => file.path), ['/a', '/b']);
  } finally {
    dir.remove();
  }
});

/** Removes a file just before it is hashed: the real race of a file deleted during a scan. */
class VanishingPool extends HashPool {
  constructor(private readonly victim: string) {
    super(1);
  }
  override hash(path: string, algos: readonly HashName[]): Promise<HashDigests> {
    if (path.endsWith(this.victim)) rmSync(path);
    return super.hash(path, algos);
  }
}

test('a file that cannot be hashed is indexed with empty digests and listed as failed', async () => {
  const dir = tempDir();
  const vanishing = new VanishingPool('/pub/vanishing.iso');
  try {
    write(dir.path, '/pub/vanishing.iso', 'soon gone');
    write(dir.path, '/pub/stays', 'stays');
    const result = await index({ root: dir.path, pool: vanishing, hashes: allHashes });
    assert.equal(result.hashed, 1);
    assert.equal(result.failed.length, 1);
    assert.equal(result.failed[0].path, '/pub/vanishing.iso');
    assert.match(result.failed[0].error, /vanishing\.iso.*ENOENT/);
    assert.deepEqual(byPath(result.files).get('/pub/vanishing.iso'), {
      path: '/pub/vanishing.iso',
      size: 9,
      mtimeMs: 1_700_000_000_000,
      sha1: '',
      sha256: '',
      md5: '',
    });
    assert.equal(byPath(result.files).get('/pub/stays')?.md5, digest('md5', 'stays'));
  } finally {
    await vanishing.close();
    dir.remove();
  }
});

test('links and skipped entries are passed through; links are never hashed', async () => {
  const dir = tempDir();
  try {
    write(dir.path, '/releases/3.0/os.iso', 'iso');
    symlinkSync('releases/3.0', join(dir.path, 'latest'));
    symlinkSync('/etc/hostname', join(dir.path, 'hostname'));
    symlinkSync('missing', join(dir.path, 'broken'));
    const result = await index({ root: dir.path });
    assert.equal(result.hashed, 1);
    assert.deepEqual(result.files.map((file) => file.path), ['/releases/3.0/os.iso']);
    assert.deepEqual(result.links, [
      { path: '/hostname', target: null },
      { path: '/latest', target: '/releases/3.0' },
    ]);
    assert.deepEqual(result.skipped, ['/broken: broken symlink (ENOENT)']);
  } finally {
    dir.remove();
  }
});

test('a missing repository is a RepositoryError, never an empty index', async () => {
  const dir = tempDir();
  try {
    const missing = join(dir.path, 'not-mounted');
    const previous = new Map([['/x', { path: '/x', size: 1, mtimeMs: 1, sha1: '', sha256: 'a', md5: '' }]]);
    await assert.rejects(index({ root: missing, previous }), (error: unknown) => {
      assert.ok(error instanceof RepositoryError);
      assert.match(error.message, /not-mounted/);
      return true;
    });
  } finally {
    dir.remove();
  }
});

test('a 2,000-file tree is indexed completely with a pool of its own', async () => {
  const dir = tempDir();
  try {
    for (let d = 0; d < 20; d++) mkdirSync(join(dir.path, `d${d}`));
    for (let i = 0; i < 2000; i++) writeFileSync(join(dir.path, `d${i % 20}`, `f${i}`), `content ${i}\n`);
    const result = await indexRepository({ root: dir.path, hashes: { sha1: true, sha256: true, md5: false }, previous: new Map() });
    assert.equal(result.files.length, 2000);
    assert.equal(result.hashed, 2000);
    assert.deepEqual(result.failed, []);
    for (const file of result.files) {
      const i = Number(file.path.slice(file.path.lastIndexOf('/f') + 2));
      assert.equal(file.sha256, digest('sha256', `content ${i}\n`), file.path);
      assert.equal(file.sha1, digest('sha1', `content ${i}\n`), file.path);
      assert.equal(file.md5, '');
    }
    const again = await indexRepository({ root: dir.path, hashes: { sha1: true, sha256: true, md5: false }, previous: byPath(result.files) });
    assert.equal(again.hashed, 0);
    assert.equal(again.reused, 2000);
    assert.deepEqual(again.files, result.files);
  } finally {
    dir.remove();
  }
});

test('a rescan for changes only finds what a full index would have changed', async () => {
  const dir = tempDir();
  try {
    for (let i = 0; i < 200; i++) write(dir.path, `/pool/${i % 7}/f${i}`, `content ${i}`);
    write(dir.path, '/nohash', 'x');
    const first = await index({ root: dir.path });
    // The known index, as the catalog gives it: ids by position; '/nohash' without its digest.
    const known = first.files.map((f) => (f.path === '/nohash' ? { ...f, sha256: '' } : f));
    const ids = new Map(known.map((f, i) => [f.path, i]));
    const knownIndex: KnownIndex = {
      slots: known.length,
      idOf: (path) => ids.get(path),
      pathOf: (id) => known[id]?.path,
      unchanged: (id, size, mtimeMs, algos) =>
        known[id]!.size === size && known[id]!.mtimeMs === mtimeMs && (['sha1', 'sha256', 'md5'] as const).every((a) => (known[id]![a] !== '') === algos.includes(a)),
    };
    write(dir.path, '/pool/1/f1', 'grown content 1');
    write(dir.path, '/pool/2/f2', 'CONTENT 2', 1_700_000_009);
    write(dir.path, '/added', 'added');
    rmSync(join(dir.path, 'pool/3/f3'));
    const changes = await indexChanges({ root: dir.path, hashes: sha256Only, known: knownIndex, pool });
    assert.deepEqual(changes.upserts.map((f) => f.path).sort(), ['/added', '/nohash', '/pool/1/f1', '/pool/2/f2']);
    assert.deepEqual(changes.removed, ['/pool/3/f3']);
    assert.equal(changes.files, 201);
    assert.equal(changes.hashed, 4);
    const full = byPath((await index({ root: dir.path, previous: byPath(known) })).files);
    for (const file of changes.upserts) assert.deepEqual(file, full.get(file.path));
  } finally {
    dir.remove();
  }
});
