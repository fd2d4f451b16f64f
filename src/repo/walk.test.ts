import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, rmdirSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { tempDir } from '../../test/support/paths.js';
import { RepositoryError, walkRepository } from './walk.js';

/** Creates `files` (repository path → content) under `root`. */
const populate = (root: string, files: Record<string, string>): void => {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
};

test('walks a nested tree: sorted repository paths, sizes and mtimes; hidden files included', async () => {
  const dir = tempDir();
  try {
    populate(dir.path, {
      '/b.txt': 'bb',
      '/a/z.bin': 'z'.repeat(1000),
      '/a/deep/er/file': '',
      '/.hidden': 'h',
      '/trace': '1700000000\n',
      '/space name/ü.txt': 'x',
    });
    mkdirSync(join(dir.path, 'empty-dir'));
    utimesSync(join(dir.path, 'b.txt'), 1_600_000_000, 1_700_000_000.5);
    utimesSync(join(dir.path, 'a/z.bin'), 1_600_000_000, 1_234_567_890);

    const walk = await walkRepository(dir.path);
    assert.deepEqual(
      walk.files.map((file) => [file.path, file.size]),
      [
        ['/.hidden', 1],
        ['/a/deep/er/file', 0],
        ['/a/z.bin', 1000],
        ['/b.txt', 2],
        ['/space name/ü.txt', 1],
        ['/trace', 11],
      ],
    );
    const byPath = new Map(walk.files.map((file) => [file.path, file]));
    assert.equal(byPath.get('/b.txt')?.mtimeMs, 1_700_000_000_500);
    assert.equal(byPath.get('/a/z.bin')?.mtimeMs, 1_234_567_890_000);
    assert.deepEqual(walk.links, []);
    assert.deepEqual(walk.skipped, []);
  } finally {
    dir.remove();
  }
});

test('symlinks: inside ones point at their target, escaping ones are recorded with target null, broken ones skipped', async () => {
  const outer = tempDir();
  try {
    const root = join(outer.path, 'repo');
    populate(root, { '/releases/3.0/os.iso': 'iso', '/releases/3.0/sub/readme': 'r', '/top': 't' });
    populate(outer.path, { '/outside/secret': 's' });
    const link = (path: string, target: string): void => symlinkSync(target, join(root, path));
    link('latest', 'releases/3.0'); // directory inside, relative
    link('current.iso', join(root, 'releases/3.0/os.iso')); // file inside, absolute
    link('releases/3.0/up', '../../top'); // file inside, through parents
    link('chain', 'current.iso'); // link to a link
    link('self', '.'); // the root itself: must not make the walk loop
    link('hostname', '/etc/hostname'); // escapes to a system file
    link('escape', '../outside'); // escapes to a sibling directory
    link('escape-file', '../outside/secret');
    link('broken', 'no/such/file');
    link('loop-a', 'loop-b');
    link('loop-b', 'loop-a');
    execFileSync('mkfifo', [join(root, 'fifo')]);
    link('to-fifo', 'fifo');

    const walk = await walkRepository(root);
    assert.deepEqual(
      walk.files.map((file) => file.path),
      ['/releases/3.0/os.iso', '/releases/3.0/sub/readme', '/top'],
    );
    assert.deepEqual(walk.links, [
      { path: '/chain', target: '/releases/3.0/os.iso' },
      { path: '/current.iso', target: '/releases/3.0/os.iso' },
      { path: '/escape', target: null },
      { path: '/escape-file', target: null },
      { path: '/hostname', target: null },
      { path: '/latest', target: '/releases/3.0' },
      { path: '/releases/3.0/up', target: '/top' },
      { path: '/self', target: '/' },
    ]);
    assert.equal(walk.skipped.length, 3, walk.skipped.join('\n'));
    assert.match(walk.skipped[0], /^\/broken: broken symlink \(ENOENT\)$/);
    assert.match(walk.skipped[1], /^\/loop-a: broken symlink \(ELOOP\)$/);
    assert.match(walk.skipped[2], /^\/loop-b: broken symlink \(ELOOP\)$/);
  } finally {
    outer.remove();
  }
});

