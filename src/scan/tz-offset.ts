// Detects a constant mtime offset on a mirror (an FTP server listing local time is the usual cause) from a sample
// of files it holds with the repository's size: one offset shared by at least 90 % of the sample wins.

export interface TimePair {
  localMs: number;
  mirrorMs: number;
}

export type OffsetGuess = { offsetMs: number; agreeing: number; sample: number } | { reason: string };

const MIN_PAIRS = 10;
const AGREEMENT = 0.9;

const truncate = (t: number, precision: number): number => (precision > 0 ? Math.floor(t / precision) * precision : t);

/** `sampled` is how many files were drawn; `pairs` those with a usable mirror time and the right size. */
export const detectTimezoneOffset = (pairs: readonly TimePair[], sampled: number, precisionMs: number): OffsetGuess => {
  if (pairs.length < MIN_PAIRS || pairs.length * 2 < sampled) {
    return { reason: `unable to guess the timezone offset: ${pairs.length} usable files of ${sampled} sampled (need ${MIN_PAIRS} and half)` };
  }
  const counts = new Map<number, number>();
  for (const p of pairs) {
    const diff = truncate(p.localMs, precisionMs) - truncate(p.mirrorMs, precisionMs);
    counts.set(diff, (counts.get(diff) ?? 0) + 1);
  }
  let best = 0;
  let bestCount = 0;
  for (const [diff, n] of counts) if (n > bestCount) [best, bestCount] = [diff, n];
  if (bestCount < pairs.length * AGREEMENT) {
    return { reason: `unable to guess the timezone offset: the most common offset covers only ${bestCount} of ${pairs.length} files` };
  }
  return { offsetMs: best, agreeing: bestCount, sample: pairs.length };
};
