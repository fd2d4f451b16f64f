import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { worldMap } from './world-map.js';
import type { MapMarker } from './world-map.js';

const markers: MapMarker[] = [
  { latitude: 48.85, longitude: 2.35, kind: 'up', label: 'fr-paris: up', name: 'fr-paris' },
  { latitude: 35.68, longitude: 139.75, kind: 'down', label: 'jp <b>"tokyo"</b>', name: 'jp&tokyo' },
  { latitude: 51.75, longitude: -1.25, kind: 'client', label: 'You', name: 'client' },
  { latitude: 52.5, longitude: 13.4, kind: 'disabled', label: 'de: disabled', name: 'de' },
];

const viewBox = (svg: string): number[] => (/viewBox="([^"]+)"/.exec(svg)?.[1] ?? '').split(' ').map(Number);

describe('worldMap', () => {
  it('draws the countries and one marker per point, escaped', () => {
    const svg = worldMap(markers);
    assert.match(svg, /^<svg class="map" /);
    assert.equal(svg.match(/<circle class="marker /g)?.length, 4);
    assert.equal(svg.match(/class="country"/g)?.length, 176, 'the 110m countries without Antarctica');
    assert.match(svg, /data-name="jp&amp;tokyo"><title>jp &lt;b&gt;&quot;tokyo&quot;&lt;\/b&gt;<\/title>/);
    assert.doesNotMatch(svg, /<b>/);
    for (const kind of ['up', 'down', 'client', 'disabled']) assert.match(svg, new RegExp(`class="marker marker-${kind}"`));
  });

  it('draws the client last, on top of the mirrors, and disabled mirrors first', () => {
    const names = [...worldMap(markers).matchAll(/data-name="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(names, ['de', 'jp&amp;tokyo', 'fr-paris', 'client']);
  });

  it('reuses one country layer and zooms by the viewBox alone', () => {
    const world = worldMap([]);
    const europe = worldMap([markers[0]!, markers[2]!, markers[3]!], { fit: true, routeTo: 0 });
    const layer = (svg: string): string => svg.slice(svg.indexOf('<path class="sphere"'), svg.indexOf('</g>') + 4);
    assert.equal(layer(world), layer(europe));
    const [, , fullWidth] = viewBox(world);
    const [x, , width, height] = viewBox(europe);
    assert.ok(width! < fullWidth! / 3, `zoomed to ${width} of ${fullWidth}`);
    assert.ok(x! > 0 && height! > 0);
    assert.match(europe, /<line class="route" /);
    // Markers keep their size on screen when zoomed.
    const r = (svg: string): number => Number(/class="marker marker-up"[^>]*r="([\d.]+)"/.exec(svg)?.[1]);
    assert.ok(r(europe) < r(worldMap([markers[0]!])));
  });

  it('keeps the whole world when the markers are spread over it', () => {
    const spread: MapMarker[] = [...markers, { latitude: 47.6, longitude: -122.3, kind: 'up', label: 'us' }, { latitude: -33.9, longitude: 151.2, kind: 'up', label: 'au' }];
    assert.deepEqual(viewBox(worldMap(spread, { fit: true })), viewBox(worldMap([])));
  });

  it('keeps its size small: coordinates are rounded and relative', () => {
    assert.ok(worldMap([]).length < 120_000, `${worldMap([]).length} characters`);
    assert.doesNotMatch(worldMap([]), /\d\.\d\d/);
  });
});
