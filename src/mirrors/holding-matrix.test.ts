import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HoldingsBuilder } from '../store/holdings.js';
import { HoldingMatrix } from './holding-matrix.js';

const holdings = (exact: number[]): Uint8Array => {
  const edit = new HoldingsBuilder();
  exact.forEach((id) => edit.setExact(id));
  return edit.build().bits;
};

const column = (m: HoldingMatrix, slot: number): number[] => {
  const exact: number[] = [];
  for (let id = 0; id < m.files; id++) if (m.holdsExactly(id, slot)) exact.push(id);
  return exact;
};

describe('HoldingMatrix', () => {
  it('keeps each column apart, replaces and clears one without touching the others', () => {
    const m = new HoldingMatrix(20, 12);
    assert.equal(m.stride, 2);
    m.setColumn(0, holdings([0, 5, 19]));
    m.setColumn(9, holdings([5, 6]));
    m.setColumn(11, holdings([1, 25, 30])); // ids beyond the rows are ignored
    assert.deepEqual(column(m, 0), [0, 5, 19]);
    assert.deepEqual(column(m, 9), [5, 6]);
    assert.deepEqual(column(m, 11), [1]);
    m.setColumn(9, holdings([2]));
    assert.deepEqual(column(m, 9), [2]);
    assert.deepEqual(column(m, 0), [0, 5, 19]);
    assert.equal(column(m, 0).length, 3);
    m.clearColumn(0);
    assert.deepEqual(column(m, 0), []);
    assert.equal(m.holdsExactly(99, 1), false, 'rows beyond the files');
  });

  it('widens to more slots keeping every bit', () => {
    const m = new HoldingMatrix(10, 8);
    m.setColumn(3, holdings([1, 9]));
    m.setColumn(7, holdings([0]));
    const wide = m.widened(40);
    assert.equal(wide.stride, 5);
    assert.deepEqual(column(wide, 3), [1, 9]);
    assert.deepEqual(column(wide, 7), [0]);
    wide.setColumn(39, holdings([2]));
    assert.deepEqual(column(wide, 39), [2]);
  });
});
