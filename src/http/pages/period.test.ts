import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { daysBetween, parsePeriod } from './period.js';

const NOW = Date.parse('2026-11-21T15:30:00Z');

describe('parsePeriod', () => {
  const cases: [string, string | null, string | null, { from: string; to: string; days: number; error?: RegExp }][] = [
    ['defaults to the last 30 days', null, null, { from: '2026-10-23', to: '2026-11-21', days: 30 }],
    ['empty parameters count as absent', '', ' ', { from: '2026-10-23', to: '2026-11-21', days: 30 }],
    ['takes both days', '2026-01-01', '2026-01-31', { from: '2026-01-01', to: '2026-01-31', days: 31 }],
    ['one day', '2026-05-05', '2026-05-05', { from: '2026-05-05', to: '2026-05-05', days: 1 }],
    ['from alone runs to today', '2026-11-01', null, { from: '2026-11-01', to: '2026-11-21', days: 21 }],
    ['to alone takes the 30 days before it', null, '2026-03-01', { from: '2026-01-31', to: '2026-03-01', days: 30 }],
    ['a day that does not exist', '2026-02-30', null, { from: '2026-10-23', to: '2026-11-21', days: 30, error: /from: "2026-02-30" is not a date/ }],
    ['not a date at all', null, '<script>', { from: '2026-10-23', to: '2026-11-21', days: 30, error: /to: "<script>" is not a date/ }],
    ['from after to', '2026-05-02', '2026-05-01', { from: '2026-10-23', to: '2026-11-21', days: 30, error: /after/ }],
    ['too long', '2020-01-01', '2026-01-01', { from: '2026-10-23', to: '2026-11-21', days: 30, error: /at most 366/ }],
  ];
  for (const [name, from, to, want] of cases) {
    it(name, () => {
      const p = parsePeriod(from, to, NOW);
      assert.deepEqual({ from: p.from, to: p.to, days: p.days }, { from: want.from, to: want.to, days: want.days });
      if (want.error) assert.match(p.error, want.error);
      else assert.equal(p.error, '');
    });
  }

  it('cuts very long input in the message', () => {
    assert.ok(parsePeriod('x'.repeat(5000), null, NOW).error.length < 200);
  });
});

describe('daysBetween', () => {
  it('lists every day, both ends included, across a month end', () => {
    assert.deepEqual(daysBetween('2024-02-27', '2024-03-01'), ['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01']);
  });
});
