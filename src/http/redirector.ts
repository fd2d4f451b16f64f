// The redirector's request path: parse -> locate -> select -> respond. Reads only in-memory state.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizeIP } from '../geo/ip.js';
import type { ClientLocation } from '../geo/location.js';
import type { CatalogFile } from '../mirrors/catalog.js';
import type { RepoFile } from '../repo/file.js';
import { rankFallbacks, selectMirrors } from '../selection/select.js';
import type { Candidate, Selection, TLSRequirement } from '../selection/select.js';
import { clientAddress } from './client-address.js';
import { clientInfoJSON, fileInfoJSON, mirrorJSON } from './mirror-json.js';
import type { PlacedMirror } from './mirror-json.js';
import { renderMirrorList } from './mirrorlist-page.js';
import { encodePath, parseRequestPath } from './request-path.js';
import type { Runtime } from './runtime.js';

const RETRY_AFTER_SECONDS = '60';

const plain = (res: ServerResponse, status: number, message: string, head: boolean): void => {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': Buffer.byteLength(message) + 1,
  });
  res.end(head ? undefined : `${message}\n`);
};

const body = (res: ServerResponse, status: number, type: string, text: string, head: boolean, extra: Record<string, string> = {}): void => {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'private, no-cache', ...extra });
  res.end(head ? undefined : text);
};

const hexToBase64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');

/** RFC 3230 `Digest` and RFC 9530 `Repr-Digest` values from the indexed hashes. */
const digestHeaders = (file: RepoFile, headers: Record<string, string | string[]>): void => {
  const digest: string[] = [];
  if (file.sha256) digest.push(`SHA-256=${hexToBase64(file.sha256)}`);
  if (file.sha1) digest.push(`SHA=${hexToBase64(file.sha1)}`);
  if (file.md5) digest.push(`MD5=${hexToBase64(file.md5)}`);
  if (digest.length) headers['Digest'] = digest.join(', ');
  if (file.sha256) headers['Repr-Digest'] = `sha-256=:${hexToBase64(file.sha256)}:`;
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

const candidatesOf = (runtime: Runtime, entry: CatalogFile): Candidate[] => {
  const out: Candidate[] = [];
  for (const [id, copy] of entry.copies) {
    const mirror = runtime.catalog.getMirror(id);
    if (mirror) out.push({ mirror, copy });
  }
  return out;
};

const wantsJSON = (runtime: Runtime, req: IncomingMessage): boolean => {
  const mode = runtime.config.outputMode;
  if (mode === 'json') return true;
  if (mode === 'redirect') return false;
  return String(req.headers.accept ?? '').includes('application/json');
};

/** Builds the request handler; `runtime` is read at each request, so a reload takes effect at once. */
export const createRedirector = (runtime: Runtime) => (req: IncomingMessage, res: ServerResponse): void => {
  res.setHeader('Server', `Signpost/${runtime.version}`);
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) {
    res.setHeader('Allow', 'GET, HEAD');
    return plain(res, 405, 'Method Not Allowed', false);
  }
  const parsed = parseRequestPath(req.url ?? '/');
  if (!parsed.ok) return plain(res, parsed.status, parsed.message, head);
  const params = new URLSearchParams(parsed.query);

  if (params.has('stats') || params.has('mirrorstats')) {
    return plain(res, 501, 'Statistics are not available yet in this version of Signpost', head);
  }

  const resolved = runtime.catalog.resolve(parsed.path);
  if (resolved.kind === 'forbidden') return plain(res, 403, 'Forbidden', head);
  if (resolved.kind === 'missing') return plain(res, 404, 'Not Found', head);
  const file = resolved.entry.file;

  const ims = req.headers['if-modified-since'];
  if (ims && file.mtimeMs > 0) {
    const since = Date.parse(ims);
    const mtime = Math.floor(file.mtimeMs / 1000) * 1000;
    if (!Number.isNaN(since) && mtime <= since) {
      res.writeHead(304, { 'Last-Modified': new Date(mtime).toUTCString() });
      return void res.end();
    }
  }

  for (const algo of ['md5', 'sha1', 'sha256'] as const) {
    if (!params.has(algo)) continue;
    const hex = file[algo];
    if (!hex) return plain(res, 404, 'Hash type not supported', head);
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    return body(res, 200, 'text/plain; charset=utf-8', `${hex}  ${name}`, head);
  }

  const address = clientAddress(req, runtime.trustedProxies);
  if (address.invalidForwarded !== undefined) {
    return plain(res, 400, `X-Forwarded-For: "${address.invalidForwarded}" is not an IP address`, head);
  }
  const listPage = params.has('mirrorlist');
  const json = !listPage && wantsJSON(runtime, req);
  let ip = address.ip;
  const fromip = params.get('fromip');
  if (fromip !== null && (listPage || json)) {
    const simulated = normalizeIP(fromip);
    if (simulated === undefined) return plain(res, 400, `fromip: "${fromip.slice(0, 64)}" is not an IP address`, head);
    ip = simulated;
  }
  const client = runtime.geo.lookup(ip);
  const tls = tlsRequirement(req, params, address.viaTrustedProxy, runtime.config.allowHTTPToHTTPSRedirects);
  const config = runtime.config;
  const selection = selectMirrors(file, client, candidatesOf(runtime, resolved.entry), tls, {
    weightDistributionRange: config.weightDistributionRange,
    allowOutdatedFiles: config.allowOutdatedFiles,
    fixTimezoneOffsets: config.fixTimezoneOffsets,
    maxMirrorLagMs: config.maxMirrorLag,
    purpose: listPage ? 'list' : 'redirect',
    random: Math.random,
  });

  if (listPage) {
    const html = renderMirrorList({ file, client, selection, fallback: selection.choices.length === 0 ? fallbacks(runtime, client, tls) : [], version: runtime.version });
    return body(res, 200, 'text/html; charset=utf-8', html, head);
  }
  if (json) return respondJSON(runtime, res, file, client, selection, tls, params.has('pretty'), head);
  return respondRedirect(runtime, res, file, resolved.path, client, selection, tls, head);
};

