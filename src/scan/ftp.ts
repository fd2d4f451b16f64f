// Scans a mirror over FTP with basic-ftp: a depth-first walk from the URL's path, MLSD where the server
// offers it (basic-ftp picks it from FEAT) and LIST otherwise.
//
// LIST dates are coarse (`Nov 21 12:00`: minutes; `Nov 21  2024`: a day). When the server supports MDTM
// and at most `mdtmLimit` files need it, one MDTM per such file gives the exact second. Past that limit
// the listing's minute is recorded (precision 60 s) and day-only dates are recorded as unknown (0),
// because one MDTM round trip per file makes large scans slow (Mirrorbits' known weakness).
import { Client, FTPError } from 'basic-ftp';
import type { MirrorFile } from '../mirrors/mirror.js';
import { DAY_MS, MINUTE_MS, parseFtpListing, parseMlsxTime } from './ftp-listing.js';
import {
  DEFAULT_MAX_FILES,
  ScanError,
  FileCollector,
  SkipLog,
  addWarning,
  describeError,
  redactURL,
  reportProgress,
  safeRelativePath,
  scanDeadline,
  splitCredentials,
  stoppedError,
  type ScanOptions,
  type ScanResult,
} from './listing.js';

export interface FtpScanOptions extends ScanOptions {
  /** Most files that may get an MDTM request each. Default 5000. */
  mdtmLimit?: number;
  /** Inactivity timeout of the control and data connections. Default 30 s. */
  requestTimeoutMs?: number;
}

export const DEFAULT_MDTM_LIMIT = 5000;
export const MAX_FTP_DEPTH = 64;
const PROGRESS_EVERY = 1000;

