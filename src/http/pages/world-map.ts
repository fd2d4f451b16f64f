// The world map of both pages as inline SVG drawn on the server (d3-geo over world-atlas), so it needs no tile
// server, no script and prints as it shows. The country layer is the same for every page and is built once.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { geoGraticule, geoNaturalEarth1, geoPath } from 'd3-geo';
import type { GeoContext, GeoPermissibleObjects, GeoProjection } from 'd3-geo';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { escapeHTML } from './escape.js';

export type MarkerKind = 'client' | 'up' | 'down' | 'partial' | 'disabled' | 'excluded' | 'mirror';

export interface MapMarker {
  latitude: number;
  longitude: number;
  kind: MarkerKind;
  /** Shown as the marker's tooltip (and read by screen readers). */
  label: string;
  /** `data-name` of the marker; defaults to the label. */
  name?: string;
}

export interface MapOptions {
  /** Zoom onto the markers instead of showing the whole world (the country layer stays the same string). */
  fit?: boolean;
  /** Draw a line from the client marker to the marker with this index (the first choice of the list page). */
  routeTo?: number;
  /** Accessible description of the map. */
  title?: string;
}

const WIDTH = 960;
/** Rendered marker radius at the full-world zoom, in map units. */
const MARKER_RADIUS = 6;
/** Antarctica is left out, and the map cut just below Tierra del Fuego, to give the inhabited world more room. */
const SOUTH_EDGE = -58;
const ANTARCTICA = '010';

interface Base {
  projection: GeoProjection;
  /** Full extent: x0, y0, width, height. */
  box: [number, number, number, number];
  layer: string;
}

let base: Base | undefined;

/**
 * Collects SVG path data with relative coordinates at a tenth of a map unit: about 30 % shorter than d3's absolute
 * `digits(1)` output, and deltas come from rounded positions so the rounding never drifts.
 */
class PathText implements GeoContext {
  private parts: string[] = [];
  private x = 0;
  private y = 0;

  static of(projection: GeoProjection, object: GeoPermissibleObjects): string {
    const text = new PathText();
    geoPath(projection, text)(object);
    return text.parts.join('');
  }

  beginPath(): void {
    // Each subpath starts with moveTo, which is all the text needs.
  }

  moveTo(x: number, y: number): void {
    this.x = round(x);
    this.y = round(y);
    this.parts.push(`M${this.x} ${this.y}`);
  }

  lineTo(x: number, y: number): void {
    const nx = round(x);
    const ny = round(y);
    const dx = round(nx - this.x);
    const dy = round(ny - this.y);
    if (dx !== 0 || dy !== 0) this.parts.push(`l${dx}${dy < 0 ? '' : ' '}${dy}`);
    this.x = nx;
    this.y = ny;
  }

  closePath(): void {
    this.parts.push('z');
  }

  arc(): void {
    // Only Point geometries draw arcs, and the map has none.
  }
}

const atlasPath = (): string => createRequire(import.meta.url).resolve('world-atlas/countries-110m.json');

const buildBase = (): Base => {
  const topology = JSON.parse(readFileSync(atlasPath(), 'utf8')) as Topology<{ countries: GeometryCollection<{ name: string }> }>;
  const projection = geoNaturalEarth1().fitWidth(WIDTH, { type: 'Sphere' });
  const [[, top], [, bottom]] = geoPath(projection).bounds({ type: 'Sphere' });
  const cut = projection([0, SOUTH_EDGE])?.[1] ?? bottom;
  const height = Math.ceil(Math.min(bottom, cut) - top);
  const countries = feature(topology, topology.objects.countries).features.filter((f) => f.id !== ANTARCTICA);
  const parts = [
    `<path class="sphere" d="${PathText.of(projection, { type: 'Sphere' })}"/>`,
    `<path class="graticule" d="${PathText.of(projection, geoGraticule().step([30, 30])())}"/>`,
    `<g class="countries">`,
    ...countries.map((f) => `<path class="country" d="${PathText.of(projection, f)}"><title>${escapeHTML(f.properties?.name ?? '')}</title></path>`),
    `</g>`,
  ];
  return { projection, box: [0, Math.floor(top), WIDTH, height], layer: parts.join('') };
};