const fallbacks = (runtime: Runtime, client: ClientLocation, tls: TLSRequirement) =>
  rankFallbacks(runtime.config.fallbacks, client, tls, Math.random);

const respondRedirect = (
  runtime: Runtime,
  res: ServerResponse,
  file: RepoFile,
  path: string,
  client: ClientLocation,
  selection: Selection,
  tls: TLSRequirement,
  head: boolean,
): void => {
  const relative = encodePath(path).slice(1);
  const headers: Record<string, string | string[]> = { 'Cache-Control': 'private, no-cache', 'Content-Length': '0' };
  digestHeaders(file, headers);
  if (selection.choices.length === 0) {
    const fb = fallbacks(runtime, client, tls);
    if (fb.length === 0) {
      headers['Retry-After'] = RETRY_AFTER_SECONDS;
      delete headers['Content-Length'];
      res.writeHead(503, headers);
      return void res.end(head ? undefined : 'No mirror currently has this file. Please retry later.\n');
    }
    headers['Location'] = fb[0]!.url + relative;
    res.writeHead(302, headers);
    return void res.end();
  }
  const [best, ...rest] = selection.choices;
  headers['Location'] = best!.url + relative;
  const max = runtime.config.maxLinkHeaders;
  if (max > 0 && rest.length > 0) {
    headers['Link'] = rest
      .slice(0, max)
      .map((c, i) => `<${c.url}${relative}>; rel=duplicate; pri=${i + 1}; geo=${(c.mirror.countryCodes[0] ?? '').toLowerCase()}`);
  }
  res.writeHead(302, headers);
  res.end();
};

const respondJSON = (
  runtime: Runtime,
  res: ServerResponse,
  file: RepoFile,
  client: ClientLocation,
  selection: Selection,
  tls: TLSRequirement,
  pretty: boolean,
  head: boolean,
): void => {
  const doc: Record<string, unknown> = { FileInfo: fileInfoJSON(file), IP: client.ip, ClientInfo: clientInfoJSON(client) };
  if (selection.choices.length > 0) {
    doc.MirrorList = selection.choices.map((c): Record<string, unknown> =>
      mirrorJSON({ mirror: c.mirror, url: c.url, distance: c.distance, score: c.score, share: c.share }),
    );
  } else {
    const fb = fallbacks(runtime, client, tls);
    doc.MirrorList = fb.map((f, i) => ({ ID: -i, Name: `fallback${i}`, HttpURL: f.url, CountryCodes: f.countryCode, ContinentCode: f.continentCode, AbsoluteURL: f.url }));
    if (fb.length > 0) doc.Fallback = true;
  }
  if (selection.excluded.length > 0) {
    doc.ExcludedList = selection.excluded.map((e) => mirrorJSON({ mirror: e.mirror, url: e.url, distance: e.distance, reason: e.reason } satisfies PlacedMirror));
  }
  const text = `${JSON.stringify(doc, null, pretty ? 4 : undefined)}\n`;
  if ((doc.MirrorList as unknown[]).length === 0) {
    return body(res, 503, 'application/json; charset=utf-8', text, head, { 'Retry-After': RETRY_AFTER_SECONDS });
  }
  body(res, 200, 'application/json; charset=utf-8', text, head);
};
