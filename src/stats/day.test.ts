// UTC days, the periods a day counts towards, and the parsing of ?stats=YYYY[-MM[-DD]].
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDay, isPeriod, parsePeriod, periodsOf, utcDay } from './day.js';

describe('utcDay', () => {
  const cases: [ms: number, day: string][] = [
    [0, '1970-01-01'],
    [Date.UTC(2024, 4, 7, 0, 0, 0, 0), '2024-05-07'],
    [Date.UTC(2024, 4, 7, 23, 59, 59, 999), '2024-05-07'],
    [Date.UTC(2024, 4, 8), '2024-05-08'],
    [Date.UTC(2024, 1, 29, 12), '2024-02-29'],
    [Date.UTC(2023, 11, 31, 23, 59, 59, 999), '2023-12-31'],
  ];
  for (const [ms, day] of cases) it(`${new Date(ms).toISOString()} is ${day}`, () => assert.equal(utcDay(ms), day));
});

describe('periodsOf', () => {
  it('gives the day, its month, its year and all time', () => {
    assert.deepEqual(periodsOf('2024-05-07'), ['2024-05-07', '2024-05', '2024', '']);
  });
});

describe('parsePeriod', () => {
  const cases: [text: string, period: string | undefined][] = [
    ['2024', '2024'],
    ['2024-05', '2024-05'],
    ['2024-5', '2024-05'],
    ['2024-12', '2024-12'],
    ['2024-05-07', '2024-05-07'],
    ['2024-5-7', '2024-05-07'],
    ['2024-05-7', '2024-05-07'],
    ['2024-2-29', '2024-02-29'],
    ['2000-02-29', '2000-02-29'],
    ['2024-12-31', '2024-12-31'],
    ['2024-04-30', '2024-04-30'],
    ['2024-13', undefined],
    ['2024-0', undefined],
    ['2024-00', undefined],
    ['2024-02-30', undefined],
    ['2023-02-29', undefined],
    ['1900-02-29', undefined],
    ['2024-04-31', undefined],
    ['2024-05-00', undefined],
    ['2024-05-32', undefined],
    ['2024-005', undefined],
    ['2024-05-007', undefined],
    ['24', undefined],
    ['20245', undefined],
    ['', undefined],
    ['today', undefined],
    ['2024-', undefined],
    ['2024-05-', undefined],
    ['2024/05/07', undefined],
    [' 2024', undefined],
    ['2024-05-07 ', undefined],
    ['2024-05-07T00:00', undefined],
    ['+2024', undefined],
    ['2024-05-07-01', undefined],
    ['２０２４', undefined],
  ];
  for (const [text, period] of cases) it(`${JSON.stringify(text)} → ${String(period)}`, () => assert.equal(parsePeriod(text), period));
});

describe('isDay and isPeriod', () => {
  const cases: [text: string, day: boolean, period: boolean][] = [
    ['2024-05-07', true, true],
    ['2024-02-29', true, true],
    ['2024-5-7', false, false],
    ['2024-02-30', false, false],
    ['2024-05', false, true],
    ['2024-5', false, false],
    ['2024', false, true],
    ['', false, true],
    ['2024-13', false, false],
    ['x', false, false],
  ];
  for (const [text, day, period] of cases) {
    it(`${JSON.stringify(text)}: day ${day}, period ${period}`, () => {
      assert.equal(isDay(text), day);
      assert.equal(isPeriod(text), period);
    });
  }
});