test('a repository reached through a symlink indexes the same paths and resolves links against its real location', async () => {
  const outer = tempDir();
  try {
    const real = join(outer.path, 'data');
    const alias = join(outer.path, 'srv', 'repo');
    populate(real, { '/pub/file': 'f' });
    mkdirSync(dirname(alias));
    symlinkSync(real, alias);
    // Written against the alias: still inside the repository once resolved.
    symlinkSync(join(alias, 'pub', 'file'), join(real, 'absolute-via-alias'));

    const walk = await walkRepository(alias);
    assert.deepEqual(walk.files.map((file) => file.path), ['/pub/file']);
    assert.deepEqual(walk.links, [{ path: '/absolute-via-alias', target: '/pub/file' }]);
  } finally {
    outer.remove();
  }
});

test('a directory without permissions: skipped with its reason, or indexed when running as root', async () => {
  const dir = tempDir();
  try {
    populate(dir.path, { '/open/a': 'a', '/closed/b': 'b' });
    chmodSync(join(dir.path, 'closed'), 0o000);
    const walk = await walkRepository(dir.path);
    if (process.getuid?.() === 0) {
      // Root reads through mode 000, so nothing is skipped; the skip path is covered by the next test.
      assert.deepEqual(walk.files.map((file) => file.path), ['/closed/b', '/open/a']);
      assert.deepEqual(walk.skipped, []);
    } else {
      assert.deepEqual(walk.files.map((file) => file.path), ['/open/a']);
      assert.deepEqual(walk.skipped, ['/closed: directory cannot be read (EACCES)']);
    }
  } finally {
    chmodSync(join(dir.path, 'closed'), 0o755);
    dir.remove();
  }
});

test('a directory that cannot be opened is skipped with its reason, the rest is indexed', async () => {
  // A path longer than PATH_MAX cannot be opened by anyone, root included: a real unreadable directory.
  const dir = tempDir();
  const name = 'd'.repeat(250);
  const depth = 18;
  const start = process.cwd();
  try {
    populate(dir.path, { '/shallow': 's' });
    process.chdir(dir.path);
    for (let i = 0; i < depth; i++) {
      mkdirSync(name);
      process.chdir(name);
    }
    writeFileSync('deep-file', 'x');
    process.chdir(start);

    const walk = await walkRepository(dir.path);
    assert.deepEqual(walk.files.map((file) => file.path), ['/shallow']);
    assert.equal(walk.skipped.length, 1, walk.skipped.join('\n'));
    assert.match(walk.skipped[0], /^\/d{250}(\/d{250})+: directory cannot be read \(ENAMETOOLONG\)$/);
  } finally {
    // Node's recursive removal uses full paths too, so the deep chain is taken apart from the inside.
    process.chdir(dir.path);
    for (let i = 0; i < depth; i++) process.chdir(name);
    try {
      unlinkSync('deep-file');
    } catch {
      // Not created if the setup failed half-way.
    }
    for (let i = 0; i < depth; i++) {
      process.chdir('..');
      rmdirSync(name);
    }
    process.chdir(start);
    dir.remove();
  }
});

test('a root that is missing, or not a directory, is a RepositoryError naming it', async () => {
  const dir = tempDir();
  try {
    const missing = join(dir.path, 'nope');
    await assert.rejects(walkRepository(missing), (error: unknown) => {
      assert.ok(error instanceof RepositoryError);
      assert.equal(error.message, `repository ${missing} does not exist`);
      return true;
    });
    const file = join(dir.path, 'file');
    writeFileSync(file, 'x');
    await assert.rejects(walkRepository(file), new RepositoryError(`repository ${file} is not a directory`));
    const dangling = join(dir.path, 'dangling');
    symlinkSync(missing, dangling);
    await assert.rejects(walkRepository(dangling), RepositoryError);
  } finally {
    dir.remove();
  }
});
