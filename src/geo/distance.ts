// Great-circle distance between two points, as Mirrorbits computes it for mirror selection.

const EARTH_RADIUS_KM = 6371;
const RADIANS = Math.PI / 180;

/**
 * Haversine distance in km on a sphere of radius 6371 km. Mirrorbits does the same in float32;
 * the results agree to a few metres, which no selection rule can notice.
 */
export const distanceKm = (lat1: number, lon1: number, lat2: number, lon2: number): number => {
  const dLat = (lat2 - lat1) * RADIANS;
  const dLon = (lon2 - lon1) * RADIANS;
  const sinLat = Math.sin(dLat / 2);
  const sinLon = Math.sin(dLon / 2);
  const h = sinLat * sinLat + Math.cos(lat1 * RADIANS) * Math.cos(lat2 * RADIANS) * sinLon * sinLon;
  // min() guards against h creeping above 1 by rounding for antipodal points.
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
};
