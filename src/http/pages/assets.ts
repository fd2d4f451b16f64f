// The pages' static files under `/.signpost/`: Signpost serves every style and script itself (no CDN), from a fixed
// list, with an ETag and a day of caching.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { webRoot } from './web-root.js';

export const ASSET_PREFIX = '/.signpost/';

interface AssetSource {
  type: string;
  /** Absolute path of the file, resolved on first use. */
  path: () => string;
}

const own = (name: string) => () => join(webRoot(), 'static', name);
const uplot = (name: string) => () => createRequire(import.meta.url).resolve(`uplot/dist/${name}`);

const SOURCES: Record<string, AssetSource> = {
  'style.css': { type: 'text/css; charset=utf-8', path: own('style.css') },
  'mirrorstats.js': { type: 'text/javascript; charset=utf-8', path: own('mirrorstats.js') },
  'favicon.svg': { type: 'image/svg+xml', path: own('favicon.svg') },
  'uPlot.iife.min.js': { type: 'text/javascript; charset=utf-8', path: uplot('uPlot.iife.min.js') },
  'uPlot.min.css': { type: 'text/css; charset=utf-8', path: uplot('uPlot.min.css') },
};

/** The asset file names served under ASSET_PREFIX. */
export const ASSET_NAMES: readonly string[] = Object.keys(SOURCES);

interface LoadedAsset {
  type: string;
  body: Buffer;
  etag: string;
}

const loaded = new Map<string, LoadedAsset>();

const load = (name: string): LoadedAsset | undefined => {
  const source = SOURCES[name];
  if (!source) return undefined;
  let asset = loaded.get(name);
  if (!asset) {
    const body = readFileSync(source.path());
    asset = { type: source.type, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
    loaded.set(name, asset);
  }
  return asset;
};

const matches = (header: string | undefined, etag: string): boolean => {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
};

const answer = (res: ServerResponse, status: number, message: string, head: boolean, extra: Record<string, string> = {}): void => {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(message), 'X-Content-Type-Options': 'nosniff', ...extra });
  res.end(head ? undefined : message);
};

/**
 * Answers a request for `urlPath` (the request target, query allowed) when it is under `/.signpost/` and returns true;
 * returns false, having written nothing, for any other path. Unknown names get 404, methods other than GET/HEAD 405.
 */
export const serveAsset = (urlPath: string, req: IncomingMessage, res: ServerResponse): boolean => {
  // Tested before any split: it runs on every request, and nearly all are not for assets.
  if (!urlPath.startsWith(ASSET_PREFIX)) return false;
  const path = urlPath.split('?', 1)[0] ?? '';
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) {
    answer(res, 405, 'Method Not Allowed\n', false, { Allow: 'GET, HEAD' });
    return true;
  }
  let asset: LoadedAsset | undefined;
  try {
    asset = load(path.slice(ASSET_PREFIX.length));
  } catch (error) {
    answer(res, 500, `Cannot read ${path}: ${(error as Error).message}\n`, head);
    return true;
  }
  if (!asset) {
    answer(res, 404, 'Not Found\n', head);
    return true;
  }
  const headers = { ETag: asset.etag, 'Cache-Control': 'public, max-age=86400', 'X-Content-Type-Options': 'nosniff' };
  if (matches(req.headers['if-none-match'], asset.etag)) {
    res.writeHead(304, headers);
    res.end();
    return true;
  }
  res.writeHead(200, { ...headers, 'Content-Type': asset.type, 'Content-Length': asset.body.length });
  res.end(head ? undefined : asset.body);
  return true;
};
