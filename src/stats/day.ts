// UTC days and the periods statistics are kept for: a day (YYYY-MM-DD), its month (YYYY-MM), its year (YYYY), all time ('').

export const DAY_MS = 86_400_000;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** The UTC day of a Unix time in ms, as YYYY-MM-DD. */
export const utcDay = (ms: number): string => {
  const date = new Date(ms);
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}`;
};

/** The periods a download on `day` counts towards, narrowest first: [day, month, year, '']. */
export const periodsOf = (day: string): string[] => [day, day.slice(0, 7), day.slice(0, 4), ''];

const isLeap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

const daysIn = (year: number, month: number): number =>
  month === 2 ? (isLeap(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

/** Parts of a period whose month and day exist, or undefined. */
const checked = (year: number, month?: number, day?: number): [number, number?, number?] | undefined => {
  if (month === undefined) return [year];
  if (month < 1 || month > 12) return undefined;
  if (day === undefined) return [year, month];
  if (day < 1 || day > daysIn(year, month)) return undefined;
  return [year, month, day];
};

const format = ([year, month, day]: [number, number?, number?]): string =>
  [pad(year, 4), ...(month === undefined ? [] : [pad(month, 2)]), ...(day === undefined ? [] : [pad(day, 2)])].join('-');

const loose = /^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$/;

/**
 * The period of `?stats=YYYY[-MM[-DD]]`, zero-padded (`2024-5-7` → `2024-05-07`), or undefined when the text is
 * not one or names a date that does not exist (2024-13, 2024-02-30). Unlike Mirrorbits, unpadded parts read the
 * same counters as padded ones.
 */
export const parsePeriod = (text: string): string | undefined => {
  const match = loose.exec(text);
  if (match === null) return undefined;
  const parts = checked(Number(match[1]), match[2] === undefined ? undefined : Number(match[2]), match[3] === undefined ? undefined : Number(match[3]));
  return parts === undefined ? undefined : format(parts);
};

const strictDay = /^(\d{4})-(\d{2})-(\d{2})$/;
const strictPeriod = /^(?:\d{4}(?:-\d{2}(?:-\d{2})?)?)?$/;

/** True for a real date written exactly YYYY-MM-DD, the form the store keeps days in. */
export const isDay = (text: string): boolean => {
  const match = strictDay.exec(text);
  return match !== null && checked(Number(match[1]), Number(match[2]), Number(match[3])) !== undefined;
};

/** True for a period as the store keeps them: '', YYYY, YYYY-MM or YYYY-MM-DD, zero-padded, naming a date that exists. */
export const isPeriod = (text: string): boolean => strictPeriod.test(text) && (text === '' || parsePeriod(text) === text);
