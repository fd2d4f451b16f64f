import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PackedPaths } from './packed-paths.js';

describe('PackedPaths', () => {
  it('gives back every path as pushed, growing past its first capacity, non-ASCII and empty ones included', () => {
    const paths = ['/a', '', '/é/ü/😀', '/x'.repeat(500), ...Array.from({ length: 3000 }, (_, i) => `/pool/main/p${i}/p${i}_1.0_amd64.deb`)];
    const packed = new PackedPaths(2, 8);
    for (const path of paths) packed.push(path);
    assert.equal(packed.length, paths.length);
    assert.deepEqual(packed.toArray(), paths);
    assert.equal(packed.at(2), '/é/ü/😀');
    assert.equal(packed.at(-1), undefined);
    assert.equal(packed.at(paths.length), undefined);
    assert.deepEqual(PackedPaths.from(paths).toArray(), paths);
  });

  it('is empty when nothing was pushed', () => {
    const packed = new PackedPaths();
    assert.equal(packed.length, 0);
    assert.deepEqual(packed.toArray(), []);
  });
});
