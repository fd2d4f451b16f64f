// How the pages write numbers, sizes, distances, times and durations: one place, so both pages read alike.

const IEC = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** IEC size with one decimal (Mirrorbits' page format): `512 bytes`, `1.0 KiB`, `976.6 KiB`. */
export const humanSize = (bytes: number): string => {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(bytes || 0))} bytes`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < IEC.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${IEC[unit]}`;
};

export const integer = (n: number): string => Math.round(n).toLocaleString('en-US');

export const km = (distance: number): string => `${integer(distance)} km`;

/** Share of a weighted draw: `n/a` when not eligible, `<1 %` for small non-zero shares. */
export const percent = (share: number): string => {
  if (!(share > 0)) return 'n/a';
  if (share < 1) return '<1 %';
  return `${Math.round(share)} %`;
};

/** Share of a total, one decimal; '' when the total is zero. */
export const shareOf = (part: number, total: number): string => (total > 0 ? `${((part * 100) / total).toFixed(1)} %` : '');

const two = (n: number): string => String(n).padStart(2, '0');

/** `2026-11-01 12:00 UTC`; '' for 0 or an invalid time. */
export const utcMinute = (ms: number): string => {
  if (!(ms > 0)) return '';
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())} UTC`;
};

/** `YYYY-MM-DD` of the UTC day holding `ms`. */
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** A duration for people: `45 s`, `12 min`, `3 h 20 min`, `4 days 2 h`. */
export const humanDuration = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const days = Math.floor(h / 24);
  return h % 24 ? `${days} days ${h % 24} h` : `${days} days`;
};

/** `3 h 20 min ago`, `in 5 min`, `just now`. */
export const ago = (ms: number, now: number): string => {
  const delta = now - ms;
  if (Math.abs(delta) < 30_000) return 'just now';
  return delta > 0 ? `${humanDuration(delta)} ago` : `in ${humanDuration(-delta)}`;
};
