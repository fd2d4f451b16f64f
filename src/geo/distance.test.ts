import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { distanceKm } from './distance.js';

describe('distanceKm', () => {
  const lyon: [number, number] = [45.764, 4.8357];
  // Values from the Mirrorbits study (float32 there); Paris is 391.5 km for these coordinates.
  const fromLyon: [string, number, number, number][] = [
    ['Frankfurt', 50.1109, 8.6821, 561.7],
    ['Marseille', 43.2965, 5.3698, 277.6],
    ['Zurich', 47.3769, 8.5417, 335.2],
    ['Paris', 48.8566, 2.3522, 391.5],
    ['New York', 40.7128, -74.006, 6146.1],
  ];
  for (const [name, lat, lon, km] of fromLyon) {
    it(`Lyon → ${name} ≈ ${km} km`, () => {
      const d = distanceKm(...lyon, lat, lon);
      assert.ok(Math.abs(d - km) < 0.5, `${d}`);
      assert.equal(distanceKm(lat, lon, ...lyon), d, 'symmetric');
    });
  }

  it('matches Mirrorbits’ own test: Paris → (40.7127, 74.0059) = 5514 km', () => {
    assert.equal(Math.floor(distanceKm(48.8567, 2.3508, 40.7127, 74.0059)), 5514);
  });

  it('is 0 for the same point and half the circumference for antipodes', () => {
    assert.equal(distanceKm(...lyon, ...lyon), 0);
    assert.equal(distanceKm(0, 0, 0, 0), 0);
    assert.ok(Math.abs(distanceKm(0, 0, 0, 180) - Math.PI * 6371) < 1e-6);
    assert.ok(Math.abs(distanceKm(90, 0, -90, 0) - Math.PI * 6371) < 1e-6);
    assert.ok(Math.abs(distanceKm(10, 179.5, 10, -179.5) - distanceKm(10, 0, 10, 1)) < 1e-9, 'across the date line');
  });
});
