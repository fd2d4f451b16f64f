import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PathTable } from './path-table.js';

/** A table of `paths` with ids that have holes (3i + 1), checked against what it was built from. */
const check = (paths: readonly string[], missing: readonly string[], idOf = (i: number) => 3 * i + 1): PathTable => {
  const ids = paths.map((_, i) => idOf(i));
  const slots = Math.max(0, ...ids.map((id) => id + 1));
  const table = new PathTable(paths, ids, slots);
  assert.equal(table.size, paths.length);
  assert.equal(table.slots, slots);
  paths.forEach((path, i) => {
    assert.equal(table.get(path), ids[i], `get ${JSON.stringify(path)}`);
    assert.equal(table.path(ids[i]!), path, `path of ${JSON.stringify(path)}`);
    assert.ok(table.has(ids[i]!));
  });
  const used = new Set(ids);
  for (let id = 0; id < slots + 2; id++) {
    if (used.has(id)) continue;
    assert.equal(table.has(id), false, `hole ${id}`);
    assert.equal(table.path(id), undefined, `hole ${id}`);
  }
  for (const path of missing) assert.equal(table.get(path), -1, `missing ${JSON.stringify(path)}`);
  return table;
};

/** The table's hash before its finaliser (FNV-1a over UTF-16 units), to check that the pairs below collide. */
const fnv = (s: string, h = 0x811c9dc5 | 0): number => {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
};
// Found by a birthday search: the same hash after these directories, and after these names in '/d/'. Paths that
// differ only there have the same hash, so the index cannot tell them apart and the comparison must.
const collidingDirectories = ['/000uzx/', '/00b2ad/'] as const;
const collidingNames = ['n0035zx', 'n00apcd'] as const;

const long = 'x'.repeat(30_000);
const emoji = '😀'.repeat(20_000); // 40,000 units: its prefix must be cut, and not between a surrogate pair

