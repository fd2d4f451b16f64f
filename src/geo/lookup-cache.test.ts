import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LookupCache } from './lookup-cache.js';

describe('LookupCache', () => {
  // Steps on a cache of 2 entries a generation: "set k" or "get k = v" (v '-' for a miss).
  const cases: [string, string[]][] = [
    ['a hit returns what was set', ['set a', 'get a = a', 'get b = -']],
    ['a full young generation ages into the old one, still found', ['set a', 'set b', 'set c', 'get a = a', 'get b = b', 'get c = c']],
    ['the old generation is dropped at the next turn', ['set a', 'set b', 'set c', 'set d', 'set e', 'get a = -', 'get b = -', 'get c = c', 'get e = e']],
    ['a hit in the old generation moves it to the young one', ['set a', 'set b', 'set c', 'get a = a', 'set d', 'get a = a', 'get b = -', 'get d = d']],
    ['set replaces a value', ['set a', 'set a=x', 'get a = x']],
  ];
  for (const [name, steps] of cases) {
    it(name, () => {
      const cache = new LookupCache<string, string>(2);
      for (const step of steps) {
        const set = /^set (\w+)(?:=(\w+))?$/.exec(step);
        if (set) {
          cache.set(set[1]!, set[2] ?? set[1]!);
          continue;
        }
        const [, key, value] = /^get (\w+) = (\S+)$/.exec(step)!;
        assert.equal(cache.get(key!), value === '-' ? undefined : value, step);
      }
    });
  }

  it('holds at most two generations', () => {
    const cache = new LookupCache<number, number>(100);
    for (let i = 0; i < 10_000; i++) {
      cache.set(i, i);
      assert.ok(cache.length <= 200);
    }
    assert.equal(cache.get(9_999), 9_999);
    assert.equal(cache.get(9_800), 9_800);
    assert.equal(cache.get(9_000), undefined);
  });

  it('forgets everything on clear', () => {
    const cache = new LookupCache<string, number>(4);
    for (const k of ['a', 'b', 'c', 'd', 'e']) cache.set(k, 1);
    cache.clear();
    assert.equal(cache.length, 0);
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.get('e'), undefined);
  });

  it('refuses a size that is not a positive integer', () => {
    for (const size of [0, -1, 1.5, Number.NaN]) assert.throws(() => new LookupCache(size), RangeError);
  });
});