interface Found extends MirrorFile {
  remotePath: string;
  precisionMs: number;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

const joinRemote = (dir: string, name: string): string => (dir === '/' ? `/${name}` : `${dir}/${name}`);

/** What an FTP failure means, in one line. */
const describeFtpError = (err: unknown, doing: string): string => {
  if (err instanceof FTPError) return `FTP ${err.message.trim()} (${doing})`;
  const text = describeError(err);
  return /^Timeout/i.test(text) ? `no answer from the server (${text}, ${doing})` : `${text} (${doing})`;
};

/** Lists a mirror over FTP. */
export const scanFtp = async (url: string, opts: FtpScanOptions = {}): Promise<ScanResult> => {
  const shown = redactURL(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ScanError(shown, 'not a valid URL');
  }
  if (parsed.protocol !== 'ftp:') throw new ScanError(shown, 'not an ftp:// URL');
  const { user, password } = splitCredentials(parsed);
  let basePath: string;
  try {
    basePath = decodeURIComponent(parsed.pathname);
  } catch {
    throw new ScanError(shown, 'the URL path is not valid percent-encoding');
  }
  if (CONTROL.test(basePath) || basePath.split('/').includes('..')) {
    throw new ScanError(shown, 'the URL path contains control characters or `..`');
  }
  basePath = '/' + basePath.split('/').filter((s) => s !== '' && s !== '.').join('/');
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = parsed.port === '' ? 21 : Number(parsed.port);
  const maxFiles = opts.maxFiles ?? DEFAULT_MAX_FILES;
  const mdtmLimit = opts.mdtmLimit ?? DEFAULT_MDTM_LIMIT;

  const deadline = scanDeadline(opts);
  const client = new Client(opts.requestTimeoutMs ?? 30_000);
  const close = (): void => client.close();
  deadline.signal.addEventListener('abort', close, { once: true });
  if (deadline.signal.aborted) close();

  const skips = new SkipLog();
  const warnings: string[] = [];
  const found: Found[] = [];
  let partial = false;
  let entriesSeen = 0;
  let doing = 'connecting';
  // The listing text is captured raw so that every line is judged by parseFtpListing, not silently dropped.
  let captured = '';
  client.parseList = (raw: string) => {
    captured = raw;
    return [];
  };

  try {
    doing = 'login';
    await client.access({ host, port, user: user || 'anonymous', password: user ? password : 'anonymous@', secure: false });
    const features = await client.features();
    const hasMdtm = features.has('MDTM');

    const stack: { remote: string; rel: string; depth: number }[] = [{ remote: basePath, rel: '', depth: 0 }];
    while (stack.length > 0) {
      const dir = stack.pop() as { remote: string; rel: string; depth: number };
      try {
        doing = `CWD ${dir.remote}`;
        await client.cd(dir.remote);
        doing = `LIST ${dir.remote}`;
        captured = '';
        await client.list();
      } catch (err) {
        if (dir.depth === 0 || deadline.failure() || client.closed) throw err;
        partial = true;
        skips.add(`unreadable directory (${describeFtpError(err, doing)})`, dir.rel);
        continue;
      }
      const listing = parseFtpListing(captured, Date.now());
      skips.merge(listing);
      for (const entry of listing.entries) {
        const rel = dir.rel === '' ? entry.name : `${dir.rel}/${entry.name}`;
        if (entry.type === 'link') continue; // not followed, as rsync does not follow them
        if (++entriesSeen > maxFiles) throw new ScanError(shown, `listing has more than ${maxFiles} entries; scan refused`);
        if (entry.type === 'dir') {
          if (dir.depth + 1 > MAX_FTP_DEPTH) {
            partial = true;
            skips.add(`deeper than ${MAX_FTP_DEPTH} levels`, rel);
          } else {
            stack.push({ remote: joinRemote(dir.remote, entry.name), rel, depth: dir.depth + 1 });
          }
          continue;
        }
        const path = safeRelativePath(rel);
        if (path === undefined) {
          skips.add('unsafe path', rel);
          continue;
        }
        found.push({ path, size: entry.size, mtimeMs: entry.mtimeMs, precisionMs: entry.precisionMs, remotePath: joinRemote(dir.remote, entry.name) });
        if (found.length % PROGRESS_EVERY === 0) reportProgress(opts, found.length);
      }
    }

    const coarse = found.filter((f) => f.precisionMs !== 1000);
    if (coarse.length > 0 && hasMdtm && coarse.length <= mdtmLimit) {
      for (const file of coarse) {
        doing = `MDTM ${file.remotePath}`;
        try {
          const reply = await client.send(`MDTM ${file.remotePath}`);
          const t = parseMlsxTime(reply.message.slice(4));
          if (t !== undefined) {
            file.mtimeMs = t;
            file.precisionMs = 1000;
          }
        } catch (err) {
          if (deadline.failure() || client.closed) throw err;
          // Keep what the listing said for this file.
        }
      }
    } else if (coarse.length > 0) {
      addWarning(
        warnings,
        hasMdtm
          ? `${coarse.length} files have no exact time in the listing, more than the ${mdtmLimit} MDTM requests allowed: times recorded to the minute`
          : 'the server supports neither MLSD nor MDTM: times recorded to the minute; consider rsync',
      );
    }
    let precisionMs = 1000;
    const files = new FileCollector(opts.onFile);
    for (const f of found) {
      // A date known only to the day would never match the repository's: record it as unknown instead.
      if (f.precisionMs >= DAY_MS || f.precisionMs === 0) files.add({ path: f.path, size: f.size, mtimeMs: 0 });
      else {
        if (f.precisionMs === MINUTE_MS) precisionMs = MINUTE_MS;
        files.add({ path: f.path, size: f.size, mtimeMs: f.mtimeMs });
      }
    }
    reportProgress(opts, files.count);
    return { protocol: 'ftp', files: files.files, listed: files.count, precisionMs, skipped: skips.count, skippedExamples: skips.examples, partial, warnings };
  } catch (err) {
    const failure = deadline.failure();
    if (failure) throw stoppedError(shown, failure, opts);
    if (err instanceof ScanError) throw err;
    throw new ScanError(shown, describeFtpError(err, doing));
  } finally {
    deadline.signal.removeEventListener('abort', close);
    deadline.dispose();
    client.close();
  }
};
