// Formats a duration the way Go's time.Duration.String does, so exclusion reasons read like Mirrorbits'.

/** Trailing zeros of a fraction dropped, like Go's fmtFrac; '' when the fraction is zero. */
const fraction = (value: number, digits: number): string => {
  if (value === 0) return '';
  let text = String(value).padStart(digits, '0');
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 48) end--;
  text = text.slice(0, end);
  return '.' + text;
};

/** `1m40s`, `-10s`, `1h0m0s`, `500ms`, `1.5µs`, `0s`; input in milliseconds (sub-ms precision down to 1 ns). */
export function goDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  // Whole milliseconds and the nanoseconds below them, so large values never lose their ns digits to doubles.
  let wholeMs = Math.floor(abs);
  let nanos = Math.round((abs - wholeMs) * 1e6);
  if (nanos >= 1e6) {
    wholeMs += 1;
    nanos -= 1e6;
  }
  if (wholeMs < 1000) {
    const total = wholeMs * 1e6 + nanos;
    if (total === 0) return '0s';
    if (total < 1e3) return `${sign}${total}ns`;
    if (total < 1e6) return `${sign}${Math.floor(total / 1e3)}${fraction(total % 1e3, 3)}µs`;
    return `${sign}${wholeMs}${fraction(nanos, 6)}ms`;
  }
  const seconds = Math.floor(wholeMs / 1000);
  const text = `${seconds % 60}${fraction((wholeMs % 1000) * 1e6 + nanos, 9)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 0) return sign + text;
  const hours = Math.floor(minutes / 60);
  if (hours === 0) return `${sign}${minutes}m${text}`;
  return `${sign}${hours}h${minutes % 60}m${text}`;
}
