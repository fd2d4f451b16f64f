// Duration syntax: Mirrorbits' numbers in a unit, Go-style strings, and the compact display form.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { durationText, parseDuration } from './duration.js';
import { ConfigError } from './errors.js';

const MIN = 60_000;

describe('parseDuration', () => {
  const valid: Array<[unknown, number, number]> = [
    [1, MIN, 60_000],
    [30, MIN, 1_800_000],
    [0.5, MIN, 30_000],
    [0, MIN, 0],
    [-1, MIN, -60_000],
    [10, 1000, 10_000],
    ['15', MIN, 900_000],
    ['15s', MIN, 15_000],
    ['2m', 1000, 120_000],
    ['1h', MIN, 3_600_000],
    ['1d', MIN, 86_400_000],
    ['500ms', MIN, 500],
    ['1h30m', MIN, 5_400_000],
    ['1d2h3m4s5ms', 1, 93_784_005],
    ['1.5h', MIN, 5_400_000],
    ['.5s', 1, 500],
    [' 15s ', 1, 15_000],
    ['-5m', MIN, -300_000],
    ['0s', MIN, 0],
  ];
  for (const [value, unit, expected] of valid) {
    it(`reads ${JSON.stringify(value)} (unit ${unit} ms) as ${expected} ms`, () => {
      assert.equal(parseDuration(value, 'CheckInterval', unit), expected);
    });
  }

  const invalid: Array<[unknown, string]> = [
    ['abc', 'CheckInterval: expected a number of minutes or a duration such as "15s", got "abc"'],
    ['', 'CheckInterval: expected a number of minutes or a duration such as "15s", got ""'],
    ['15 s', 'CheckInterval: expected a number of minutes or a duration such as "15s", got "15 s"'],
    ['1w', 'CheckInterval: expected a number of minutes or a duration such as "15s", got "1w"'],
    ['15S', 'CheckInterval: expected a number of minutes or a duration such as "15s", got "15S"'],
    ['h', 'CheckInterval: expected a number of minutes or a duration such as "15s", got "h"'],
    ['1h-5m', 'CheckInterval: expected a number of minutes or a duration such as "15s", got "1h-5m"'],
    [true, 'CheckInterval: expected a number of minutes or a duration such as "15s", got true'],
    [null, 'CheckInterval: expected a number of minutes or a duration such as "15s", got an empty value'],
    [[1], 'CheckInterval: expected a number of minutes or a duration such as "15s", got a list'],
    [{ a: 1 }, 'CheckInterval: expected a number of minutes or a duration such as "15s", got a mapping'],
    [Infinity, 'CheckInterval: duration out of range, got Infinity'],
    [NaN, 'CheckInterval: duration out of range, got NaN'],
    ['1e300d', 'CheckInterval: expected a number of minutes or a duration such as "15s", got "1e300d"'],
  ];
  for (const [value, message] of invalid) {
    it(`refuses ${JSON.stringify(value) ?? String(value)}`, () => {
      assert.throws(() => parseDuration(value, 'CheckInterval', MIN), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.message, message);
        assert.equal(error.key, 'CheckInterval');
        return true;
      });
    });
  }

  it('names the unit of plain numbers', () => {
    assert.throws(() => parseDuration('x', 'CheckTimeout', 1000), /expected a number of seconds or a duration/);
    assert.throws(() => parseDuration('x', 'K', 1), /expected a number of milliseconds/);
  });
});

describe('durationText', () => {
  const cases: Array<[number, string]> = [
    [0, '0s'],
    [500, '500ms'],
    [1500, '1s500ms'],
    [15_000, '15s'],
    [60_000, '1m'],
    [5_400_000, '1h30m'],
    [86_400_000, '1d'],
    [129_600_000, '1d12h'],
    [-300_000, '-5m'],
    [1.4, '1ms'],
  ];
  for (const [ms, text] of cases) {
    it(`writes ${ms} ms as ${text}`, () => assert.equal(durationText(ms), text));
  }

  it('writes what parseDuration reads back', () => {
    for (const ms of [1, 999, 1000, 61_001, 3_599_999, 90_061_001, 10 * 86_400_000]) {
      assert.equal(parseDuration(durationText(ms), 'k', 1), ms);
    }
  });
});
