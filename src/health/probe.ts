// The network side of health checks: does a mirror serve a file at the right size, what time its trace
// file holds, which bytes it serves. node:http directly (not fetch) so connect and total limits are exact.
import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { durationText } from '../config/duration.js';
import { parseTraceFile } from '../repo/trace.js';

export interface ProbeOptions {
  /** Whole exchange, connect included (config CheckTimeout, default 10 s). */
  timeoutMs: number;
  /** TCP+TLS connect; default min(timeoutMs, 5000). */
  connectTimeoutMs?: number;
  /** May the mirror answer with a redirect (mirror AllowRedirects / config DisallowRedirects)? */
  allowRedirects: boolean;
  signal?: AbortSignal;
}

export type ProbeFailure = 'unreachable' | 'timeout' | 'tls' | 'missing' | 'status' | 'redirect' | 'size' | 'aborted';

export interface ProbeResult {
  ok: boolean;
  /** '' when ok; else a short operator-readable reason. */
  reason: string;
  /** What made it fail, for the caller's decisions. */
  failure?: ProbeFailure;
  status?: number;
  durationMs: number;
}

export const USER_AGENT = 'Signpost-healthcheck';
export const MAX_REDIRECTS = 5;
/** Largest range fetchRange serves; a body is never read past this plus one byte. */
export const MAX_RANGE_BYTES = 1024 * 1024;
const TRACE_CAP = 4096;
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

interface Failed {
  failure: ProbeFailure;
  reason: string;
  status?: number;
}

interface Answer {
  /** The URL that gave this answer, after redirects. */
  url: URL;
  status: number;
  headers: IncomingHttpHeaders;
  /** The body's first bytes, at most the limit asked for. */
  body: Buffer;
}

/** Limits shared by every request of one call, redirects and the HEAD→GET retry included. */
interface Budget {
  deadline: number;
  timeoutMs: number;
  connectTimeoutMs: number;
  allowRedirects: boolean;
  signal?: AbortSignal;
}

/** How many body bytes to read for an answer with this status (0: headers only). */
type BodyLimit = (status: number, headers: IncomingHttpHeaders) => number;

const headersOnly: BodyLimit = () => 0;

const isFailed = <T extends object>(x: T | Failed): x is Failed => 'failure' in x;

const budgetOf = (opts: ProbeOptions, started: number): Budget => ({
  deadline: started + opts.timeoutMs,
  timeoutMs: opts.timeoutMs,
  connectTimeoutMs: opts.connectTimeoutMs ?? Math.min(opts.timeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
  allowRedirects: opts.allowRedirects,
  signal: opts.signal,
});

const parseTarget = (url: string): URL | Failed => {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { failure: 'unreachable', reason: `Invalid URL ${clip(url)}` };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { failure: 'unreachable', reason: `Not an http(s) URL: ${clip(url)}` };
  }
  return parsed;
};

const clip = (s: string): string => (s.length > 200 ? s.slice(0, 200) + '…' : s);

// Node reports certificate and handshake problems with OpenSSL's verify codes or its own ERR_TLS_/ERR_SSL_.
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|ERR_OSSL_|CERT_|UNABLE_TO_|INVALID_CA$|INVALID_PURPOSE$|PATH_LENGTH_EXCEEDED$|HOSTNAME_MISMATCH$|EPROTO$)|SELF_SIGNED_CERT/;

const describeNetworkError = (err: unknown): Failed => {
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  const label = typeof code === 'string' && code !== '' ? code : message;
  if (typeof code === 'string' && TLS_CODE.test(code)) return { failure: 'tls', reason: `TLS error: ${label}` };
  if (err instanceof Error && typeof (err as { library?: unknown }).library === 'string') {
    return { failure: 'tls', reason: `TLS error: ${label}` };
  }
  // The answer was not HTTP at all: the port serves something else.
  if (typeof code === 'string' && code.startsWith('HPE_')) return { failure: 'status', reason: `Invalid HTTP response (${code})` };
  return { failure: 'unreachable', reason: `Unreachable (${label})` };
};