const cases: { name: string; paths: string[]; missing: string[] }[] = [
  {
    name: 'a shared directory',
    paths: ['/pool/main/f/foo/foo_1.2-3.dsc', '/pool/main/f/foo/foo_1.2.orig.tar.xz', '/pool/main/f/foo/foo_1.2-3_amd64.deb', '/pool/main/f/foo/foo_1.2-3_arm64.deb'],
    missing: ['/pool/main/f/foo/foo_1.2-3_i386.deb', '/pool/main/f/foo/foo_1.2', '/pool/main/f/foo/', '/pool/main/f/foo', '/pool/main/f/foo/foo_1.2-3.dsc/', '/pool/main/f/foo/foo_1.2-3.ds', '/pool/main/f/foo/foo_1.2-3.dscx'],
  },
  {
    name: 'names shorter than what the first shares with the next',
    paths: ['/d/abcd', '/d/abce', '/d/ab', '/d/a', '/d/abcdef'],
    missing: ['/d/abc', '/d/abcf', '/d/', '/d/b', '/d/abcde'],
  },
  {
    name: 'root-level names',
    paths: ['a', 'b', 'README', 'readme.txt', 'x/y'],
    missing: ['', '/a', 'a/', 'c', 'READM', 'x', 'y'],
  },
  {
    name: "'/' alone and doubled",
    paths: ['/', '//', '///', '//a', '/a//', '/a//b'],
    missing: ['', '////', '/a/', '/a', 'a//', '/a/b'],
  },
  {
    name: 'empty names (paths ending in /) and the empty path',
    paths: ['', '/a/', '/a/b/', '/a/b', '/b/', 'c/'],
    missing: ['/a', '/b', '/a/b//', 'c', '/c/'],
  },
  {
    name: 'non-ASCII in directories and names',
    paths: ['/é/x', '/x/é', '/é/é', '/日本/語.txt', '/日本/語.tar', '/😀/😀', '/d/😀', '/d/😁', '/ü/a', '/u/a', '/\uffff/\u0080'],
    missing: ['/e/x', '/x/e', '/日本/語', '/日本/', '/😀/😁', '/d/\ud83d', '/d/😂', '/ü/b', '/u/ü'],
  },
  {
    name: 'bytes that equal units one for one',
    paths: ['/é', '/Ã©x', '/dir/é/a'],
    missing: ['/Ã©', '/éx', '/dir/Ã©/a'],
  },
  {
    name: 'a directory that is a prefix of another',
    paths: ['/a/b', '/a/bc/d', '/ab/c', '/a/b/c', '/a/bc', '/a/b/cd'],
    missing: ['/a/bc/', '/ab/', '/a/b/', '/a/bc/d/', '/ab/cd', '/a/b/c/d'],
  },
  {
    name: 'the same name in other directories',
    paths: ['/a/x.deb', '/b/x.deb', '/a/b/x.deb', '/b/a/x.deb', '/c/x.deb'],
    missing: ['/x.deb', '/d/x.deb', '/a/a/x.deb', '/b/b/x.deb', 'x.deb'],
  },
  {
    name: 'directories that come back',
    paths: ['/a/1', '/b/1', '/a/2', '/c/1', '/b/22', '/a/3', '/a/33'],
    missing: ['/a/4', '/b/2', '/c/2', '/a/', '/b/'],
  },
  {
    name: 'directories with the same hash',
    paths: [`${collidingDirectories[0]}a`, `${collidingDirectories[1]}a`, `${collidingDirectories[0]}b`, `${collidingDirectories[1]}c`],
    missing: [`${collidingDirectories[1]}b`, `${collidingDirectories[0]}c`, collidingDirectories[0], collidingDirectories[1]],
  },
  {
    name: 'names with the same hash, one missing',
    paths: [`/d/${collidingNames[0]}`, '/d/zzz'],
    missing: [`/d/${collidingNames[1]}`],
  },
  {
    name: 'names with the same hash',
    paths: [`/d/${collidingNames[0]}`, '/d/zzz', `/d/${collidingNames[1]}`],
    missing: ['/d/n00', `/d/${collidingNames[0]}x`],
  },
  {
    name: 'prefixes longer than their length field holds',
    paths: [`/${long}/a`, `/${long}/b`, `/${long}`, `/${emoji}/a`, `/${emoji}/b`, `/${emoji}`],
    missing: [`/${long}/c`, `/${long}x`, `/${emoji}/c`, `/${emoji.slice(1)}/a`, `/${emoji}😀`],
  },
];

