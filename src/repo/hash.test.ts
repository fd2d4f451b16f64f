import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/support/paths.js';
import { HashError, HashPool, defaultPoolSize } from './hash.js';

export const knownDigests = {
  empty: {
    content: '',
    sha1: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    md5: 'd41d8cd98f00b204e9800998ecf8427e',
  },
  hello: {
    content: 'hello\n',
    sha1: 'f572d396fae9206628714fb2ce00f72e94f2258f',
    sha256: '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03',
    md5: 'b1946ac92492d2347c6235b4d2611184',
  },
};

const dir = tempDir('signpost-hash-');
const pool = new HashPool(2);
before(() => {
  writeFileSync(join(dir.path, 'empty'), knownDigests.empty.content);
  writeFileSync(join(dir.path, 'hello'), knownDigests.hello.content);
  mkdirSync(join(dir.path, 'subdir'));
});
after(async () => {
  await pool.close();
  dir.remove();
});

test('digests of known contents, all three algorithms from one read', async () => {
  for (const name of ['empty', 'hello'] as const) {
    const { content: _content, ...expected } = knownDigests[name];
    assert.deepEqual(await pool.hash(join(dir.path, name), ['sha1', 'sha256', 'md5']), expected, name);
  }
});

test('only the requested algorithms are computed; the others are empty', async () => {
  const path = join(dir.path, 'hello');
  assert.deepEqual(await pool.hash(path, ['sha256']), { sha1: '', sha256: knownDigests.hello.sha256, md5: '' });
  assert.deepEqual(await pool.hash(path, ['md5', 'sha1']), {
    sha1: knownDigests.hello.sha1,
    sha256: '',
    md5: knownDigests.hello.md5,
  });
  assert.deepEqual(await pool.hash(path, []), { sha1: '', sha256: '', md5: '' });
});

test('a file larger than one read chunk hashes like a single-buffer digest', async () => {
  const data = randomBytes(3 * (1 << 20) + 12345);
  const path = join(dir.path, 'big');
  writeFileSync(path, data);
  const digests = await pool.hash(path, ['sha256', 'md5']);
  assert.equal(digests.sha256, createHash('sha256').update(data).digest('hex'));
  assert.equal(digests.md5, createHash('md5').update(data).digest('hex'));
});

test('a missing or unreadable path rejects with an error naming it, and the pool keeps working', async () => {
  const missing = join(dir.path, 'vanished.iso');
  await assert.rejects(pool.hash(missing, ['sha256']), (error: unknown) => {
    assert.ok(error instanceof HashError);
    assert.equal(error.path, missing);
    assert.match(error.message, /vanished\.iso/);
    assert.match(error.message, /ENOENT/);
    return true;
  });
  await assert.rejects(pool.hash(join(dir.path, 'subdir'), ['sha1']), /subdir.*EISDIR/);
  assert.equal((await pool.hash(join(dir.path, 'hello'), ['sha256'])).sha256, knownDigests.hello.sha256);
});

test('many concurrent jobs on a small pool all complete with the right digests', async () => {
  const paths: string[] = [];
  for (let i = 0; i < 50; i++) {
    const path = join(dir.path, `many-${i}`);
    writeFileSync(path, `file ${i}\n`);
    paths.push(path);
  }
  const results = await Promise.all(paths.map((path) => pool.hash(path, ['sha1'])));
  results.forEach((digests, i) => {
    assert.equal(digests.sha1, createHash('sha1').update(`file ${i}\n`).digest('hex'), paths[i]);
  });
});

test('a closed pool refuses work and rejects unfinished jobs', async () => {
  const own = new HashPool(1);
  const path = join(dir.path, 'hello');
  const first = assert.rejects(own.hash(path, ['sha256']), /closed/);
  const queued = assert.rejects(own.hash(path, ['sha256']), /closed/);
  await own.close();
  await first;
  await queued;
  await assert.rejects(own.hash(path, ['sha256']), /closed/);
});

test('pool size defaults to at most four workers and must be positive', () => {
  assert.ok(defaultPoolSize() >= 1 && defaultPoolSize() <= 4);
  assert.equal(new HashPool().size, defaultPoolSize());
  assert.throws(() => new HashPool(0), RangeError);
  assert.throws(() => new HashPool(1.5), RangeError);
});
