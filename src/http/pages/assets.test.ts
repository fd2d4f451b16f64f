import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { ASSET_NAMES, serveAsset } from './assets.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('serveAsset', () => {
  let server: Server;
  let port = 0;
  const get = (path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.once('error', reject);
      req.end();
    });

  before(async () => {
    server = createServer((req, res) => {
      if (!serveAsset(req.url ?? '/', req, res)) {
        res.writeHead(418);
        res.end('not an asset');
      }
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as { port: number }).port;
  });
  after(() => new Promise<void>((done) => server.close(() => done())));

  it('serves each listed file with its type, an ETag and a day of caching', async () => {
    const types: Record<string, RegExp> = { css: /^text\/css/, js: /^text\/javascript/, svg: /^image\/svg\+xml/ };
    for (const name of ASSET_NAMES) {
      const r = await get(`/.signpost/${name}?v=1`);
      assert.equal(r.status, 200, name);
      assert.match(String(r.headers['content-type']), types[name.slice(name.lastIndexOf('.') + 1)]!, name);
      assert.equal(Number(r.headers['content-length']), Buffer.byteLength(r.body), name);
      assert.equal(r.headers['cache-control'], 'public, max-age=86400');
      assert.match(String(r.headers.etag), /^"[\w-]{22}"$/);
    }
    assert.match((await get('/.signpost/uPlot.iife.min.js')).body, /uPlot/);
  });

  it('answers 304 to a matching If-None-Match, and HEAD without a body', async () => {
    const { headers } = await get('/.signpost/style.css');
    const etag = String(headers.etag);
    for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const r = await get('/.signpost/style.css', 'GET', { 'If-None-Match': inm });
      assert.equal(r.status, 304, inm);
      assert.equal(r.body, '');
      assert.equal(r.headers.etag, etag);
    }
    assert.equal((await get('/.signpost/style.css', 'GET', { 'If-None-Match': '"stale"' })).status, 200);
    const head = await get('/.signpost/style.css', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.ok(Number(head.headers['content-length']) > 1000);
  });

  it('refuses names off the list and other methods, and leaves other paths alone', async () => {
    for (const path of ['/.signpost/', '/.signpost/../package.json', '/.signpost/%2e%2e/package.json', '/.signpost/style.css/x', '/.signpost/STYLE.CSS']) {
      assert.equal((await get(path)).status, 404, path);
    }
    const post = await get('/.signpost/style.css', 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
    assert.equal((await get('/style.css')).status, 418);
    assert.equal((await get('/.signposts/style.css')).status, 418);
  });
});