/** One request; reads the body up to `limit(status)` bytes, then destroys the request and its socket. */
const exchange = (url: URL, method: 'GET' | 'HEAD', extra: Record<string, string>, budget: Budget, limit: BodyLimit): Promise<Answer | Failed> =>
  new Promise((resolve) => {
    if (budget.signal?.aborted) return resolve({ failure: 'aborted', reason: 'Aborted' });
    const remaining = budget.deadline - performance.now();
    if (remaining <= 0) return resolve({ failure: 'timeout', reason: `Timeout after ${durationText(budget.timeoutMs)}` });

    const timers: NodeJS.Timeout[] = [];
    let settled = false;
    const onAbort = (): void => settle({ failure: 'aborted', reason: 'Aborted' });
    const settle = (outcome: Answer | Failed): void => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      budget.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(outcome);
    };

    const options = {
      method,
      agent: false as const,
      headers: { 'User-Agent': USER_AGENT, 'Accept-Encoding': 'identity', Connection: 'close', ...extra },
    };
    let req: ClientRequest;
    try {
      req = url.protocol === 'https:' ? httpsRequest(url, options) : httpRequest(url, options);
    } catch (err) {
      // Node refuses some URLs (bad host characters) before any I/O.
      return resolve(describeNetworkError(err));
    }
    // Listeners stay after settling: destroying a live request can still emit errors.
    req.on('error', (err) => settle(describeNetworkError(err)));
    budget.signal?.addEventListener('abort', onAbort);

    timers.push(setTimeout(() => settle({ failure: 'timeout', reason: `Timeout after ${durationText(budget.timeoutMs)}` }), remaining));
    if (budget.connectTimeoutMs < remaining) {
      const connectTimer = setTimeout(
        () => settle({ failure: 'timeout', reason: `Timeout after ${durationText(budget.connectTimeoutMs)} (connecting)` }),
        budget.connectTimeoutMs,
      );
      timers.push(connectTimer);
      req.on('socket', (socket: Socket) => {
        const connected = (): void => clearTimeout(connectTimer);
        if (url.protocol === 'https:') socket.once('secureConnect', connected);
        else if (socket.connecting) socket.once('connect', connected);
        else connected();
      });
    }

    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const cap = limit(status, res.headers);
      const answer = (body: Buffer): Answer => ({ url, status, headers: res.headers, body });
      if (cap <= 0) return settle(answer(Buffer.alloc(0)));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= cap) settle(answer(Buffer.concat(chunks).subarray(0, cap)));
      });
      res.on('end', () => settle(answer(Buffer.concat(chunks))));
      res.on('error', (err) => settle(describeNetworkError(err)));
      res.on('close', () => {
        if (!res.complete) settle({ failure: 'unreachable', reason: 'Unreachable (connection closed mid-answer)', status });
      });
    });
    req.end();
  });

/** Requests `url`, following redirects when the budget allows them. */
const follow = async (
  url: URL,
  method: 'GET' | 'HEAD',
  extra: Record<string, string>,
  budget: Budget,
  limit: BodyLimit,
): Promise<Answer | Failed> => {
  const seen = new Set([url.href]);
  let current = url;
  for (let hops = 0; ; hops++) {
    const answer = await exchange(current, method, extra, budget, (status, headers) =>
      isRedirect(status, headers) ? 0 : limit(status, headers),
    );
    if (isFailed(answer) || !isRedirect(answer.status, answer.headers)) return answer;
    const { status } = answer;
    const location = String(answer.headers.location);
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      return { failure: 'redirect', reason: `Invalid redirect to ${clip(location)}`, status };
    }
    if (!budget.allowRedirects) return { failure: 'redirect', reason: `Unauthorized redirect to ${next.host}`, status };
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      return { failure: 'redirect', reason: `Redirect to a non-HTTP URL (${next.protocol})`, status };
    }
    if (hops >= MAX_REDIRECTS || seen.has(next.href)) return { failure: 'redirect', reason: 'Too many redirects', status };
    seen.add(next.href);
    current = next;
  }
};

