// The admin API: JSON over HTTP, used by the CLI (and later the pages). Every mirror change goes through the store.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Coordinator } from '../cluster/coordinator.js';
import { normalizeIP } from '../geo/ip.js';
import type { Catalog } from '../mirrors/catalog.js';
import { defaultSettings, initialState } from '../mirrors/mirror.js';
import type { Mirror, MirrorSettings, ScanProtocol } from '../mirrors/mirror.js';
import { locateMirror } from '../mirrors/locate.js';
import { MirrorInputError, validateSettingsPatch } from '../mirrors/validate.js';
import { mirrorView } from '../mirrors/view.js';
import type { HealthChecker } from '../health/checker.js';
import type { Runtime } from '../http/runtime.js';
import type { RepositoryRefresher } from '../repo/refresh.js';
import { ScanBusyError } from '../scan/mirror-scan.js';
import type { MirrorScanner } from '../scan/mirror-scan.js';
import { parsePeriod, utcDay } from '../stats/day.js';
import { NameTakenError, NotFoundError } from '../store/store.js';
import type { Store } from '../store/store.js';

export interface AdminContext {
  store: Store;
  catalog: Catalog;
  runtime: Runtime;
  scanner: MirrorScanner;
  checker: HealthChecker;
  refresher: RepositoryRefresher;
  coordinator: Pick<Coordinator, 'self' | 'shared' | 'nodes'>;
  /** Re-reads the configuration and GeoIP data; throws (keeping the old ones) when the new config is invalid. */
  reload: () => Promise<void>;
  ready: () => Record<string, boolean>;
  /** Metrics of the worker processes (prom-client JSON), to add to this process's. */
  workerMetrics: () => Promise<unknown[]>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY = 1 << 20;

const readJSON = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'request body must be a JSON object');
  return value as Record<string, unknown>;
};

const send = (res: ServerResponse, status: number, value: unknown): void => {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
};

/** Exact name first, else a unique case-insensitive substring (SPEC §1). */
export const findMirror = (catalog: Catalog, ref: string): Mirror => {
  const all = catalog.listMirrors();
  const exact = all.find((m) => m.name === ref) ?? all.find((m) => m.name.toLowerCase() === ref.toLowerCase());
  if (exact) return exact;
  const needle = ref.toLowerCase();
  const matches = all.filter((m) => m.name.toLowerCase().includes(needle));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new HttpError(404, `no mirror matches "${ref}"`);
  throw new HttpError(409, `"${ref}" matches several mirrors: ${matches.map((m) => m.name).sort().join(', ')}`);
};

const authorized = (req: IncomingMessage, token: string): boolean => {
  if (!token) return true;
  const given = String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
};

const view = (ctx: AdminContext, m: Mirror) => mirrorView(m, ctx.catalog.mirrorFileCount(m.id), ctx.runtime.config.maxMirrorLag);

const addMirror = async (ctx: AdminContext, body: Record<string, unknown>) => {
  const { enable, ...fields } = body;
  const patch = validateSettingsPatch(fields);
  if (!patch.name) throw new MirrorInputError('name', 'a mirror name is required');
  if (!patch.httpURL) throw new MirrorInputError('http', 'an HTTP URL is required (--http)');
  const settings: MirrorSettings = { ...defaultSettings(), ...patch, name: patch.name, httpURL: patch.httpURL, enabled: enable === true || patch.enabled === true };
  const located = await locateMirror(settings, new Set(Object.keys(patch)), ctx.runtime.geo);
  const { warnings, ...where } = located;
  const mirror = await ctx.store.addMirror({ ...settings, ...where }, initialState(Date.now()));
  await ctx.store.appendLog(mirror.id, { time: Date.now(), kind: 'added', message: 'Mirror added' });
  await ctx.catalog.settledEverywhere();
  return { mirror: view(ctx, mirror), warnings };
};

const editMirror = async (ctx: AdminContext, mirror: Mirror, body: Record<string, unknown>) => {
  const patch = validateSettingsPatch(body);
  const changed = Object.entries(patch).filter(([k, v]) => JSON.stringify(mirror[k as keyof Mirror]) !== JSON.stringify(v));
  if (changed.length === 0) return { mirror: view(ctx, mirror), changed: [] };
  const updated = await ctx.store.updateMirror(mirror.id, patch);
  const fields = changed.map(([k]) => k);
  await ctx.store.appendLog(mirror.id, { time: Date.now(), kind: 'edited', message: `Mirror edited: ${fields.join(', ')}` });
  await ctx.catalog.settledEverywhere();
  return { mirror: view(ctx, updated), changed: fields };
};

