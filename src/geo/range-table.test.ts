import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIP } from './ip.js';
import type { ParsedIP } from './ip.js';
import { RangeTableBuilder } from './range-table.js';

type Range = [start: bigint, end: bigint];

/** The rule, written plainly: of the ranges holding the address, the one with the greatest start; on a tie the one added last. */
const reference = (ranges: Range[], key: bigint): number => {
  let best = -1;
  ranges.forEach(([start, end], i) => {
    if (start <= key && key <= end && (best === -1 || start >= ranges[best]![0])) best = i;
  });
  return best;
};

const words = (n: bigint): number[] => [96n, 64n, 32n, 0n].map((shift) => Number((n >> shift) & 0xffffffffn));

const address = (family: 4 | 6, n: bigint): ParsedIP => {
  const bytes = new Uint8Array(family === 4 ? 4 : 16);
  for (let i = bytes.length - 1, v = n; i >= 0; i--, v >>= 8n) bytes[i] = Number(v & 0xffn);
  return { family, bytes };
};

const build = (family: 4 | 6, ranges: Range[]) => {
  const builder = new RangeTableBuilder();
  ranges.forEach(([start, end], i) => (family === 4 ? builder.addV4(Number(start), Number(end), i) : builder.addV6(words(start), words(end), i)));
  return builder.build();
};

/** Every address where the answer may change (range edges and their neighbours), checked against the rule. */
const check = (family: 4 | 6, ranges: Range[]): void => {
  const table = build(family, ranges);
  const max = family === 4 ? 0xffffffffn : (1n << 128n) - 1n;
  const probes = new Set<bigint>([0n, max]);
  for (const [start, end] of ranges) for (const p of [start - 1n, start, start + 1n, end - 1n, end, end + 1n]) if (p >= 0n && p <= max) probes.add(p);
  for (const p of probes) assert.equal(table.find(address(family, p)), reference(ranges, p), `${family === 4 ? 'IPv4' : 'IPv6'} ${p.toString(16)} in ${JSON.stringify(ranges.map((r) => r.map(String)))}`);
};

describe('RangeTable', () => {
  const cases: [string, 4 | 6, Range[]][] = [
    ['empty', 4, []],
    ['one range', 4, [[10n, 20n]]],
    ['adjacent and apart', 4, [[10n, 20n], [21n, 30n], [40n, 50n]]],
    ['nested', 4, [[0n, 100n], [10n, 20n], [12n, 14n], [30n, 40n]]],
    ['overlapping', 4, [[0n, 100n], [50n, 150n], [120n, 130n]]],
    ['same start, later one wins', 4, [[10n, 20n], [10n, 15n], [10n, 30n]]],
    ['same start, shorter later one, then the earlier resumes', 4, [[10n, 30n], [10n, 15n]]],
    ['unsorted', 4, [[50n, 60n], [10n, 20n], [15n, 55n]]],
    ['the whole space and its edges', 4, [[0n, 0xffffffffn], [0n, 0n], [0xffffffffn, 0xffffffffn]]],
    ['ending at the last address under a wider range', 4, [[0n, 0xffffffffn], [0xfffffff0n, 0xffffffffn]]],
    ['IPv6 on /64 boundaries', 6, [[0x20010db8n << 96n, ((0x20010db8n << 96n) | ((1n << 96n) - 1n))], [(0x20010db8n << 96n) | (1n << 64n), (0x20010db8n << 96n) | ((2n << 64n) - 1n)]]],
    ['IPv6 off /64 boundaries', 6, [[0x20010000n << 96n, (0x20010000n << 96n) | 0xffffn], [(0x20010000n << 96n) | 0x10n, (0x20010000n << 96n) | 0x20n]]],
    ['IPv6 to the last address', 6, [[1n << 127n, (1n << 128n) - 1n], [0n, 5n]]],
  ];
  for (const [name, family, ranges] of cases) it(name, () => check(family, ranges));

  it('random ranges, nested, overlapping and in any order, answer as the rule says', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      const family = round % 3 === 2 ? 6 : 4;
      // A small space so that ranges collide often; IPv6 ones spread over the high or the low words.
      const scale = family === 6 ? (round % 2 === 0 ? 1n << 64n : 1n) : 1n;
      const ranges: Range[] = Array.from({ length: 1 + random(12) }, () => {
        const start = BigInt(random(60));
        return [start * scale, (start + BigInt(random(25))) * scale + (scale > 1n ? scale - 1n : 0n)];
      });
      check(family, ranges);
    }
  });

  it('counts the ranges given, not the segments built', () => {
    const table = build(4, [[0n, 100n], [10n, 20n]]);
    assert.equal(table.ipv4Ranges, 2);
    assert.equal(table.ipv6Ranges, 0);
    assert.equal(table.find(parseIP('0.0.0.50')!), 0);
  });
});
