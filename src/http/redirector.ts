// The redirector's request path: parse -> locate -> select -> respond. Reads only in-memory state.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizeIP } from '../geo/ip.js';
import type { ClientLocation } from '../geo/location.js';
import type { Mirror } from '../mirrors/mirror.js';
import type { RepoFile } from '../repo/file.js';
import { rankFallbacks, selectMirrors } from '../selection/select.js';
import { parsePeriod, periodsOf, utcDay } from '../stats/day.js';
import type { Outcome } from '../stats/metrics.js';
import { selectForRedirect } from '../selection/fast.js';
import type { Choice, Selection, TLSRequirement } from '../selection/select.js';
import { clientAddress } from './client-address.js';
import { clientInfoJSON, fileInfoJSON, mirrorJSON, mirrorJSONText } from './mirror-json.js';
import type { PlacedMirror } from './mirror-json.js';
import { renderMirrorList } from './mirrorlist-page.js';
import { ASSET_PREFIX, serveAsset } from './pages/assets.js';
import { renderMirrorStats } from './pages/mirrorstats.js';
import { mirrorView } from '../mirrors/view.js';
import { encodePath, parseRequestPath } from './request-path.js';
import type { Runtime } from './runtime.js';

const RETRY_AFTER_SECONDS = '60';

/**
 * The Server header, given in each answer's own header object: a header set earlier with setHeader sends Node's
 * writeHead down its slow path (merging), which the redirect answer avoids.
 */
let serverHeader = 'Signpost';

const plain = (res: ServerResponse, status: number, message: string, head: boolean): void => {
  res.writeHead(status, {
    Server: serverHeader,
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': Buffer.byteLength(message) + 1,
  });
  res.end(head ? undefined : `${message}\n`);
};

const body = (res: ServerResponse, status: number, type: string, text: string, head: boolean, extra: Record<string, string> = {}): void => {
  res.writeHead(status, { Server: serverHeader, 'Content-Type': type, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'private, no-cache', ...extra });
  res.end(head ? undefined : text);
};

const hexToBase64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');

/** The digest header values of a file, made once per indexed file record (a rescan makes new records). */
const digestCache = new WeakMap<RepoFile, { digest: string; repr: string }>();

/** RFC 3230 `Digest` and RFC 9530 `Repr-Digest` values from the indexed hashes. */
const digestHeaders = (file: RepoFile, headers: Record<string, string | string[]>): void => {
  let cached = digestCache.get(file);
  if (!cached) {
    const digest: string[] = [];
    if (file.sha256) digest.push(`SHA-256=${hexToBase64(file.sha256)}`);
    if (file.sha1) digest.push(`SHA=${hexToBase64(file.sha1)}`);
    if (file.md5) digest.push(`MD5=${hexToBase64(file.md5)}`);
    cached = { digest: digest.join(', '), repr: file.sha256 ? `sha-256=:${hexToBase64(file.sha256)}:` : '' };
    digestCache.set(file, cached);
  }
  if (cached.digest) headers['Digest'] = cached.digest;
  if (cached.repr) headers['Repr-Digest'] = cached.repr;
};

const tlsRequirement = (req: IncomingMessage, params: URLSearchParams, viaProxy: boolean, allowUpgrade: boolean): TLSRequirement => {
  let tls: TLSRequirement = 'any';
  const proto = viaProxy ? String(req.headers['x-forwarded-proto'] ?? '').toLowerCase() : '';
  if (proto === 'https') tls = 'with';
  else if (proto === 'http' && !allowUpgrade) tls = 'without';
  const https = params.get('https');
  if (https === '1') tls = 'with';
  else if (https === '0') tls = 'without';
  return tls;
};

const wantsJSON = (runtime: Runtime, req: IncomingMessage): boolean => {
  const mode = runtime.config.outputMode;
  if (mode === 'json') return true;
  if (mode === 'redirect') return false;
  return String(req.headers.accept ?? '').includes('application/json');
};

const STATS_TYPE = 'application/json; charset=utf-8';

/** Shared by every request without a query string (most downloads): never written to. */
const NO_PARAMS = new URLSearchParams();

/** `?stats` and `?stats=YYYY[-MM[-DD]]`: Mirrorbits' JSON shapes, read from the store (not the redirect path). */
const respondStats = async (runtime: Runtime, res: ServerResponse, path: string, value: string, head: boolean): Promise<void> => {
  if (value === '') {
    const day = utcDay(Date.now());
    const [today, month, year, total] = periodsOf(day) as [string, string, string, string];
    const counts = await runtime.store.fileDownloads(path, [today, month, year, total]);
    const doc = { Today: counts[today] ?? 0, Month: counts[month] ?? 0, Year: counts[year] ?? 0, Total: counts[total] ?? 0 };
    return body(res, 200, STATS_TYPE, `${JSON.stringify(doc, null, 4)}\n`, head);
  }
  const period = parsePeriod(value);
  if (period === undefined) return plain(res, 400, 'Invalid period: expected YYYY, YYYY-MM or YYYY-MM-DD', head);
  const counts = await runtime.store.fileDownloads(path, [period]);
  body(res, 200, STATS_TYPE, `${JSON.stringify({ Period: period, Downloads: counts[period] ?? 0 }, null, 4)}\n`, head);
};