/** The country layer, built on first use (about 100 ms), then the same string for every page. */
const mapBase = (): Base => (base ??= buildBase());

const round = (n: number): number => Math.round(n * 10) / 10;

const fitBox = (full: [number, number, number, number], points: [number, number][]): [number, number, number, number] => {
  const [fx, fy, fw, fh] = full;
  if (points.length === 0) return full;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const [x, y] of points) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  // At least a sixth of the world across, some margin, and the full map's proportions so it fills its frame.
  const aspect = fw / fh;
  let w = Math.max((x1 - x0) * 1.3, fw / 6);
  let h = Math.max((y1 - y0) * 1.3, w / aspect);
  w = Math.max(w, h * aspect);
  h = w / aspect;
  // Zooming in by less than a third only loses context.
  if (w >= fw * 0.75 || h >= fh) return full;
  const cx = Math.min(Math.max((x0 + x1) / 2, fx + w / 2), fx + fw - w / 2);
  const cy = Math.min(Math.max((y0 + y1) / 2, fy + h / 2), fy + fh - h / 2);
  return [round(cx - w / 2), round(cy - h / 2), round(w), round(h)];
};

/** Order markers are drawn in, so that what matters most ends on top. */
const LAYER: Record<MarkerKind, number> = { disabled: 0, excluded: 1, mirror: 2, down: 3, partial: 4, up: 5, client: 6 };

/** `<svg class="map">` with the countries and one `<circle class="marker marker-KIND">` per marker. */
export const worldMap = (markers: readonly MapMarker[], options: MapOptions = {}): string => {
  const { projection, box, layer } = mapBase();
  const placed = markers.map((m) => ({ marker: m, at: projection([m.longitude, m.latitude]) ?? [0, 0] }));
  let view = box;
  if (options.fit) view = fitBox(box, placed.map((p) => p.at));
  else {
    // A marker below the cut (an Antarctic station) still has to show.
    const lowest = Math.max(...placed.map((p) => p.at[1] + MARKER_RADIUS * 2), box[1] + box[3]);
    view = [box[0], box[1], box[2], Math.ceil(lowest - box[1])];
  }
  const scale = view[2] / WIDTH;
  const r = round(Math.max(MARKER_RADIUS * scale, 0.5));
  const client = placed.find((p) => p.marker.kind === 'client');
  let route = '';
  if (client && options.routeTo !== undefined && placed[options.routeTo] && placed[options.routeTo] !== client) {
    const [x1, y1] = client.at;
    const [x2, y2] = placed[options.routeTo].at;
    route = `<line class="route" x1="${round(x1)}" y1="${round(y1)}" x2="${round(x2)}" y2="${round(y2)}"/>`;
  }
  const circles = placed
    .map((p, i) => ({ ...p, i }))
    .sort((a, b) => LAYER[a.marker.kind] - LAYER[b.marker.kind] || a.i - b.i)
    .map(({ marker, at }) => {
      const radius = marker.kind === 'client' ? round(r * 1.4) : r;
      const name = escapeHTML(marker.name ?? marker.label);
      return `<circle class="marker marker-${marker.kind}" cx="${round(at[0])}" cy="${round(at[1])}" r="${radius}" data-name="${name}"><title>${escapeHTML(marker.label)}</title></circle>`;
    });
  const title = options.title ? `<title>${escapeHTML(options.title)}</title>` : '';
  return `<svg class="map${options.fit ? ' map-zoomed' : ''}" xmlns="http://www.w3.org/2000/svg" viewBox="${view.join(' ')}" role="img" preserveAspectRatio="xMidYMid meet">${title}${layer}${route}<g class="markers">${circles.join('')}</g></svg>`;
};
