import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CopyList, samplePositions } from './copies.js';

describe('CopyList', () => {
  it('keeps the listed files the index has, by id, growing as needed, and counts every file listed', () => {
    const ids = new Map(Array.from({ length: 3000 }, (_, i) => [`/f${i}`, i * 2]));
    const list = new CopyList((path) => ids.get(path));
    for (let i = 0; i < 3000; i++) list.add({ path: `/f${i}`, size: i, mtimeMs: i + 0.5 });
    list.add({ path: '/unknown', size: 1, mtimeMs: 1 });
    assert.equal(list.listed, 3001);
    assert.equal(list.length, 3000);
    assert.ok(list.ids.length >= 3000);
    for (const i of [0, 1023, 1024, 2999]) assert.deepEqual([list.ids[i], list.sizes[i], list.mtimes[i]], [i * 2, i, i + 0.5]);
  });
});

describe('samplePositions', () => {
  it('gives every position when there are few', () => assert.deepEqual(samplePositions(3, 5), [0, 1, 2]));
  it('gives n distinct positions below the length, spread over it', () => {
    let state = 7;
    const random = () => ((state = (state * 48_271) % 2_147_483_647) / 2_147_483_647);
    const drawn = samplePositions(1_000_000, 100, random);
    assert.equal(drawn.length, 100);
    assert.equal(new Set(drawn).size, 100);
    assert.ok(drawn.every((p) => Number.isInteger(p) && p >= 0 && p < 1_000_000));
    assert.ok(drawn.some((p) => p > 500_000) && drawn.some((p) => p < 500_000));
  });
  it('gives a permutation when asked for all', () => {
    const drawn = samplePositions(50, 49, Math.random);
    assert.equal(new Set(drawn).size, 49);
  });
});
