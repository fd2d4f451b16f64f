import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { comparePaths, uniqueByPath } from './path-order.js';

describe('path order', () => {
  it('is the order of UTF-8 bytes, as SQLite sorts TEXT', () => {
    const paths = ['/a', '/b', '/a/b', '/é', '/\uffff', '/😀', '/\ue000', '/A', '/a b', '/', '/ab', '/\u0800'];
    const bytes = [...paths].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    assert.deepEqual([...paths].sort(comparePaths), bytes);
    assert.notDeepEqual([...paths].sort(), bytes, 'plain UTF-16 order differs, so the test means something');
  });

  it('keeps one item per path, the last given', () => {
    const items = [
      { path: '/b', v: 1 },
      { path: '/a', v: 2 },
      { path: '/b', v: 3 },
      { path: '/c', v: 4 },
      { path: '/a', v: 5 },
    ];
    assert.deepEqual(uniqueByPath(items), [
      { path: '/a', v: 5 },
      { path: '/b', v: 3 },
      { path: '/c', v: 4 },
    ]);
    const sorted = [{ path: '/a' }, { path: '/b' }];
    assert.equal(uniqueByPath(sorted), sorted, 'sorted input is used as it is');
  });
});
