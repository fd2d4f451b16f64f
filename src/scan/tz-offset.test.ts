import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { detectTimezoneOffset } from './tz-offset.js';

const T = 1_700_000_000_000;
const pairs = (n: number, offset: number, odd = 0) =>
  Array.from({ length: n }, (_, i) => ({ localMs: T + i * 1000, mirrorMs: T + i * 1000 - (i < odd ? 0 : offset) }));

describe('detectTimezoneOffset', () => {
  it('finds a one-hour offset', () => assert.deepEqual(detectTimezoneOffset(pairs(50, 3_600_000), 50, 1000), { offsetMs: 3_600_000, agreeing: 50, sample: 50 }));
  it('finds a negative offset', () => assert.equal((detectTimezoneOffset(pairs(20, -7_200_000), 20, 1000) as { offsetMs: number }).offsetMs, -7_200_000));
  it('finds zero for a correct mirror', () => assert.equal((detectTimezoneOffset(pairs(20, 0), 20, 1000) as { offsetMs: number }).offsetMs, 0));
  it('tolerates 10 % of odd files', () => assert.equal((detectTimezoneOffset(pairs(50, 3_600_000, 5), 50, 1000) as { offsetMs: number }).offsetMs, 3_600_000));
  it('refuses a split sample', () => assert.match((detectTimezoneOffset(pairs(50, 3_600_000, 10), 50, 1000) as { reason: string }).reason, /covers only 40 of 50/));
  it('refuses too few files', () => assert.match((detectTimezoneOffset(pairs(9, 3_600_000), 9, 1000) as { reason: string }).reason, /9 usable files/));
  it('refuses when most sampled files were unusable', () => assert.match((detectTimezoneOffset(pairs(20, 0), 50, 1000) as { reason: string }).reason, /20 usable files of 50/));
  it('compares at the scan precision', () => {
    const minute = 28_333_333 * 60_000; // a whole minute
    const p = Array.from({ length: 10 }, (_, i) => ({ localMs: minute + i * 60_000 + 59_000, mirrorMs: minute + i * 60_000 - 3_600_000 }));
    assert.equal((detectTimezoneOffset(p, 10, 60_000) as { offsetMs: number }).offsetMs, 3_600_000);
  });
});
