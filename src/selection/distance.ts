// Great-circle distance between a client and a mirror in single precision, step for step like Mirrorbits,
// because scores truncate distances to integers and a double-precision result can land on the other side.

const f32 = Math.fround;
const DEG_TO_RAD = f32(Math.PI / 180);
const EARTH_RADIUS_KM = 6371;

/** Haversine distance in km (R = 6371) with Mirrorbits' float32 roundings; the result is a float32 value. */
export function distanceKm32(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const la1 = f32(lat1);
  const la2 = f32(lat2);
  const dLat = f32(f32(la2 - la1) * DEG_TO_RAD);
  const dLon = f32(f32(f32(lon2) - f32(lon1)) * DEG_TO_RAD);
  const sinLat = Math.sin(f32(dLat / 2));
  const sinLon = Math.sin(f32(dLon / 2));
  const a = sinLat * sinLat + Math.cos(f32(la1 * DEG_TO_RAD)) * Math.cos(f32(la2 * DEG_TO_RAD)) * sinLon * sinLon;
  const c = 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a));
  return f32(EARTH_RADIUS_KM * f32(c));
}