const isRedirect = (status: number, headers: IncomingHttpHeaders): boolean =>
  status >= 300 && status < 400 && headers.location !== undefined;

const is2xx = (status: number): boolean => status >= 200 && status < 300;

/** HEAD, or a one-byte GET when the server refuses HEAD. */
const headOrRangedGet = async (url: URL, budget: Budget): Promise<Answer | Failed> => {
  const answer = await follow(url, 'HEAD', {}, budget, headersOnly);
  if (isFailed(answer) || (answer.status !== 405 && answer.status !== 501)) return answer;
  return follow(answer.url, 'GET', { Range: 'bytes=0-0' }, budget, headersOnly);
};

const missing = (url: URL, status: number): Failed => ({
  failure: 'missing',
  reason: `File not found ${url.pathname} (error ${status})`,
  status,
});

const badStatus = (status: number): Failed => ({ failure: 'status', reason: `Got status code ${status}`, status });

const contentRange = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i;

const parseContentRange = (header: string | undefined): { start: number; end: number; total?: number } | undefined => {
  const match = contentRange.exec(header?.trim() ?? '');
  if (match === null) return undefined;
  const [, start, end, total] = match;
  return { start: Number(start), end: Number(end), total: total === '*' ? undefined : Number(total) };
};

const contentLength = (headers: IncomingHttpHeaders): number | undefined => {
  const value = headers['content-length']?.trim();
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
};

/** The file's full size an answer announces, when it announces one. */
const announcedSize = (answer: Answer): number | undefined =>
  answer.status === 206 ? parseContentRange(answer.headers['content-range'])?.total : contentLength(answer.headers);

/** Whether the mirror serves `url` with the repository's size. Never throws; always closes its sockets. */
export const probeFile = async (url: string, expectedSize: number, opts: ProbeOptions): Promise<ProbeResult> => {
  const started = performance.now();
  const result = (outcome: Omit<ProbeResult, 'durationMs'>): ProbeResult => ({
    ...outcome,
    durationMs: Math.round(performance.now() - started),
  });
  const fail = (f: Failed): ProbeResult =>
    result({ ok: false, reason: f.reason, failure: f.failure, ...(f.status !== undefined ? { status: f.status } : {}) });

  const target = parseTarget(url);
  if (isFailed(target)) return fail(target);
  const answer = await headOrRangedGet(target, budgetOf(opts, started));
  if (isFailed(answer)) return fail(answer);
  const { status } = answer;
  if (status === 404 || status === 410) return fail(missing(target, status));
  if (!is2xx(status)) return fail(badStatus(status));
  const size = announcedSize(answer);
  if (size !== undefined && size !== expectedSize) {
    return fail({ failure: 'size', reason: `Content-Length mismatch (got ${size}, expected ${expectedSize})`, status });
  }
  return result({ ok: true, reason: '', status });
};

/** GET `url` (the mirror's or the master's trace file), body capped at 4 KiB; returns the trace time (Unix ms) or an error reason. */
export const fetchTrace = async (url: string, opts: ProbeOptions): Promise<{ time: number } | { error: string }> => {
  const target = parseTarget(url);
  if (isFailed(target)) return { error: target.reason };
  // A trace file's time is on its first line: the first 4 KiB hold it, whatever follows.
  const answer = await follow(target, 'GET', {}, budgetOf(opts, performance.now()), (status) => (is2xx(status) ? TRACE_CAP : 0));
  if (isFailed(answer)) return { error: answer.reason };
  if (answer.status === 404 || answer.status === 410) return { error: `no trace file (error ${answer.status})` };
  if (!is2xx(answer.status)) return { error: `Got status code ${answer.status}` };
  const time = parseTraceFile(answer.body.toString('utf8'));
  return time === undefined ? { error: 'trace file is not a timestamp' } : { time };
};

