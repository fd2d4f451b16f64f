// Parses the output of `rsync --list-only -r` into mirror files; pure, and tolerant of any line a
// hostile or broken daemon may send (Mirrorbits crashed on a line it did not expect).
import type { MirrorFile } from '../mirrors/mirror.js';
import { SkipLog, safeRelativePath, utcTime } from './listing.js';

/** Lines longer than this are skipped without being parsed. */
export const MAX_RSYNC_LINE = 8192;

export type RsyncLine =
  | { kind: 'file'; file: MirrorFile }
  /** A directory, symlink, device, FIFO, socket or blank line: not a file, not an error. */
  | { kind: 'ignored' }
  | { kind: 'skipped'; reason: string };

// `-rw-r--r--      1,234,567 2024/06/07 12:00:03 path/to/file`. The size is grouped with commas by default,
// with dots in some locales, plain with --no-human-readable. Exactly one space precedes the name, so
// names may start with or contain spaces.
const LINE =
  /^([-dlbcpsD])[-rwxsStTl]{9}[+.@]? +(\d{1,3}(?:,\d{3})+|\d{1,3}(?:\.\d{3})+|\d+) +(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2}) (.+)$/;

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/**
 * rsync prints bytes it considers unprintable as `\#ooo` (octal), and escapes a literal `\#` in a name the
 * same way, so replacing every `\#ooo` by its byte and decoding the bytes as UTF-8 restores the name.
 * Undefined when the bytes are not UTF-8.
 */
export const unescapeRsyncName = (name: string): string | undefined => {
  if (!name.includes('\\#')) return name;
  const bytes: number[] = [];
  const escape = /\\#([0-7]{3})/g;
  let last = 0;
  for (let match = escape.exec(name); match; match = escape.exec(name)) {
    for (const byte of encoder.encode(name.slice(last, match.index))) bytes.push(byte);
    const value = parseInt(match[1] ?? '0', 8);
    if (value > 255) return undefined;
    bytes.push(value);
    last = match.index + match[0].length;
  }
  for (const byte of encoder.encode(name.slice(last))) bytes.push(byte);
  try {
    return decoder.decode(new Uint8Array(bytes));
  } catch {
    return undefined;
  }
};

/** Classifies one line of `rsync --list-only` output (without its newline). Times are read as UTC. */
export const parseRsyncLine = (line: string): RsyncLine => {
  if (line.length > MAX_RSYNC_LINE) return { kind: 'skipped', reason: 'line longer than 8 KiB' };
  if (line.trim() === '') return { kind: 'ignored' };
  const match = LINE.exec(line);
  if (!match) return { kind: 'skipped', reason: 'unparsable line' };
  const [, type, sizeText, year, month, day, hour, minute, second, rawName] = match as unknown as string[];
  if (type !== '-') return { kind: 'ignored' };
  const size = Number((sizeText ?? '').replace(/[.,]/g, ''));
  if (!Number.isSafeInteger(size)) return { kind: 'skipped', reason: 'size out of range' };
  const mtimeMs = utcTime(Number(year), Number(month), Number(day), Number(hour), Number(minute), Number(second));
  if (mtimeMs === undefined) return { kind: 'skipped', reason: 'invalid date' };
  const name = unescapeRsyncName(rawName ?? '');
  if (name === undefined) return { kind: 'skipped', reason: 'name is not UTF-8' };
  const path = safeRelativePath(name);
  if (path === undefined) return { kind: 'skipped', reason: 'unsafe path' };
  return { kind: 'file', file: { path, size, mtimeMs } };
};

/** Parses a whole listing; lines that cannot be trusted are counted, with up to 10 examples. */
export const parseRsyncListing = (
  text: string,
): { files: MirrorFile[]; skipped: number; skippedExamples: string[] } => {
  const files: MirrorFile[] = [];
  const skips = new SkipLog();
  for (const line of text.split('\n')) {
    const parsed = parseRsyncLine(line);
    if (parsed.kind === 'file') files.push(parsed.file);
    else if (parsed.kind === 'skipped') skips.add(parsed.reason, line);
  }
  return { files, skipped: skips.count, skippedExamples: skips.examples };
};