const setEnabled = async (ctx: AdminContext, mirror: Mirror, enabled: boolean) => {
  if (mirror.enabled !== enabled) {
    await ctx.store.updateMirror(mirror.id, { enabled, stateSince: Date.now() });
    await ctx.store.appendLog(mirror.id, { time: Date.now(), kind: enabled ? 'enabled' : 'disabled', message: `Mirror ${enabled ? 'enabled' : 'disabled'}` });
    await ctx.catalog.settledEverywhere();
    // A mirror coming back into service is checked at once rather than at the next round.
    const current = ctx.catalog.getMirror(mirror.id);
    if (enabled && current && !(current.httpUp && current.httpsUp)) await ctx.checker.checkNow(current);
  }
  return { mirror: view(ctx, ctx.catalog.getMirror(mirror.id) ?? mirror) };
};

const PROTOCOLS = new Set(['rsync', 'ftp', 'http']);

type Handler = (ctx: AdminContext, req: IncomingMessage, match: string[], url: URL) => Promise<unknown>;

const routes: [string, RegExp, Handler][] = [
  ['GET', /^\/api\/version$/, async (ctx) => ({ version: ctx.runtime.version, node: process.version, store: ctx.store.backend })],
  ['GET', /^\/api\/mirrors$/, async (ctx) => ctx.catalog.listMirrors().sort((a, b) => a.name.localeCompare(b.name)).map((m) => view(ctx, m))],
  ['POST', /^\/api\/mirrors$/, async (ctx, req) => addMirror(ctx, await readJSON(req))],
  ['GET', /^\/api\/mirrors\/([^/]+)$/, async (ctx, _req, [ref]) => view(ctx, findMirror(ctx.catalog, ref!))],
  ['PATCH', /^\/api\/mirrors\/([^/]+)$/, async (ctx, req, [ref]) => editMirror(ctx, findMirror(ctx.catalog, ref!), await readJSON(req))],
  ['DELETE', /^\/api\/mirrors\/([^/]+)$/, async (ctx, _req, [ref]) => {
    const mirror = findMirror(ctx.catalog, ref!);
    await ctx.store.removeMirror(mirror.id);
    await ctx.catalog.settledEverywhere();
    return { removed: mirror.name };
  }],
  ['POST', /^\/api\/mirrors\/([^/]+)\/enable$/, async (ctx, _req, [ref]) => setEnabled(ctx, findMirror(ctx.catalog, ref!), true)],
  ['POST', /^\/api\/mirrors\/([^/]+)\/disable$/, async (ctx, _req, [ref]) => setEnabled(ctx, findMirror(ctx.catalog, ref!), false)],
  ['POST', /^\/api\/mirrors\/([^/]+)\/scan$/, async (ctx, req, [ref]) => {
    const mirror = findMirror(ctx.catalog, ref!);
    const body = await readJSON(req);
    const protocol = body.protocol;
    if (protocol !== undefined && (typeof protocol !== 'string' || !PROTOCOLS.has(protocol))) {
      throw new HttpError(400, `protocol: expected rsync, ftp or http, got "${String(protocol)}"`);
    }
    const controller = new AbortController();
    req.socket.once('close', () => controller.abort());
    return ctx.scanner.scan(mirror, { protocol: protocol as ScanProtocol | undefined, enable: body.enable === true, signal: controller.signal });
  }],
  ['GET', /^\/api\/mirrors\/([^/]+)\/logs$/, async (ctx, _req, [ref], url) => {
    const mirror = findMirror(ctx.catalog, ref!);
    const n = Number(url.searchParams.get('n') ?? '50');
    if (!Number.isInteger(n) || n < 1 || n > 100000) throw new HttpError(400, 'n: expected a positive integer');
    return { mirror: mirror.name, entries: await ctx.store.listLogs(mirror.id, n) };
  }],
  ['GET', /^\/api\/nodes$/, async (ctx) => ({ self: ctx.coordinator.self, shared: ctx.coordinator.shared, nodes: await ctx.coordinator.nodes() })],
  ['POST', /^\/api\/refresh$/, async (ctx, req) => ctx.refresher.refresh((await readJSON(req)).rehash === true)],
  ['GET', /^\/api\/geo\/([^/]+)$/, async (ctx, _req, [raw]) => {
    const ip = normalizeIP(raw!);
    if (ip === undefined) throw new HttpError(400, `"${raw!.slice(0, 64)}" is not an IP address`);
    const geo = await ctx.runtime.geo.use();
    return { ...geo.lookup(ip), sources: geo.sources() };
  }],
  ['GET', /^\/api\/stats\/files$/, async (ctx, _req, _m, url) => fileStats(ctx, url)],
  ['GET', /^\/api\/stats\/mirrors$/, async (ctx, _req, _m, url) => mirrorStats(ctx, undefined, url)],
  ['GET', /^\/api\/stats\/mirrors\/([^/]+)$/, async (ctx, _req, [ref], url) => mirrorStats(ctx, ref!, url)],
  ['POST', /^\/api\/reload$/, async (ctx) => {
    await ctx.reload();
    return { reloaded: true, config: ctx.runtime.config.source || '(built-in defaults)' };
  }],
];

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `from`/`to` query parameters (YYYY-MM-DD, inclusive), today by default. */
const dayRange = (url: URL): { from: string; to: string } => {
  const today = utcDay(Date.now());
  const from = url.searchParams.get('from') ?? url.searchParams.get('to') ?? today;
  const to = url.searchParams.get('to') ?? (url.searchParams.has('from') ? today : from);
  for (const [name, value] of [['from', from], ['to', to]] as const) {
    if (!DAY.test(value) || parsePeriod(value) !== value) throw new HttpError(400, `${name}: expected a date YYYY-MM-DD, got "${value.slice(0, 40)}"`);
  }
  if (from > to) throw new HttpError(400, `from (${from}) is after to (${to})`);
  return { from, to };
};

