// Scans a mirror over HTTP(S) by walking its directory index pages breadth first, never leaving the base
// URL, then asking HEAD for the files whose index shows only an approximate size or no date.
//
// Index pages give times in UTC (nginx by default) or in the server's local time (Apache, lighttpd); they
// are read as UTC, and a constant offset is left to the timezone-offset detection that follows a scan.
// Times from HEAD (Last-Modified) are always UTC, to the second.
import { parseIndexPage } from './http-index.js';
import {
  DEFAULT_MAX_FILES,
  ScanError,
  SkipLog,
  addWarning,
  FileCollector,
  describeError,
  formatDuration,
  redactURL,
  reportProgress,
  safeRelativePath,
  scanDeadline,
  splitCredentials,
  stoppedError,
  type ScanOptions,
  type ScanResult,
} from './listing.js';

export interface HttpScanOptions extends ScanOptions {
  /** Per request, headers and body. Default 30 s. */
  requestTimeoutMs?: number;
  /** Most HEAD requests a scan may make. Default 2000. */
  headLimit?: number;
  /** Index pages fetched at once. Default 4. */
  concurrency?: number;
  /** Largest index page read. Default 8 MiB. */
  maxPageBytes?: number;
}

export const USER_AGENT = 'Signpost-scanner';
export const DEFAULT_HEAD_LIMIT = 2000;
export const MAX_HTTP_DEPTH = 64;
const HEAD_CONCURRENCY = 8;
const MAX_REDIRECTS = 5;
const PROGRESS_EVERY = 1000;

/** A page or HEAD request that failed; the message is for the operator. */
class RequestError extends Error {}

interface Found {
  path: string;
  url: URL;
  size?: number;
  sizeExact: boolean;
  mtimeMs?: number;
  precisionMs?: number;
}

/** Runs `work` on every item, at most `limit` at once; `items` may grow meanwhile. The first failure rejects. */
const runPool = async <T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> => {
  let next = 0;
  let failed = false;
  let active = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      if (failed) return;
      while (active < limit && next < items.length) {
        const item = items[next++] as T;
        active++;
        work(item).then(
          () => {
            active--;
            pump();
          },
          (err: unknown) => {
            failed = true;
            reject(err);
          },
        );
      }
      if (active === 0 && next >= items.length) resolve();
    };
    pump();
  });
};