/** Builds the request handler; `runtime` is read at each request, so a reload takes effect at once. */
export const createRedirector = (runtime: Runtime) => {
  serverHeader = `Signpost/${runtime.version}`;
  return (req: IncomingMessage, res: ServerResponse): void => redirect(runtime, req, res);
};

const redirect = (runtime: Runtime, req: IncomingMessage, res: ServerResponse): void => {
  const started = performance.now();
  let outcome: Outcome;
  try {
    outcome = handle(runtime, req, res);
  } catch (error) {
    outcome = 'error';
    if (!res.headersSent) plain(res, 500, `Internal error: ${(error as Error).message}`, req.method === 'HEAD');
    else res.destroy();
  }
  // Statistics answers are written later, from the store; every other answer is written by now.
  if (outcome === 'stats') res.once('finish', () => runtime.metrics.answered('stats', started));
  else runtime.metrics.answered(outcome, started);
};

const statusOutcome = (status: number): Outcome => (status === 403 ? 'forbidden' : status === 404 ? 'not_found' : status >= 500 ? 'error' : 'bad_request');

/** Answers one request and says what kind of answer it was (for /metrics). */
const handle = (runtime: Runtime, req: IncomingMessage, res: ServerResponse): Outcome => {
  const url = req.url ?? '/';
  if (url.startsWith(ASSET_PREFIX)) {
    res.setHeader('Server', serverHeader);
    if (serveAsset(url, req, res)) return 'asset';
    res.removeHeader('Server');
  }
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) {
    res.setHeader('Allow', 'GET, HEAD');
    plain(res, 405, 'Method Not Allowed', false);
    return 'bad_request';
  }
  const parsed = parseRequestPath(url);
  if (!parsed.ok) {
    plain(res, parsed.status, parsed.message, head);
    return statusOutcome(parsed.status);
  }
  const params = parsed.query === '' ? NO_PARAMS : new URLSearchParams(parsed.query);

  if (params.has('mirrorstats')) {
    const mirrors = runtime.catalog.listMirrors().map((m) => mirrorView(m, runtime.catalog.mirrorFileCount(m.id), runtime.config.maxMirrorLag));
    renderMirrorStats({ mirrors, store: runtime.store, from: params.get('from'), to: params.get('to'), now: Date.now(), version: runtime.version }, runtime.pages).then(
      (html) => body(res, 200, 'text/html; charset=utf-8', html, head),
      (error: unknown) => {
        if (!res.headersSent) plain(res, 500, `Cannot render the mirror statistics: ${(error as Error).message}`, head);
      },
    );
    return 'stats';
  }

  const resolved = runtime.catalog.resolve(parsed.path);
  if (resolved.kind === 'forbidden') {
    plain(res, 403, 'Forbidden', head);
    return 'forbidden';
  }
  if (resolved.kind === 'missing') {
    plain(res, 404, 'Not Found', head);
    return 'not_found';
  }
  const file = runtime.catalog.file(resolved.id);

  if (params.has('stats')) {
    respondStats(runtime, res, file.path, params.get('stats') ?? '', head).catch((error: unknown) => {
      if (!res.headersSent) plain(res, 500, `Cannot read statistics: ${(error as Error).message}`, head);
    });
    return 'stats';
  }

  const ims = req.headers['if-modified-since'];
  if (ims && file.mtimeMs > 0) {
    const since = Date.parse(ims);
    const mtime = Math.floor(file.mtimeMs / 1000) * 1000;
    if (!Number.isNaN(since) && mtime <= since) {
      res.writeHead(304, { Server: serverHeader, 'Last-Modified': new Date(mtime).toUTCString() });
      res.end();
      return 'not_modified';
    }
  }

  for (const algo of ['md5', 'sha1', 'sha256'] as const) {
    if (!params.has(algo)) continue;
    const hex = file[algo];
    if (!hex) {
      plain(res, 404, 'Hash type not supported', head);
      return 'not_found';
    }
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    body(res, 200, 'text/plain; charset=utf-8', `${hex}  ${name}`, head);
    return 'checksum';
  }

  const address = clientAddress(req, runtime.trustedProxies);
  if (address.invalidForwarded !== undefined) {
    plain(res, 400, `X-Forwarded-For: "${address.invalidForwarded}" is not an IP address`, head);
    return 'bad_request';
  }
  const listPage = params.has('mirrorlist');
  const json = !listPage && wantsJSON(runtime, req);
  let ip = address.ip;
  const fromip = params.get('fromip');
  if (fromip !== null && (listPage || json)) {
    const simulated = normalizeIP(fromip);
    if (simulated === undefined) {
      plain(res, 400, `fromip: "${fromip.slice(0, 64)}" is not an IP address`, head);
      return 'bad_request';
    }
    ip = simulated;
  }
  const client = runtime.geo.lookup(ip);
  if (!client.valid) runtime.metrics.geoipMiss();
  const tls = tlsRequirement(req, params, address.viaTrustedProxy, runtime.config.allowHTTPToHTTPSRedirects);
  const config = runtime.config;
  if (!listPage && !json) {
    // The redirect: only the choices are needed, worked out over typed arrays (the same result as selectMirrors).
    const table = runtime.catalog.table();
    const profile = runtime.profiles.get(table, client, tls, config.maxMirrorLag);
    const choices = selectForRedirect(table, profile, resolved.id, file, client, tls, {
      weightDistributionRange: config.weightDistributionRange,
      allowOutdatedFiles: config.allowOutdatedFiles,
      fixTimezoneOffsets: config.fixTimezoneOffsets,
      maxMirrorLagMs: config.maxMirrorLag,
      random: Math.random,
    }, 1 + Math.max(0, config.maxLinkHeaders));
    return respondRedirect(runtime, req, res, file, resolved.path, client, choices, tls, head);
  }
  const selection = selectMirrors(file, client, runtime.catalog.holders(resolved.id), tls, {
    weightDistributionRange: config.weightDistributionRange,
    allowOutdatedFiles: config.allowOutdatedFiles,
    fixTimezoneOffsets: config.fixTimezoneOffsets,
    maxMirrorLagMs: config.maxMirrorLag,
    purpose: listPage ? 'list' : 'redirect',
    random: Math.random,
  });

  if (listPage) {
    const html = renderMirrorList({ file, client, selection, fallback: selection.choices.length === 0 ? fallbacks(runtime, client, tls) : [], version: runtime.version }, runtime.pages);
    body(res, 200, 'text/html; charset=utf-8', html, head);
    return 'mirrorlist';
  }
  return respondJSON(runtime, req, res, file, client, selection, tls, params.has('pretty'), head);
};

