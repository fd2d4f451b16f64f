// Shared vocabulary of the mirror scanners: options, results, the typed error, and path/URL hygiene
// applied to everything a mirror tells us, since a listing is untrusted input.
import type { MirrorFile, ScanProtocol } from '../mirrors/mirror.js';

export interface ScanOptions {
  /** Aborting stops the scan (and kills an rsync process); the scan then rejects with a ScanError of kind 'aborted'. */
  signal?: AbortSignal;
  /** Deadline for the whole scan; past it the scan rejects with a ScanError of kind 'timeout'. */
  timeoutMs?: number;
  /** Called now and then with the number of files listed so far. */
  onProgress?: (filesSeen: number) => void;
  /** More entries than this make the scan fail rather than exhaust memory. Default 5,000,000. */
  maxFiles?: number;
  /**
   * Receives each file listed, instead of ScanResult.files (then left empty), so that a million-entry listing is
   * not held as a million objects. A scan that fails may have passed some files already.
   */
  onFile?: (file: MirrorFile) => void;
}

export interface ScanResult {
  protocol: ScanProtocol;
  /** The files listed; empty when they went to ScanOptions.onFile. */
  files: MirrorFile[];
  /** How many files were listed. */
  listed: number;
  /** Resolution of the mtimes in `files`: compare them with the repository's after truncating both to it. */
  precisionMs: number;
  /** Listing entries that were ignored because they could not be trusted or parsed. */
  skipped: number;
  /** At most 10 of them, each `reason: "entry"`, at most 200 characters. */
  skippedExamples: string[];
  /**
   * Part of the tree could not be read (rsync exit 23, an unreadable directory, a failed HEAD): a file
   * missing from `files` may still be on the mirror, so absence must not be taken as removal.
   */
  partial: boolean;
  /** Notes for the operator (e.g. rsync warnings), at most 10. */
  warnings: string[];
}

export type ScanFailure = 'failed' | 'timeout' | 'aborted';

/** A scan that produced no usable listing. The message names the mirror URL (never its credentials) and the cause. */
export class ScanError extends Error {
  readonly url: string;
  readonly kind: ScanFailure;
  constructor(url: string, cause: string, kind: ScanFailure = 'failed') {
    const shown = redactURL(url);
    super(`${shown}: ${cause}`);
    this.name = 'ScanError';
    this.url = shown;
    this.kind = kind;
  }
}

/** Where a scanner puts the files it lists: ScanOptions.onFile when given, else an array for ScanResult.files. */
export class FileCollector {
  readonly files: MirrorFile[] = [];
  count = 0;

  constructor(private readonly onFile: ((file: MirrorFile) => void) | undefined) {}

  add(file: MirrorFile): void {
    this.count++;
    if (this.onFile) this.onFile(file);
    else this.files.push(file);
  }
}

export const DEFAULT_MAX_FILES = 5_000_000;
export const MAX_PATH_LENGTH = 4096;
const MAX_EXAMPLES = 10;
const MAX_EXAMPLE_LENGTH = 200;

// C0 controls, DEL and C1 controls: never part of a name we want to store, print or send back to a server.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// In a `u` regex a proper surrogate pair is one code point, so only a lone (malformed) half matches.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The repository path (`/a/b`) for a path a mirror listed relative to its base (`a/b`), or undefined when
 * it must not be trusted: a `..` segment, a control character, an absolute or drive-letter path, a
 * malformed string, or more than 4096 characters. `.` and empty segments are dropped.
 */
export const safeRelativePath = (raw: string): string | undefined => {
  if (raw.length === 0 || raw.length > MAX_PATH_LENGTH) return undefined;
  if (CONTROL.test(raw) || LONE_SURROGATE.test(raw)) return undefined;
  if (raw.startsWith('/') || raw.startsWith('\\') || /^[A-Za-z]:[\\/]/.test(raw)) return undefined;
  const segments: string[] = [];
  for (const segment of raw.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') return undefined;
    segments.push(segment);
  }
  if (segments.length === 0) return undefined;
  return '/' + segments.join('/');
};

/** The URL with any user name and password removed, for messages and logs. */
export const redactURL = (url: string): string => {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.href;
  } catch {
    // Not parseable: strip anything that looks like `//user:pass@` anyway.
    return url.replace(/\/\/[^/@\s]*@/, '//');
  }
};

