import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ago, humanDuration, humanSize, percent, shareOf, utcMinute } from './format.js';

describe('page formats', () => {
  it('writes sizes in IEC units with one decimal', () => {
    const cases: [number, string][] = [
      [0, '0 bytes'],
      [1023, '1023 bytes'],
      [1024, '1.0 KiB'],
      [1_000_000, '976.6 KiB'],
      [123_456_789, '117.7 MiB'],
      [5 * 1024 ** 4, '5.0 TiB'],
    ];
    for (const [bytes, text] of cases) assert.equal(humanSize(bytes), text, String(bytes));
  });

  it('writes durations and ages for people', () => {
    const cases: [number, string][] = [
      [4_000, '4 s'],
      [12 * 60_000, '12 min'],
      [200 * 60_000, '3 h 20 min'],
      [3 * 3_600_000, '3 h'],
      [50 * 3_600_000, '2 days 2 h'],
    ];
    for (const [ms, text] of cases) assert.equal(humanDuration(ms), text, String(ms));
    assert.equal(ago(1_000, 1_000 + 10_000), 'just now');
    assert.equal(ago(0, 90 * 60_000), '1 h 30 min ago');
    assert.equal(ago(10 * 60_000, 0), 'in 10 min');
  });

  it('writes shares and times', () => {
    assert.equal(percent(0), 'n/a');
    assert.equal(percent(0.4), '<1 %');
    assert.equal(percent(45.6), '46 %');
    assert.equal(shareOf(1, 3), '33.3 %');
    assert.equal(shareOf(1, 0), '');
    assert.equal(utcMinute(Date.parse('2026-11-01T12:05:59Z')), '2026-11-01 12:05 UTC');
    assert.equal(utcMinute(0), '');
  });
});