const fallbacks = (runtime: Runtime, client: ClientLocation, tls: TLSRequirement) =>
  rankFallbacks(runtime.config.fallbacks, client, tls, Math.random);

/**
 * Counts a download as Mirrorbits does: GET only, once per SameDownloadInterval for Range requests from one client
 * address and user agent. A memory increment; the flusher writes it to the store.
 */
const countDownload = (runtime: Runtime, req: IncomingMessage, file: RepoFile, client: ClientLocation, mirrorId: number, mirrorName: string): void => {
  if (req.method !== 'GET') return;
  if (req.headers.range !== undefined && !runtime.dedup.firstInWindow(client.ip, String(req.headers['user-agent'] ?? ''), file.path)) return;
  runtime.counter.count(file.path, mirrorId, file.size);
  runtime.metrics.download(mirrorName, file.size);
};

const logDownload = (runtime: Runtime, req: IncomingMessage, type: 'REDIRECT' | 'JSON', status: number, file: RepoFile, client: ClientLocation, first: { mirror?: Mirror; fallback?: string; distance: number } | undefined): void => {
  const log = runtime.downloadLog;
  if (!log) return;
  const mirror = first?.mirror
    ? { name: first.mirror.name, asn: first.mirror.asnum, distanceKm: first.distance, countries: first.mirror.countryCodes }
    : first?.fallback
      ? { name: first.fallback, asn: 0, distanceKm: 0, countries: [], fallback: true }
      : undefined;
  log.write({ type, status, method: req.method ?? 'GET', path: file.path, ip: client.ip, clientASN: client.asn, mirror, error: mirror ? undefined : 'no mirror available' });
};

