// Rendezvous ownership: stable, evenly spread, and moving only the keys of a node that leaves (or joins).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ownerOf } from './partition.js';

const KEYS = Array.from({ length: 300 }, (_, i) => i + 1);

const owners = (nodes: readonly string[]): Map<number, string | undefined> => new Map(KEYS.map((k) => [k, ownerOf(k, nodes)]));

const CLUSTERS: [label: string, nodes: string[]][] = [
  ['short names', ['a', 'b', 'c']],
  ['default node names', ['mirror-1:3391', 'mirror-2:3391', 'mirror-3:3391']],
  ['one host, several ports', ['host:3391', 'host:3392', 'host:3393']],
  ['pids', ['web.example.org:4012', 'web.example.org:4013', 'web.example.org:977']],
];

describe('ownerOf', () => {
  it('has no owner without nodes, and one node owns everything', () => {
    assert.equal(ownerOf(1, []), undefined);
    for (const k of KEYS) assert.equal(ownerOf(k, ['solo']), 'solo');
  });

  for (const [label, nodes] of CLUSTERS) {
    describe(label, () => {
      it('gives the same owner whatever the order of the list', () => {
        const sorted = owners([...nodes].sort());
        assert.deepEqual(owners([...nodes].reverse()), sorted);
        assert.deepEqual(owners(nodes), sorted);
      });

      it('spreads 300 keys evenly over 3 nodes (each within 100 ± 30)', () => {
        const counts = new Map(nodes.map((n) => [n, 0]));
        for (const owner of owners(nodes).values()) counts.set(owner!, counts.get(owner!)! + 1);
        for (const [node, count] of counts) assert.ok(count >= 70 && count <= 130, `${node} owns ${count} of 300 keys`);
      });

      for (const leaving of nodes) {
        it(`moves only the keys of ${leaving} when it leaves, and only those back when it returns`, () => {
          const before = owners(nodes);
          const after = owners(nodes.filter((n) => n !== leaving));
          for (const k of KEYS) {
            if (before.get(k) === leaving) assert.notEqual(after.get(k), leaving);
            else assert.equal(after.get(k), before.get(k), `key ${k} moved from ${before.get(k)} to ${after.get(k)}`);
          }
          assert.deepEqual(owners(nodes), before);
        });
      }
    });
  }
});
