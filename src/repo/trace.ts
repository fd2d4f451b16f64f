// Parses a trace file: the time its origin last wrote it, as Mirrorbits and Debian's ftpsync write them.

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `date -u` in the POSIX locale, as Debian's ftpsync writes on a trace file's first line: `Sat Nov 21 22:00:01 UTC 2026`. */
const debianDate =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(?:UTC|GMT)\s+(\d{4})$/;

const parseDebianDate = (line: string): number | undefined => {
  const match = debianDate.exec(line);
  if (match === null) return undefined;
  const [, month, day, hour, minute, second, year] = match;
  const fields = [Number(year), months.indexOf(month), Number(day), Number(hour), Number(minute), Number(second)] as const;
  const time = Date.UTC(...fields);
  const date = new Date(time);
  // Date.UTC rolls Feb 30 over to March: refuse dates that do not exist.
  const exists =
    date.getUTCFullYear() === fields[0] &&
    date.getUTCMonth() === fields[1] &&
    date.getUTCDate() === fields[2] &&
    date.getUTCHours() === fields[3] &&
    date.getUTCMinutes() === fields[4] &&
    date.getUTCSeconds() === fields[5];
  return exists ? time : undefined;
};

/** Unix ms of a trace file's content, or undefined when it holds no valid time. */
export const parseTraceFile = (text: string): number | undefined => {
  const content = text.replace(/^\uFEFF/, '').trim();
  const firstWord = content.split(/\s+/, 1)[0];
  // Twelve digits reach year 33658 and keep the milliseconds an exact integer.
  if (/^\d{1,12}$/.test(firstWord)) return Number(firstWord) * 1000;
  return parseDebianDate(content.split(/\r?\n/, 1)[0].trim());
};
