// Turns the raw text of an FTP directory listing (MLSD, Unix or DOS `LIST`) into entries; pure.
// basic-ftp's parsers read each line; this module decides what to trust and how precise each date is.
import { FileType, parseList, type FileInfo } from 'basic-ftp';
import { SkipLog, monthNumber, safeRelativePath, utcTime } from './listing.js';

export const MAX_FTP_LINE = 8192;
export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

export interface FtpEntry {
  name: string;
  type: 'file' | 'dir' | 'link';
  size: number;
  /** Unix ms, 0 when the listing gave no usable date. */
  mtimeMs: number;
  /** 1000 (MLSD), 60000 (LIST with a time), 86400000 (LIST with only a day), 0 when mtimeMs is 0. */
  precisionMs: number;
}

export interface FtpListDate {
  mtimeMs: number;
  precisionMs: number;
}

/**
 * Reads the date of a `LIST` line as basic-ftp hands it over (`Nov 21 12:00`, `Nov 21 2024`,
 * `21 Nov 12:00`, `2024-11-21 12:00`, DOS `11-21-24 12:00PM`) as UTC. `ls` omits the year for recent
 * files, so the year is the latest one that does not put the date more than a day after `nowMs`.
 */
export const parseFtpListDate = (raw: string, nowMs: number): FtpListDate | undefined => {
  const text = raw.trim().replace(/\s+/g, ' ');
  const recentYear = (month: number, day: number, hour: number, minute: number): number | undefined => {
    const year = new Date(nowMs).getUTCFullYear();
    for (let y = year; y >= year - 4; y--) {
      const t = utcTime(y, month, day, hour, minute);
      if (t !== undefined && t <= nowMs + DAY_MS) return t;
    }
    return undefined;
  };
  let m = /^([A-Za-z]{3}) (\d{1,2}) (\d{1,2}):(\d{2})$/.exec(text) ?? /^(\d{1,2}) ([A-Za-z]{3}) (\d{1,2}):(\d{2})$/.exec(text);
  if (m) {
    const [monthText, dayText] = /^\d/.test(m[1] ?? '') ? [m[2], m[1]] : [m[1], m[2]];
    const month = monthNumber(monthText ?? '');
    if (month === undefined) return undefined;
    const t = recentYear(month, Number(dayText), Number(m[3]), Number(m[4]));
    return t === undefined ? undefined : { mtimeMs: t, precisionMs: MINUTE_MS };
  }
  m = /^([A-Za-z]{3}) (\d{1,2}) (\d{4})$/.exec(text) ?? /^(\d{1,2}) ([A-Za-z]{3}) (\d{4})$/.exec(text);
  if (m) {
    const [monthText, dayText] = /^\d/.test(m[1] ?? '') ? [m[2], m[1]] : [m[1], m[2]];
    const month = monthNumber(monthText ?? '');
    const t = month === undefined ? undefined : utcTime(Number(m[3]), month, Number(dayText));
    return t === undefined ? undefined : { mtimeMs: t, precisionMs: DAY_MS };
  }
  m = /^(\d{4})[-/](\d{2})[-/](\d{2}) (\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (m) {
    const t = utcTime(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
    return t === undefined ? undefined : { mtimeMs: t, precisionMs: m[6] === undefined ? MINUTE_MS : 1000 };
  }
  m = /^(\d{2})-(\d{2})-(\d{2}|\d{4}) (\d{1,2}):(\d{2}) ?([AaPp][Mm])?$/.exec(text);
  if (m) {
    let year = Number(m[3]);
    if ((m[3] ?? '').length === 2) year += year < 70 ? 2000 : 1900;
    let hour = Number(m[4]);
    const half = (m[6] ?? '').toUpperCase();
    if (half !== '' && (hour < 1 || hour > 12)) return undefined;
    if (half === 'AM' && hour === 12) hour = 0;
    if (half === 'PM' && hour !== 12) hour += 12;
    const t = utcTime(year, Number(m[1]), Number(m[2]), hour, Number(m[5]));
    return t === undefined ? undefined : { mtimeMs: t, precisionMs: MINUTE_MS };
  }
  return undefined;
};

/**
 * The time of an MLSD `modify` fact or an MDTM reply (`YYYYMMDDHHMMSS[.fraction]`, UTC, RFC 3659).
 * basic-ftp reads a fraction as milliseconds whatever its length (`.5` as 5 ms), hence this parser.
 */
export const parseMlsxTime = (value: string): number | undefined => {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,9}))?$/.exec(value.trim());
  if (!m) return undefined;
  const t = utcTime(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return t === undefined ? undefined : t + Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
};

const MLSD_MODIFY = /(?:^|;)\s*modify=([0-9.]+)\s*(?:;|$)/i;

const isDotEntry = (line: string): boolean => /(^|[ ;])\.\.?$/.test(line.trimEnd());

/**
 * Parses the listing of one directory. `.`/`..` are dropped silently; lines that no parser understands,
 * names that are not a single safe path segment, and unknown entry types are counted as skipped.
 */
export const parseFtpListing = (
  raw: string,
  nowMs: number,
): { entries: FtpEntry[]; skipped: number; skippedExamples: string[] } => {
  const entries: FtpEntry[] = [];
  const skips = new SkipLog();
  for (const line of raw.split(/\r?\n/)) {
    if (line.trim() === '' || /^total \d+/.test(line)) continue;
    if (line.length > MAX_FTP_LINE) {
      skips.add('line longer than 8 KiB', line);
      continue;
    }
    let infos: FileInfo[];
    try {
      infos = parseList(line);
    } catch {
      skips.add('unparsable line', line);
      continue;
    }
    const info = infos[0];
    if (info === undefined) {
      if (!isDotEntry(line)) skips.add('unparsable line', line);
      continue;
    }
    const name = info.name;
    if (name === '.' || name === '..') continue;
    if (name.includes('/') || safeRelativePath(name) !== '/' + name) {
      skips.add('unsafe name', line);
      continue;
    }
    let type: FtpEntry['type'];
    if (info.type === FileType.Directory) type = 'dir';
    else if (info.type === FileType.SymbolicLink) type = 'link';
    else if (info.type === FileType.File) type = 'file';
    else {
      skips.add('unknown entry type', line);
      continue;
    }
    const size = type === 'file' ? info.size : 0;
    if (!Number.isSafeInteger(size) || size < 0) {
      skips.add('invalid size', line);
      continue;
    }
    let date: FtpListDate | undefined;
    if (info.modifiedAt !== undefined) {
      // An MLSD line: its facts come before the first space.
      const modify = MLSD_MODIFY.exec(line.slice(0, Math.max(0, line.indexOf(' '))));
      const exact = modify ? parseMlsxTime(modify[1] ?? '') : undefined;
      if (exact !== undefined) date = { mtimeMs: exact, precisionMs: 1000 };
    } else if (info.rawModifiedAt) {
      date = parseFtpListDate(info.rawModifiedAt, nowMs);
    }
    entries.push({ name, type, size, mtimeMs: date?.mtimeMs ?? 0, precisionMs: date?.precisionMs ?? 0 });
  }
  return { entries, skipped: skips.count, skippedExamples: skips.examples };
};
