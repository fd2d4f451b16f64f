import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/support/paths.js';
import { findWalk } from './find-walk.js';
import { RepositoryError, walkRepository } from './walk.js';

test('GNU find walks exactly as the JavaScript walk: paths, sizes, nanosecond mtimes, symlinks, odd names', async () => {
  const outer = tempDir();
  try {
    const root = join(outer.path, 'repo');
    const files: Record<string, string> = {
      '/b.txt': 'bb',
      '/a/z.bin': 'z'.repeat(1000),
      '/a/deep/er/file': '',
      '/.hidden': 'h',
      '/space name/ü.txt': 'x',
      '/new\nline': 'n',
      '/tab\there/%20.txt': 't',
      '/releases/3.0/os.iso': 'iso',
    };
    for (let i = 0; i < 3000; i++) files[`/pool/${i % 37}/pkg-${i}.deb`] = 'p'.repeat(i % 50);
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    writeFileSync(join(outer.path, 'secret'), 's');
    symlinkSync('releases/3.0', join(root, 'latest'));
    symlinkSync('../secret', join(root, 'escape'));
    symlinkSync('nowhere', join(root, 'broken'));
    symlinkSync('b.txt', join(root, 'alias.txt'));
    execFileSync('mkfifo', [join(root, 'fifo')]);
    utimesSync(join(root, 'b.txt'), 1_600_000_000, 1_700_000_000.123456);
    utimesSync(join(root, 'a/z.bin'), 1_600_000_000, 1_234_567_890);

    const viaFind = await findWalk(root);
    assert.ok(viaFind !== undefined, 'GNU find must be installed (findutils)');
    const viaJS = await walkRepository(root);
    assert.deepEqual(viaFind, viaJS);
    assert.equal(viaFind.files.length, Object.keys(files).length);
    assert.ok(viaFind.files.some((f) => f.mtimeMs % 1 !== 0), 'sub-millisecond mtimes are compared');
    assert.deepEqual(
      viaFind.links.map((l) => [l.path, l.target]),
      [
        ['/alias.txt', '/b.txt'],
        ['/escape', null],
        ['/latest', '/releases/3.0'],
      ],
    );
    assert.deepEqual(viaFind.skipped, ['/broken: broken symlink (ENOENT)']);
  } finally {
    outer.remove();
  }
});

test('refuses a missing root like the JavaScript walk', async () => {
  await assert.rejects(findWalk('/nonexistent/signpost-repo'), RepositoryError);
});