const fileStats = async (ctx: AdminContext, url: URL) => {
  const pattern = url.searchParams.get('pattern') ?? '';
  if (pattern.length > 256) throw new HttpError(400, 'pattern: longer than 256 characters');
  let regex: RegExp;
  try {
    regex = new RegExp(pattern);
  } catch (error) {
    throw new HttpError(400, `pattern: not a valid regular expression (${(error as Error).message})`);
  }
  const range = dayRange(url);
  const all = await ctx.store.fileDownloadsBetween(range.from, range.to);
  const files = [...all].filter(([path]) => regex.test(path)).map(([path, downloads]) => ({ path, downloads })).sort((a, b) => b.downloads - a.downloads || a.path.localeCompare(b.path));
  return { ...range, pattern, files, total: files.reduce((sum, f) => sum + f.downloads, 0) };
};

const mirrorStats = async (ctx: AdminContext, ref: string | undefined, url: URL) => {
  const range = dayRange(url);
  const counts = await ctx.store.mirrorDownloadsBetween(range.from, range.to);
  const mirrors = ref === undefined ? ctx.catalog.listMirrors() : [findMirror(ctx.catalog, ref)];
  const rows = mirrors.map((m) => ({ mirror: m.name, downloads: counts.get(m.id)?.count ?? 0, bytes: counts.get(m.id)?.bytes ?? 0 }));
  if (ref === undefined && counts.has(0)) rows.push({ mirror: 'fallback', downloads: counts.get(0)!.count, bytes: counts.get(0)!.bytes });
  return ref === undefined ? { ...range, mirrors: rows.sort((a, b) => b.downloads - a.downloads) } : { ...range, ...rows[0]! };
};

export const createAdminHandler = (ctx: AdminContext) => async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
  const url = new URL(req.url ?? '/', 'http://admin');
  try {
    if (req.method === 'GET' && url.pathname === '/healthz') return send(res, 200, { ok: true });
    if (req.method === 'GET' && url.pathname === '/readyz') {
      const checks = ctx.ready();
      return send(res, Object.values(checks).every(Boolean) ? 200 : 503, checks);
    }
    if (req.method === 'GET' && url.pathname === '/metrics') {
      const { contentType, body } = await ctx.runtime.metrics.text(await ctx.workerMetrics());
      res.writeHead(200, { 'Content-Type': contentType });
      return void res.end(body);
    }
    if (!authorized(req, ctx.runtime.config.adminToken)) throw new HttpError(401, 'missing or wrong admin token (--token, SIGNPOST_TOKEN or AdminToken)');
    let path: string;
    try {
      path = url.pathname.split('/').map((s) => decodeURIComponent(s)).join('/');
    } catch {
      throw new HttpError(400, 'invalid percent-encoding in path');
    }
    for (const [method, pattern, handler] of routes) {
      const match = pattern.exec(path);
      if (!match) continue;
      if (req.method !== method) continue;
      return send(res, 200, await handler(ctx, req, match.slice(1), url));
    }
    throw new HttpError(404, `no such admin endpoint: ${req.method} ${url.pathname}`);
  } catch (error) {
    const [status, message] =
      error instanceof HttpError ? [error.status, error.message]
      : error instanceof MirrorInputError ? [400, error.message]
      : error instanceof NameTakenError ? [409, error.message]
      : error instanceof NotFoundError ? [404, error.message]
      : error instanceof ScanBusyError ? [409, error.message]
      : [500, error instanceof Error ? error.message : String(error)];
    if (!res.headersSent) send(res, status, { error: message });
    else res.end();
  }
};
