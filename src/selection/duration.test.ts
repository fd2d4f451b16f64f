// goDuration must print exactly what Go's time.Duration.String prints.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { goDuration } from './duration.js';

const cases: [number, string][] = [
  [100_000, '1m40s'],
  [-10_000, '-10s'],
  [10_000, '10s'],
  [3_600_000, '1h0m0s'],
  [500, '500ms'],
  [-999, '-999ms'],
  [0, '0s'],
  [1, '1ms'],
  [1.5, '1.5ms'],
  [0.5, '500µs'],
  [0.0015, '1.5µs'],
  [0.000001, '1ns'],
  [1000, '1s'],
  [1500, '1.5s'],
  [1001, '1.001s'],
  [60_000, '1m0s'],
  [61_250, '1m1.25s'],
  [90_061_001, '25h1m1.001s'],
  [86_400_000 * 365, '8760h0m0s'],
  [-3_600_000 - 0.5, '-1h0m0.0005s'],
];

for (const [ms, text] of cases) {
  it(`${ms} ms → ${text}`, () => assert.equal(goDuration(ms), text));
}
