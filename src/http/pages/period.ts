// The `from` / `to` query parameters of `?mirrorstats`: whole UTC days, checked, with a readable complaint when wrong.
import { utcDay } from './format.js';

export const DEFAULT_DAYS = 30;
/** Longest period shown: the page lists every day of it. */
export const MAX_DAYS = 366;

const DAY_MS = 86_400_000;

export interface Period {
  from: string;
  to: string;
  days: number;
  /** What was wrong with the query, '' when it was fine; the default period is used instead. */
  error: string;
}

const parseDay = (text: string): number | undefined => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  // Date.parse rolls 2026-02-30 over to March; a real date formats back to itself.
  return Number.isNaN(ms) || utcDay(ms) !== text ? undefined : ms;
};

export const addDays = (day: string, n: number): string => utcDay(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS);

/** Every day from `from` to `to`, both included. */
export const daysBetween = (from: string, to: string): string[] => {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
};

/** The period the query asks for: `to` defaults to today (UTC), `from` to DEFAULT_DAYS days ending at `to`. */
export const parsePeriod = (from: string | null | undefined, to: string | null | undefined, now: number): Period => {
  const today = utcDay(now);
  const fallback = (error: string): Period => ({ from: addDays(today, 1 - DEFAULT_DAYS), to: today, days: DEFAULT_DAYS, error });
  const quote = (s: string): string => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
  const toText = to?.trim() || today;
  const toMs = parseDay(toText);
  if (toMs === undefined) return fallback(`to: ${quote(toText)} is not a date (expected YYYY-MM-DD); showing the last ${DEFAULT_DAYS} days`);
  const fromText = from?.trim() || addDays(toText, 1 - DEFAULT_DAYS);
  const fromMs = parseDay(fromText);
  if (fromMs === undefined) return fallback(`from: ${quote(fromText)} is not a date (expected YYYY-MM-DD); showing the last ${DEFAULT_DAYS} days`);
  if (fromMs > toMs) return fallback(`from (${fromText}) is after to (${toText}); showing the last ${DEFAULT_DAYS} days`);
  const days = Math.round((toMs - fromMs) / DAY_MS) + 1;
  if (days > MAX_DAYS) return fallback(`${fromText} to ${toText} is ${days} days; the page shows at most ${MAX_DAYS}; showing the last ${DEFAULT_DAYS} days`);
  return { from: fromText, to: toText, days, error: '' };
};