const respondRedirect = (
  runtime: Runtime,
  req: IncomingMessage,
  res: ServerResponse,
  file: RepoFile,
  path: string,
  client: ClientLocation,
  choices: readonly Choice[],
  tls: TLSRequirement,
  head: boolean,
): Outcome => {
  const relative = encodePath(path).slice(1);
  const headers: Record<string, string | string[]> = { Server: serverHeader, 'Cache-Control': 'private, no-cache', 'Content-Length': '0' };
  digestHeaders(file, headers);
  if (choices.length === 0) {
    const fb = fallbacks(runtime, client, tls);
    if (fb.length === 0) {
      headers['Retry-After'] = RETRY_AFTER_SECONDS;
      delete headers['Content-Length'];
      res.writeHead(503, headers);
      res.end(head ? undefined : 'No mirror currently has this file. Please retry later.\n');
      logDownload(runtime, req, 'REDIRECT', 503, file, client, undefined);
      return 'no_mirror';
    }
    headers['Location'] = fb[0]!.url + relative;
    res.writeHead(302, headers);
    res.end();
    countDownload(runtime, req, file, client, 0, 'fallback');
    logDownload(runtime, req, 'REDIRECT', 302, file, client, { fallback: 'fallback0', distance: 0 });
    return 'fallback';
  }
  const [best, ...rest] = choices;
  headers['Location'] = best!.url + relative;
  const max = runtime.config.maxLinkHeaders;
  if (max > 0 && rest.length > 0) {
    headers['Link'] = rest
      .slice(0, max)
      .map((c, i) => `<${c.url}${relative}>; rel=duplicate; pri=${i + 1}; geo=${(c.mirror.countryCodes[0] ?? '').toLowerCase()}`);
  }
  res.writeHead(302, headers);
  res.end();
  countDownload(runtime, req, file, client, best!.mirror.id, best!.mirror.name);
  logDownload(runtime, req, 'REDIRECT', 302, file, client, { mirror: best!.mirror, distance: best!.distance });
  return 'redirect';
};

const respondJSON = (
  runtime: Runtime,
  req: IncomingMessage,
  res: ServerResponse,
  file: RepoFile,
  client: ClientLocation,
  selection: Selection,
  tls: TLSRequirement,
  pretty: boolean,
  head: boolean,
): Outcome => {
  let first: { mirror?: Mirror; fallback?: string; distance: number } | undefined;
  let fallbackList: Record<string, unknown>[] | undefined;
  if (selection.choices.length > 0) {
    first = { mirror: selection.choices[0]!.mirror, distance: selection.choices[0]!.distance };
  } else {
    const fb = fallbacks(runtime, client, tls);
    fallbackList = fb.map((f, i) => ({ ID: -i, Name: `fallback${i}`, HttpURL: f.url, CountryCodes: f.countryCode, ContinentCode: f.continentCode, AbsoluteURL: f.url }));
    if (fb.length > 0) first = { fallback: 'fallback0', distance: 0 };
  }
  const listed = fallbackList?.length ?? selection.choices.length;
  const text = pretty ? prettyJSON(file, client, selection, fallbackList) : compactJSON(file, client, selection, fallbackList);
  const status = listed === 0 ? 503 : 200;
  if (status === 503) body(res, 503, 'application/json; charset=utf-8', text, head, { 'Retry-After': RETRY_AFTER_SECONDS });
  else body(res, 200, 'application/json; charset=utf-8', text, head);
  logDownload(runtime, req, 'JSON', status, file, client, first);
  return status === 503 ? 'no_mirror' : 'json';
};

const prettyJSON = (file: RepoFile, client: ClientLocation, selection: Selection, fallbackList: Record<string, unknown>[] | undefined): string => {
  const doc: Record<string, unknown> = { FileInfo: fileInfoJSON(file), IP: client.ip, ClientInfo: clientInfoJSON(client) };
  doc.MirrorList =
    fallbackList ??
    selection.choices.map((c): Record<string, unknown> => mirrorJSON({ mirror: c.mirror, url: c.url, distance: c.distance, score: c.score, share: c.share }));
  if (fallbackList !== undefined && fallbackList.length > 0) doc.Fallback = true;
  if (selection.excluded.length > 0) {
    doc.ExcludedList = selection.excluded.map((e) => mirrorJSON({ mirror: e.mirror, url: e.url, distance: e.distance, reason: e.reason } satisfies PlacedMirror));
  }
  return `${JSON.stringify(doc, null, 4)}\n`;
};

/** What JSON.stringify of prettyJSON's document gives, built from cached per-mirror fragments. */
const compactJSON = (file: RepoFile, client: ClientLocation, selection: Selection, fallbackList: Record<string, unknown>[] | undefined): string => {
  let text = `{"FileInfo":${JSON.stringify(fileInfoJSON(file))},"IP":${JSON.stringify(client.ip)},"ClientInfo":${JSON.stringify(clientInfoJSON(client))},"MirrorList":`;
  if (fallbackList !== undefined) {
    text += JSON.stringify(fallbackList);
    if (fallbackList.length > 0) text += ',"Fallback":true';
  } else {
    text += `[${selection.choices.map((c) => mirrorJSONText({ mirror: c.mirror, url: c.url, distance: c.distance, score: c.score, share: c.share })).join(',')}]`;
  }
  if (selection.excluded.length > 0) {
    text += `,"ExcludedList":[${selection.excluded.map((e) => mirrorJSONText({ mirror: e.mirror, url: e.url, distance: e.distance, reason: e.reason })).join(',')}]`;
  }
  return `${text}}\n`;
};
