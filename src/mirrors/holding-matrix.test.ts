import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HoldingsBuilder } from '../store/holdings.js';
import { HoldingMatrix } from './holding-matrix.js';

const holdings = (exact: number[], differing: number[] = []) => {
  const edit = new HoldingsBuilder();
  exact.forEach((id) => edit.setExact(id));
  differing.forEach((id) => edit.setDiffering(id, 1, 1));
  return edit.build();
};

const column = (m: HoldingMatrix, slot: number) => {
  const exact: number[] = [];
  const differs: number[] = [];
  for (let id = 0; id < m.files; id++) {
    if (m.holdsExactly(id, slot)) exact.push(id);
    if (m.holdsDiffering(id, slot)) differs.push(id);
  }
  return { exact, differs };
};

describe('HoldingMatrix', () => {
  it('keeps each column apart, replaces and clears one without touching the others', () => {
    const m = new HoldingMatrix(20, 12);
    assert.equal(m.stride, 2);
    m.setColumn(0, holdings([0, 5, 19], [7]));
    m.setColumn(9, holdings([5, 6], [0]));
    m.setColumn(11, holdings([1, 25], [30])); // ids beyond the rows are ignored
    assert.deepEqual(column(m, 0), { exact: [0, 5, 19], differs: [7] });
    assert.deepEqual(column(m, 9), { exact: [5, 6], differs: [0] });
    assert.deepEqual(column(m, 11), { exact: [1], differs: [] });
    m.setColumn(9, holdings([2]));
    assert.deepEqual(column(m, 9), { exact: [2], differs: [] });
    assert.deepEqual(column(m, 0), { exact: [0, 5, 19], differs: [7] });
    assert.equal(column(m, 0).exact.length, 3);
    m.clearColumn(0);
    assert.deepEqual(column(m, 0), { exact: [], differs: [] });
    assert.equal(m.holdsExactly(99, 1), false, 'rows beyond the files');
  });

  it('widens to more slots keeping every bit', () => {
    const m = new HoldingMatrix(10, 8);
    m.setColumn(3, holdings([1, 9], [4]));
    m.setColumn(7, holdings([0]));
    const wide = m.widened(40);
    assert.equal(wide.stride, 5);
    assert.deepEqual(column(wide, 3), { exact: [1, 9], differs: [4] });
    assert.deepEqual(column(wide, 7), { exact: [0], differs: [] });
    wide.setColumn(39, holdings([2]));
    assert.deepEqual(column(wide, 39), { exact: [2], differs: [] });
  });
});
