// A small seeded random generator, so that a dataset and a request mix are the same from run to run.

export type Random = () => number;

/** mulberry32: fast, 32-bit state, good enough to pick names, sizes and subsets. */
export const seeded = (seed: number): Random => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

export const intBetween = (random: Random, min: number, max: number): number => min + Math.floor(random() * (max - min + 1));

export const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** A log-normal sample around `median`: file sizes spread over orders of magnitude, as on a real mirror. */
export const logNormal = (random: Random, median: number, sigma: number): number => {
  const u = Math.max(random(), 1e-12);
  const v = random();
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return median * Math.exp(sigma * normal);
};

/** Lower-case hex of `bytes` random bytes (synthetic digests). */
export const hex = (random: Random, bytes: number): string => {
  let out = '';
  for (let i = 0; i < bytes; i++) out += Math.floor(random() * 256).toString(16).padStart(2, '0');
  return out;
};