/** Lists a mirror from its HTTP directory indexes. */
export const scanHttp = async (url: string, opts: HttpScanOptions = {}): Promise<ScanResult> => {
  const shown = redactURL(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ScanError(shown, 'not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ScanError(shown, 'not an http:// or https:// URL');
  const { bare, user, password } = splitCredentials(parsed);
  const base = new URL(bare);
  base.search = '';
  base.hash = '';
  if (!base.pathname.endsWith('/')) base.pathname += '/';

  const requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
  const headLimit = opts.headLimit ?? DEFAULT_HEAD_LIMIT;
  const maxPageBytes = opts.maxPageBytes ?? 8 * 1024 * 1024;
  const maxFiles = opts.maxFiles ?? DEFAULT_MAX_FILES;
  const headers: Record<string, string> = { 'User-Agent': USER_AGENT, Accept: 'text/html, */*;q=0.5' };
  if (user !== '' || password !== '') {
    headers.Authorization = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
  }

  const deadline = scanDeadline(opts);
  const crawl = new AbortController();
  const isUnderBase = (u: URL): boolean =>
    u.origin === base.origin && u.pathname.startsWith(base.pathname) && u.search === '' && u.username === '';

  /** One request, following redirects only while they stay below the base URL. */
  const request = async (target: URL, method: 'GET' | 'HEAD'): Promise<{ response: Response; url: URL }> => {
    let current = target;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const signal = AbortSignal.any([deadline.signal, crawl.signal, AbortSignal.timeout(requestTimeoutMs)]);
      let response: Response;
      try {
        response = await fetch(current, { method, headers, redirect: 'manual', signal });
      } catch (err) {
        if (err instanceof Error && err.name === 'TimeoutError') {
          throw new RequestError(`no answer within ${formatDuration(requestTimeoutMs)}`);
        }
        throw new RequestError(describeError(err));
      }
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.body?.cancel().catch(() => undefined);
        let next: URL;
        try {
          next = new URL(location, current);
        } catch {
          throw new RequestError(`HTTP ${response.status} to an invalid Location`);
        }
        if (!isUnderBase(next)) {
          throw new RequestError(`redirected to ${redactURL(next.href)}, outside the mirror's base URL`);
        }
        current = next;
        continue;
      }
      return { response, url: current };
    }
    throw new RequestError(`more than ${MAX_REDIRECTS} redirects`);
  };

  const readPage = async (response: Response): Promise<string> => {
    const type = response.headers.get('content-type');
    if (type !== null && !/text\/html|application\/xhtml\+xml/i.test(type)) {
      await response.body?.cancel().catch(() => undefined);
      throw new RequestError(`not a directory index (Content-Type ${type.slice(0, 100)})`);
    }
    if (!response.body) return '';
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (err) {
        throw new RequestError(err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${formatDuration(requestTimeoutMs)}` : describeError(err));
      }
      if (chunk.done) break;
      total += chunk.value.byteLength;
      if (total > maxPageBytes) {
        await reader.cancel().catch(() => undefined);
        throw new RequestError(`index page larger than ${maxPageBytes} bytes`);
      }
      chunks.push(chunk.value);
    }
    return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
  };

  const skips = new SkipLog();
  const warnings: string[] = [];
  const found = new Map<string, Found>();
  const seenPages = new Set<string>([base.pathname]);
  let partial = false;
  let entriesSeen = 0;

  const stopIfStopped = (): void => {
    const failure = deadline.failure();
    if (failure) throw stoppedError(shown, failure, opts);
  };

  const queue: { url: URL; depth: number }[] = [{ url: base, depth: 0 }];
  const visitDirectory = async (dir: { url: URL; depth: number }): Promise<void> => {
    let html: string;
    let pageURL: URL;
    try {
      const { response, url: finalURL } = await request(dir.url, 'GET');
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => undefined);
        throw new RequestError(`HTTP ${response.status}${response.statusText ? ' ' + response.statusText : ''}`);
      }
      html = await readPage(response);
      pageURL = finalURL;
    } catch (err) {
      stopIfStopped();
      const message = err instanceof Error ? err.message : String(err);
      if (dir.depth === 0) throw new ScanError(shown, message);
      partial = true;
      skips.add(`unreadable directory (${message})`, dir.url.pathname);
      return;
    }
    if (pageURL.pathname !== dir.url.pathname) {
      if (seenPages.has(pageURL.pathname)) return;
      seenPages.add(pageURL.pathname);
    }
    let relDir: string;
    try {
      const dirPath = pageURL.pathname.slice(0, pageURL.pathname.lastIndexOf('/') + 1);
      relDir = dirPath.slice(base.pathname.length).split('/').map(decodeURIComponent).join('/');
    } catch {
      skips.add('bad percent-encoding', pageURL.pathname);
      return;
    }
    const page = parseIndexPage(html, pageURL.href);
    skips.merge(page);
    if (dir.depth === 0 && page.entries.length === 0) {
      throw new ScanError(shown, 'no directory index entries at the base URL (is autoindex enabled?)');
    }
    for (const entry of page.entries) {
      if (++entriesSeen > maxFiles) throw new ScanError(shown, `listing has more than ${maxFiles} entries; scan refused`);
      const childURL = new URL(encodeURIComponent(entry.name) + (entry.isDir ? '/' : ''), pageURL);
      if (entry.isDir) {
        if (seenPages.has(childURL.pathname)) continue;
        seenPages.add(childURL.pathname);
        if (dir.depth + 1 > MAX_HTTP_DEPTH) {
          partial = true;
          skips.add(`deeper than ${MAX_HTTP_DEPTH} levels`, relDir + entry.name);
        } else {
          queue.push({ url: childURL, depth: dir.depth + 1 });
        }
        continue;
      }
      const path = safeRelativePath(relDir + entry.name);
      if (path === undefined) {
        skips.add('unsafe path', relDir + entry.name);
        continue;
      }
      if (found.has(path)) continue;
      found.set(path, {
        path,
        url: childURL,
        sizeExact: entry.sizeExact,
        ...(entry.size !== undefined ? { size: entry.size } : {}),
        ...(entry.mtimeMs !== undefined ? { mtimeMs: entry.mtimeMs, precisionMs: entry.mtimePrecisionMs ?? 60_000 } : {}),
      });
      if (found.size % PROGRESS_EVERY === 0) reportProgress(opts, found.size);
    }
  };

  /** Asks HEAD for the exact size and time; `optional` when the index already gave an exact size. */
  const head = async ({ file, optional }: { file: Found; optional: boolean }): Promise<void> => {
    try {
      const { response } = await request(file.url, 'HEAD');
      await response.body?.cancel().catch(() => undefined);
      if (response.status !== 200) throw new RequestError(`HEAD answered HTTP ${response.status}`);
      const length = Number(response.headers.get('content-length') ?? NaN);
      if (!Number.isSafeInteger(length) || length < 0) throw new RequestError('HEAD gave no Content-Length');
      file.size = length;
      file.sizeExact = true;
      const modified = Date.parse(response.headers.get('last-modified') ?? '');
      if (Number.isFinite(modified)) {
        file.mtimeMs = modified;
        file.precisionMs = 1000;
      }
    } catch (err) {
      stopIfStopped();
      if (optional) return; // the index's exact size and coarser time stand
      partial = true;
      file.sizeExact = false;
      file.size = undefined;
      skips.add(err instanceof Error ? err.message : String(err), file.path);
    }
  };

  try {
    await runPool(queue, opts.concurrency ?? 4, visitDirectory);
    const files = [...found.values()];
    const needHead = files.filter((f) => !f.sizeExact || f.size === undefined || f.mtimeMs === undefined);
    if (needHead.length > 0 && needHead.length <= headLimit) {
      // Already asking HEAD: if the budget allows, ask it for every file not known to the second, so that
      // all times come from Last-Modified (UTC) rather than partly from a page in the server's local time.
      const needed = new Set(needHead);
      const coarse = files.filter((f) => !needed.has(f) && f.precisionMs !== 1000);
      const requests = needHead.map((file) => ({ file, optional: false }));
      if (needHead.length + coarse.length <= headLimit) for (const file of coarse) requests.push({ file, optional: true });
      await runPool(requests, HEAD_CONCURRENCY, head);
    } else if (needHead.length > headLimit) {
      addWarning(
        warnings,
        `${needHead.length} files show no exact size or date in the index, more than the ${headLimit} HEAD requests allowed`,
      );
    }
    let precisionMs = 1000;
    const result = new FileCollector(opts.onFile);
    for (const f of files) {
      if (!f.sizeExact || f.size === undefined) {
        // A failed HEAD was counted already; past the budget the file is left out rather than recorded
        // with a size that would never match the repository's.
        if (needHead.length > headLimit) {
          partial = true;
          skips.add(`no exact size in the index and more than ${headLimit} HEAD requests needed`, f.path);
        }
        continue;
      }
      if (f.mtimeMs !== undefined && f.precisionMs !== undefined && f.precisionMs > precisionMs) precisionMs = f.precisionMs;
      result.add({ path: f.path, size: f.size, mtimeMs: f.mtimeMs ?? 0 });
    }
    reportProgress(opts, result.count);
    return { protocol: 'http', files: result.files, listed: result.count, precisionMs, skipped: skips.count, skippedExamples: skips.examples, partial, warnings };
  } catch (err) {
    crawl.abort();
    stopIfStopped();
    if (err instanceof ScanError) throw err;
    throw new ScanError(shown, describeError(err));
  } finally {
    crawl.abort();
    deadline.dispose();
  }
};
