import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compareHoldings,
  decodeHoldings,
  encodeDiffs,
  followIndexChanges,
  forEachBit,
  heldCount,
  HoldingsBuilder,
  popcount,
  sameHoldings,
  type IndexChange,
} from './holdings.js';
import type { Holdings } from './store.js';

/** Exact ids, and differing ones as [id, size, mtime]. */
const build = (exact: number[], differing: [number, number, number][] = []): Holdings => {
  const edit = new HoldingsBuilder();
  for (const id of exact) edit.setExact(id);
  for (const [id, size, mtime] of differing) edit.setDiffering(id, size, mtime);
  return edit.build();
};

const exactIds = (h: Holdings): number[] => {
  const out: number[] = [];
  forEachBit(h.bits, (id) => out.push(id));
  return out;
};

describe('holdings', () => {
  it('builds bitsets of any size, cutting trailing zero bytes, and counts them', () => {
    const h = build([0, 7, 8, 1000, 123_456]);
    assert.deepEqual(exactIds(h), [0, 7, 8, 1000, 123_456]);
    assert.equal(popcount(h.bits), 5);
    assert.equal(h.bits.length, (123_456 >> 3) + 1);
    const edit = new HoldingsBuilder(h);
    edit.drop(123_456);
    assert.equal(edit.build().bits.length, (1000 >> 3) + 1);
    assert.ok(sameHoldings(build([1], []), new HoldingsBuilder(build([1]), 1_000_000).build()), 'capacity does not matter');
  });

  it('keeps one state per id: the last of exact, differing or dropped wins', () => {
    const edit = new HoldingsBuilder();
    edit.setExact(5);
    edit.setDiffering(5, 10, 20);
    edit.setDiffering(6, 1, 2);
    edit.setExact(6);
    edit.setExact(7);
    edit.drop(7);
    const h = edit.build();
    assert.deepEqual(exactIds(h), [6]);
    assert.deepEqual([...h.diffIds], [5]);
    assert.equal(heldCount(h), 2);
  });

  it('encodes and decodes differing copies exactly, and refuses a torn blob', () => {
    const h = build([3], [
      [9, 2 ** 40 + 1, 1_717_768_803_512.345],
      [2, 0, 0],
    ]);
    assert.deepEqual([...h.diffIds], [2, 9], 'ascending ids');
    const back = decodeHoldings(h.bits, encodeDiffs(h));
    assert.ok(sameHoldings(h, back));
    assert.equal(back.diffSizes[1], 2 ** 40 + 1);
    assert.equal(back.diffMtimes[1], 1_717_768_803_512.345);
    assert.throws(() => decodeHoldings(h.bits, encodeDiffs(h).subarray(0, 19)), /not a multiple of 20/);
  });

  const compareCases: [string, Holdings, Holdings, ReturnType<typeof compareHoldings>][] = [
    ['nothing to nothing', build([]), build([]), { total: 0, added: 0, changed: 0, removed: 0 }],
    ['same', build([1, 2], [[3, 1, 1]]), build([1, 2], [[3, 1, 1]]), { total: 3, added: 0, changed: 0, removed: 0 }],
    ['added and removed', build([1, 2]), build([2, 900]), { total: 2, added: 1, changed: 0, removed: 1 }],
    ['exact to differing and back', build([1], [[2, 5, 5]]), build([2], [[1, 5, 5]]), { total: 2, added: 0, changed: 2, removed: 0 }],
    ['new differing values', build([], [[2, 5, 5]]), build([], [[2, 5, 6]]), { total: 1, added: 0, changed: 1, removed: 0 }],
    ['differing removed', build([], [[2, 5, 5]]), build([]), { total: 0, added: 0, changed: 0, removed: 1 }],
  ];
  for (const [name, before, after, expected] of compareCases) {
    it(`compares: ${name}`, () => assert.deepEqual(compareHoldings(before, after), expected));
  }

  const followCases: [string, Holdings, IndexChange[], Holdings | undefined][] = [
    ['a change of a file not held', build([1]), [{ id: 2, removed: true }], undefined],
    ['a removed file leaves', build([1, 2], [[3, 1, 1]]), [{ id: 2, removed: true }, { id: 3, removed: true }], build([1])],
    [
      'an exact copy of a changed file keeps the old values',
      build([1]),
      [{ id: 1, removed: false, old: { size: 10, mtimeMs: 100 }, now: { size: 11, mtimeMs: 200 } }],
      build([], [[1, 10, 100]]),
    ],
    [
      'a differing copy equal to the new values becomes exact',
      build([], [[1, 11, 200]]),
      [{ id: 1, removed: false, old: { size: 10, mtimeMs: 100 }, now: { size: 11, mtimeMs: 200 } }],
      build([1]),
    ],
    [
      'another differing copy stays',
      build([], [[1, 9, 50]]),
      [{ id: 1, removed: false, old: { size: 10, mtimeMs: 100 }, now: { size: 11, mtimeMs: 200 } }],
      build([], [[1, 9, 50]]),
    ],
  ];
  for (const [name, before, changes, expected] of followCases) {
    it(`follows the index: ${name}`, () => {
      const after = followIndexChanges(before, changes);
      if (expected === undefined) assert.equal(after, undefined);
      else assert.ok(after !== undefined && sameHoldings(after, expected), JSON.stringify(after));
    });
  }
});