describe('PathTable', () => {
  it('is tested with paths whose hashes collide', () => {
    assert.equal(fnv(collidingDirectories[0]), fnv(collidingDirectories[1]));
    assert.equal(fnv(collidingNames[0], fnv('/d/')), fnv(collidingNames[1], fnv('/d/')));
  });

  for (const { name, paths, missing } of cases) {
    it(`finds every path by its id and nothing else: ${name}`, () => {
      check(paths, missing);
      check(paths, missing, (i) => paths.length - 1 - i); // ids against the paths' order: suffixes are laid out by id
    });
  }

  it('finds every path by its id and nothing else, in any script', () => {
    const paths = ['/a', '/b/c.iso', '/é/ü.txt', '/😀/x', '/\uffff', '/space name', '/a/', '/A'];
    for (let i = 0; i < 5000; i++) paths.push(`/pool/${i % 97}/pkg-${i}.deb`);
    check(paths, ['/', '/a/b', '/b/c.is', '/b/c.isO', '/é/u.txt', '/😀/y', '/pool/1/pkg-1.deb ', 'a']);
  });

  it('compares exactly, whatever the hash says', () => {
    // The index's hash bits keep most wrong candidates from the comparison, so it is called here directly: with
    // each stored path, and with strings whose units are its UTF-8 bytes ('é' is C3 A9, the units of 'Ã©').
    const paths = ['/é', '/Ã©x', '/dir/é/a', '/日本/語', '/a/b', '/a/bc', '/😀', ''];
    const table = new PathTable(paths, paths.map((_, i) => i), paths.length);
    const equals = (id: number, path: string): boolean => (table as unknown as { equals(id: number, path: string): boolean }).equals(id, path);
    const queries = [...paths, ...paths.map((path) => Buffer.from(path).toString('latin1')), '/Ã©', '/éx', '/a/', '/a/bcd', '/\ud83d', 'x'];
    for (let id = 0; id < paths.length; id++) {
      for (const query of queries) assert.equal(equals(id, query), query === paths[id], `${JSON.stringify(paths[id])} against ${JSON.stringify(query)}`);
    }
  });

  it('answers has() only for ids it holds', () => {
    const table = new PathTable(['/a', '/b'], [2, 5], 8);
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map((id) => table.has(id)), [false, false, true, false, false, true, false, false, false]);
    for (const id of [-1, 2.5, NaN, Infinity, 2 ** 32 + 2, 1_000_000]) {
      assert.equal(table.has(id), false, String(id));
      assert.equal(table.path(id), undefined, String(id));
    }
    assert.equal(table.slots, 8);
  });

  it('works empty', () => {
    assert.equal(new PathTable([], [], 0).get('/x'), -1);
    assert.equal(new PathTable([], [], 0).get(''), -1);
    assert.equal(new PathTable([], [], 0).size, 0);
    assert.equal(new PathTable([], [], 0).slots, 0);
    assert.equal(new PathTable([], [], 5).has(0), false);
  });

  it('agrees with a Map on random paths, ids and orders', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    const parts = ['a', 'b', 'ab', 'abc', 'é', '日', '😀', 'x.deb', 'x_1.0', 'x_1.0-1', '', 'pool', 'main'];
    const randomPath = (): string => {
      let path = random(8) === 0 ? '' : '/';
      const depth = random(4);
      for (let d = 0; d <= depth; d++) path += (d > 0 ? '/' : '') + parts[random(parts.length)] + parts[random(parts.length)];
      return path;
    };
    for (let round = 0; round < 4; round++) {
      const byPath = new Map<string, number>();
      let nextId = 0;
      while (byPath.size < 10_000) {
        const path = randomPath();
        nextId += 1 + random(3); // holes
        if (!byPath.has(path)) byPath.set(path, nextId);
      }
      // Directory by directory (sorted), or shuffled so that directories come back.
      const entries = [...byPath];
      if (round % 2 === 0) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      else for (let i = entries.length - 1; i > 0; i--) {
        const j = random(i + 1);
        [entries[i], entries[j]] = [entries[j]!, entries[i]!];
      }
      const slots = nextId + 1 + random(3);
      const table = new PathTable(entries.map(([path]) => path), Uint32Array.from(entries, ([, id]) => id), slots);
      assert.equal(table.size, byPath.size);
      assert.equal(table.slots, slots);
      const byId = new Map([...byPath].map(([path, id]) => [id, path]));
      const wrong: string[] = []; // collected, as messages made for every assertion would be most of the time
      for (let id = 0; id < slots + 1; id++) {
        if (table.path(id) !== byId.get(id) || table.has(id) !== byId.has(id)) wrong.push(`id ${id}`);
      }
      for (const [path, id] of byPath) if (table.get(path) !== id) wrong.push(path);
      for (let i = 0; i < 10_000; i++) {
        const path = randomPath();
        if (table.get(path) !== (byPath.get(path) ?? -1)) wrong.push(path);
        const [known] = entries[random(entries.length)]!;
        const cut = known.slice(0, random(known.length + 1)); // prefixes of paths, as the layout stores them
        if (table.get(cut) !== (byPath.get(cut) ?? -1)) wrong.push(cut);
      }
      assert.deepEqual(wrong, []);
    }
  });
});
