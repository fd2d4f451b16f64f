// The single-precision haversine: known distances, symmetry, zero, and float32 results.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { distanceKm32 } from './distance.js';

const lyon: [number, number] = [45.764, 4.8357];

it('measures known city distances to 0.1 km', () => {
  const cases: [string, number, number, string][] = [
    ['Marseille', 43.2965, 5.3698, '277.6'],
    ['Zurich', 47.3769, 8.5417, '335.2'],
    ['Lille', 50.6292, 3.0573, '556.8'],
    ['Frankfurt', 50.1109, 8.6821, '561.7'],
    ['New York', 40.7128, -74.006, '6146.1'],
  ];
  for (const [name, lat, lon, km] of cases) assert.equal(distanceKm32(...lyon, lat, lon).toFixed(1), km, name);
});

it('is 0 for the same point and symmetric', () => {
  assert.equal(distanceKm32(...lyon, ...lyon), 0);
  assert.equal(distanceKm32(...lyon, 40.7128, -74.006), distanceKm32(40.7128, -74.006, ...lyon));
});

it('returns single-precision values, as Mirrorbits stores them', () => {
  const d = distanceKm32(...lyon, 43.2965, 5.3698);
  assert.equal(Math.fround(d), d);
  assert.notEqual(d.toFixed(6), '277.618758', 'a double-precision haversine gives 277.618758');
});

it('handles antipodes and the date line', () => {
  assert.equal(Math.round(distanceKm32(0, 0, 0, 180)), Math.round(Math.PI * 6371));
  assert.equal(Math.round(distanceKm32(0, 179.5, 0, -179.5)), Math.round((Math.PI * 6371) / 180));
});
