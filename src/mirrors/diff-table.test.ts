import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DiffTable } from './diff-table.js';
import type { DiffColumn, DiffCopy } from './diff-table.js';

/** The model: per slot, per id, the copy. */
type Model = Map<number, Map<number, DiffCopy>>;

const columnOf = (copies: Map<number, DiffCopy>): DiffColumn => {
  const ids = [...copies.keys()].sort((a, b) => a - b);
  return { ids: Uint32Array.from(ids), sizes: Float64Array.from(ids, (id) => copies.get(id)!.size), mtimes: Float64Array.from(ids, (id) => copies.get(id)!.mtimeMs) };
};

/** Everything the table says, row by row, checked against the model. */
const assertMatches = (table: DiffTable, model: Model, files: number, keep: (id: number) => boolean, label: string): void => {
  let total = 0;
  for (let id = 0; id < files; id++) {
    const row: number[] = [];
    for (let at = table.rowStart[id]!; at < table.rowStart[id + 1]!; at++) row.push(table.slots[at]!);
    const expected = [...model.keys()].filter((slot) => keep(id) && model.get(slot)!.has(id)).sort((a, b) => a - b);
    assert.deepEqual(row, expected, `${label}: row ${id} in slot order`);
    total += row.length;
    for (const [slot, copies] of model) assert.deepEqual(table.get(id, slot), keep(id) ? copies.get(id) : undefined, `${label}: get(${id}, ${slot})`);
  }
  assert.equal(table.size, total);
  for (const [slot, copies] of model) {
    const seen: [number, DiffCopy][] = [];
    table.forEachIn(slot, (id, copy) => seen.push([id, copy]));
    assert.deepEqual(seen, [...copies].filter(([id]) => id < files && keep(id)).sort((a, b) => a[0] - b[0]), `${label}: forEachIn(${slot})`);
  }
};

const seeded = (seed: number): (() => number) => {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
};

describe('DiffTable', () => {
  it('is empty when built from nothing, and answers nothing', () => {
    const table = DiffTable.empty(4);
    assert.equal(table.files, 4);
    assert.equal(table.size, 0);
    assert.equal(table.get(2, 0), undefined);
    assert.equal(table.get(99, 0), undefined, 'beyond the rows');
  });

  it('keeps rows in slot order whatever order columns come in, and leaves out ids beyond the rows or not kept', () => {
    const model: Model = new Map([
      [5, new Map([[1, { size: 10, mtimeMs: 100 }], [3, { size: 11, mtimeMs: 101 }]])],
      [0, new Map([[1, { size: 20, mtimeMs: 200 }], [9, { size: 21, mtimeMs: 201 }]])],
      [2, new Map([[0, { size: 30, mtimeMs: 300 }], [1, { size: 31, mtimeMs: 301 }], [2, { size: 32, mtimeMs: 302 }]])],
    ]);
    const keep = (id: number): boolean => id !== 2;
    const table = DiffTable.build(4, new Map([...model].map(([slot, copies]) => [slot, columnOf(copies)])), keep);
    assertMatches(table, model, 4, keep, 'built');
    assert.equal(table.size, 5, 'id 9 is beyond 4 rows, id 2 is not kept');
  });

  it('replaces one column at a time exactly as a model does (randomized)', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = seeded(seed);
      const files = 1 + Math.floor(random() * 60);
      const slots = 1 + Math.floor(random() * 20);
      const keep = random() < 0.3 ? (id: number) => id % 7 !== 3 : () => true;
      const randomColumn = (): Map<number, DiffCopy> => {
        const copies = new Map<number, DiffCopy>();
        const density = random();
        for (let id = 0; id < files + 3; id++) if (random() < density * 0.5) copies.set(id, { size: Math.floor(random() * 1e12), mtimeMs: random() * 1e12 });
        return copies;
      };
      const model: Model = new Map();
      for (let s = 0; s < slots; s++) if (random() < 0.7) model.set(s, randomColumn());
      let table = DiffTable.build(files, new Map([...model].map(([slot, copies]) => [slot, columnOf(copies)])), keep);
      assertMatches(table, model, files, keep, `seed ${seed} built`);
      for (let step = 0; step < 8; step++) {
        const slot = Math.floor(random() * (slots + 2));
        if (random() < 0.2) {
          model.delete(slot);
          table = table.withColumn(slot, undefined, keep);
        } else {
          const copies = randomColumn();
          model.set(slot, copies);
          table = table.withColumn(slot, columnOf(copies), keep);
        }
        assertMatches(table, model, files, keep, `seed ${seed} step ${step}`);
      }
    }
  });

  it('refuses a slot it cannot store', () => {
    assert.throws(() => DiffTable.empty(1).withColumn(70_000, undefined, () => true), RangeError);
    assert.throws(() => DiffTable.build(1, new Map([[-1, { ids: [0], sizes: [1], mtimes: [1] }]]), () => true), RangeError);
  });
});