export interface Credentials {
  /** The URL without user and password. */
  bare: string;
  /** Percent-decoded; '' when absent. */
  user: string;
  password: string;
}

/** Splits the credentials out of a parsed URL so they can travel outside command lines and messages. */
export const splitCredentials = (url: URL): Credentials => {
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const user = decode(url.username);
  const password = decode(url.password);
  const bare = new URL(url.href);
  bare.username = '';
  bare.password = '';
  return { bare: bare.href, user, password };
};

/** Counts entries a scan refused and keeps a few examples for the operator. */
export class SkipLog {
  count = 0;
  readonly examples: string[] = [];

  add(reason: string, entry: string): void {
    this.count++;
    if (this.examples.length >= MAX_EXAMPLES) return;
    const shown = JSON.stringify(entry.length > MAX_EXAMPLE_LENGTH ? entry.slice(0, MAX_EXAMPLE_LENGTH) : entry);
    const text = `${reason}: ${shown}`;
    this.examples.push(text.length > MAX_EXAMPLE_LENGTH ? text.slice(0, MAX_EXAMPLE_LENGTH - 1) + '…' : text);
  }

  /** Adds another log's counts and examples (e.g. of one directory page) to this one. */
  merge(other: { skipped: number; skippedExamples: string[] }): void {
    this.count += other.skipped;
    for (const example of other.skippedExamples) {
      if (this.examples.length >= MAX_EXAMPLES) break;
      this.examples.push(example);
    }
  }
}

/** Calls the caller's progress callback; a callback that throws must not kill a scan or the process. */
export const reportProgress = (opts: ScanOptions, filesSeen: number): void => {
  try {
    opts.onProgress?.(filesSeen);
  } catch {
    // ignored on purpose
  }
};

/** A bounded list of warnings. */
export const addWarning = (warnings: string[], text: string): void => {
  if (warnings.length < MAX_EXAMPLES) warnings.push(text.length > 300 ? text.slice(0, 299) + '…' : text);
};

/**
 * One signal for "stop now", combining the caller's signal and the whole-scan deadline, plus a way to
 * tell which fired. `dispose` clears the timer.
 */
export const scanDeadline = (
  opts: ScanOptions,
): { signal: AbortSignal; failure: () => ScanFailure | undefined; dispose: () => void } => {
  const controller = new AbortController();
  let failure: ScanFailure | undefined;
  const onAbort = (): void => {
    failure ??= 'aborted';
    controller.abort();
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  if (opts.timeoutMs !== undefined && opts.timeoutMs > 0 && !controller.signal.aborted) {
    timer = setTimeout(() => {
      failure ??= 'timeout';
      controller.abort();
    }, opts.timeoutMs);
  }
  return {
    signal: controller.signal,
    failure: () => failure,
    dispose: () => {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    },
  };
};

/** The ScanError for a scan stopped by its deadline or its caller. */
export const stoppedError = (url: string, failure: ScanFailure, opts: ScanOptions): ScanError =>
  failure === 'timeout'
    ? new ScanError(url, `scan timed out after ${formatDuration(opts.timeoutMs ?? 0)}`, 'timeout')
    : new ScanError(url, 'scan aborted', 'aborted');

export const formatDuration = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

/** A short, single-line description of an error thrown by Node or a library (no stack). */
export const describeError = (err: unknown): string => {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  const code = (err as { code?: unknown }).code;
  if (cause instanceof Error) {
    const causeCode = (cause as { code?: unknown }).code;
    const text = cause.message || String(causeCode ?? '');
    return typeof causeCode === 'string' && !text.includes(causeCode) ? `${text} (${causeCode})` : text;
  }
  if (typeof code === 'string' && !err.message.includes(code)) return `${err.message} (${code})`;
  return err.message;
};

/** Unix ms of a calendar date/time taken as UTC, or undefined when the fields do not form a real date. */
export const utcTime = (year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number | undefined => {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59)));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return date.getTime();
};

export const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** 1–12 for an English month abbreviation (any case), undefined otherwise. */
export const monthNumber = (name: string): number | undefined => {
  const index = MONTHS.indexOf(name.toLowerCase());
  return index < 0 ? undefined : index + 1;
};
