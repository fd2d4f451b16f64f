import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PathTable } from './path-table.js';

describe('PathTable', () => {
  it('finds every path by its id and nothing else, in any script', () => {
    const paths = ['/a', '/b/c.iso', '/é/ü.txt', '/😀/x', '/\uffff', '/space name', '/a/', '/A'];
    for (let i = 0; i < 5000; i++) paths.push(`/pool/${i % 97}/pkg-${i}.deb`);
    const ids = paths.map((_, i) => i * 2 + 1); // ids with holes
    const table = new PathTable(paths, ids, paths.length * 2 + 1);
    assert.equal(table.size, paths.length);
    paths.forEach((path, i) => {
      assert.equal(table.get(path), ids[i], path);
      assert.equal(table.path(ids[i]!), path);
      assert.ok(table.has(ids[i]!));
    });
    for (const missing of ['/', '/a/b', '/b/c.is', '/b/c.isO', '/é/u.txt', '/😀/y', '/pool/1/pkg-1.deb ', 'a']) assert.equal(table.get(missing), -1, missing);
    assert.equal(table.has(0), false, 'a hole');
    assert.equal(table.path(0), undefined);
    assert.equal(table.has(1_000_000), false);
  });

  it('works empty', () => {
    assert.equal(new PathTable([], [], 0).get('/x'), -1);
    assert.equal(new PathTable([], [], 0).size, 0);
  });
});
