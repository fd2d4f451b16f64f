// Durations in the configuration: Mirrorbits' plain numbers (in a key-specific unit) or
// Go-style strings such as `15s`, `1h30m`, `1d`; always milliseconds inside Signpost.
import { ConfigError } from './errors.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(?:\d+(?:\.\d+)?|\.\d+)(?:ms|s|m|h|d)(?:(?:\d+(?:\.\d+)?|\.\d+)(?:ms|s|m|h|d))*$/;
const PART = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h|d)/g;
const NUMBER = /^[+-]?(?:\d+(?:\.\d+)?|\.\d+)$/;

const unitName = (unitMs: number): string => {
  switch (unitMs) {
    case 1: return 'milliseconds';
    case 1000: return 'seconds';
    case 60_000: return 'minutes';
    case 3_600_000: return 'hours';
    case 86_400_000: return 'days';
    default: return `units of ${unitMs} ms`;
  }
};

const describe = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
};

const checked = (ms: number, value: unknown, key: string): number => {
  if (!Number.isFinite(ms) || Math.abs(ms) > Number.MAX_SAFE_INTEGER) {
    throw new ConfigError('', undefined, key, `duration out of range, got ${describe(value)}`);
  }
  // Round half away from zero so "-1.5ms" mirrors "1.5ms".
  const rounded = Math.sign(ms) * Math.round(Math.abs(ms));
  return rounded === 0 ? 0 : rounded;
};

/**
 * A duration in milliseconds. A number (or a numeric string, as command-line flags give) counts
 * `unitMs` units; a string is one or more `<number><unit>` parts with units ms, s, m, h, d, and
 * may start with `-`. The sign is kept: range checks belong to the caller.
 */
export const parseDuration = (value: unknown, key: string, unitMs: number): number => {
  if (typeof value === 'number') return checked(value * unitMs, value, key);
  if (typeof value === 'string') {
    const text = value.trim();
    if (NUMBER.test(text)) return checked(Number(text) * unitMs, value, key);
    const negative = text.startsWith('-');
    const body = negative || text.startsWith('+') ? text.slice(1) : text;
    if (DURATION.test(body)) {
      let ms = 0;
      for (const [, amount, unit] of body.matchAll(PART)) ms += Number(amount) * (UNIT_MS[unit ?? ''] ?? NaN);
      return checked(negative ? -ms : ms, value, key);
    }
  }
  throw new ConfigError(
    '',
    undefined,
    key,
    `expected a number of ${unitName(unitMs)} or a duration such as "15s", got ${describe(value)}`,
  );
};

const PARTS: ReadonlyArray<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];

/** The shortest exact spelling of a duration in the syntax parseDuration reads: `1h30m`, `15s`, `500ms`. */
export const durationText = (ms: number): string => {
  if (!Number.isFinite(ms)) return String(ms);
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return '0s';
  let text = '';
  for (const [unit, size] of PARTS) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return ms < 0 ? `-${text}` : text;
};