export type RangeResult = { ok: true; bytes: Buffer } | { ok: false; reason: string; failure: ProbeResult['failure'] };

/**
 * GET bytes [start, end] (inclusive) of `url`; accepts 206 with a matching Content-Range, or 200 (then reads
 * only the first end+1 bytes and slices). Reads at most 1 MiB + 1 bytes of body: a range longer than 1 MiB is
 * refused (RangeError), and so is a 200 whose range would end past it (the mirror ignored Range).
 */
export const fetchRange = async (url: string, start: number, end: number, opts: ProbeOptions): Promise<RangeResult> => {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`fetchRange: invalid byte range ${start}-${end}`);
  }
  const length = end - start + 1;
  if (length > MAX_RANGE_BYTES) throw new RangeError(`fetchRange: range ${start}-${end} is longer than ${MAX_RANGE_BYTES} bytes`);
  const fail = (f: Failed): RangeResult => ({ ok: false, reason: f.reason, failure: f.failure });
  const asked = `bytes ${start}-${end}`;
  const tooShort = (size: number): RangeResult => fail({ failure: 'size', reason: `File too short (${size} bytes, asked ${asked})` });

  const target = parseTarget(url);
  if (isFailed(target)) return fail(target);
  const rangeMatches = (header: string | undefined): boolean => {
    const range = parseContentRange(header);
    return range !== undefined && range.start === start && range.end === end;
  };
  // Bodies the headers already condemn are not read; one byte past what is expected tells an over-long body.
  const limit: BodyLimit = (status, headers) => {
    if (status === 206) return rangeMatches(headers['content-range']) ? length + 1 : 0;
    if (status !== 200 || end >= MAX_RANGE_BYTES) return 0;
    const announced = contentLength(headers);
    return announced !== undefined && announced <= end ? 0 : end + 1;
  };
  const answer = await follow(target, 'GET', { Range: `bytes=${start}-${end}` }, budgetOf(opts, performance.now()), limit);
  if (isFailed(answer)) return fail(answer);
  const { status, headers, body } = answer;
  if (status === 404 || status === 410) return fail(missing(target, status));
  if (status === 416) return fail({ failure: 'size', reason: `Range not satisfiable (error 416, asked ${asked})` });
  if (status === 206) {
    if (!rangeMatches(headers['content-range'])) {
      const range = parseContentRange(headers['content-range']);
      if (range?.total !== undefined && range.total <= end) return tooShort(range.total);
      const got = headers['content-range'] === undefined ? 'none' : `"${clip(headers['content-range'])}"`;
      return fail({ failure: 'status', reason: `Content-Range mismatch (got ${got}, asked ${asked})` });
    }
    if (body.length !== length) {
      return fail({ failure: 'size', reason: `Range body of ${body.length > length ? 'more' : 'fewer'} bytes than asked (${asked})` });
    }
    return { ok: true, bytes: body };
  }
  if (status === 200) {
    if (end >= MAX_RANGE_BYTES) return fail({ failure: 'status', reason: `Range ignored (status 200) for ${asked}` });
    const announced = contentLength(headers);
    if (announced !== undefined && announced <= end) return tooShort(announced);
    if (body.length <= end) return tooShort(body.length);
    return { ok: true, bytes: Buffer.from(body.subarray(start, end + 1)) };
  }
  return fail(badStatus(status));
};

/** True when `url` answers 2xx to HEAD (Debian's `Archive-Update-in-Progress-<host>` marker at a mirror's root). */
export const exists = async (url: string, opts: ProbeOptions): Promise<boolean> => {
  const target = parseTarget(url);
  if (isFailed(target)) return false;
  const answer = await headOrRangedGet(target, budgetOf(opts, performance.now()));
  return !isFailed(answer) && is2xx(answer.status);
};
