// The request path never waits on the store: with a real SQLite store whose every call is counted, serving
// redirects, JSON answers, mirror list pages and checksums makes zero store calls once the catalog is loaded.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { defaultConfig } from '../src/config/defaults.js';
import { GeoIP } from '../src/geo/geoip.js';
import { CidrSet } from '../src/geo/ip.js';
import { PageRenderer } from '../src/http/pages/renderer.js';
import { createRedirector } from '../src/http/redirector.js';
import type { Runtime } from '../src/http/runtime.js';
import { Catalog } from '../src/mirrors/catalog.js';
import { defaultSettings, initialState } from '../src/mirrors/mirror.js';
import { ProfileCache } from '../src/selection/fast.js';
import { DownloadCounter } from '../src/stats/counter.js';
import { Metrics } from '../src/stats/metrics.js';
import { RangeDedup } from '../src/stats/range-dedup.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { geoipFixtures, tempDir } from './support/paths.js';
import { http } from './support/signpost.js';

/** The store, with a count of every call made through it. */
const counting = (store: Store): { store: Store; calls: Map<string, number> } => {
  const calls = new Map<string, number>();
  const proxy = new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      return (...args: unknown[]) => {
        calls.set(key, (calls.get(key) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
};

describe('the hot path', () => {
  const tmp = tempDir('signpost-hot-');
  let server: Server;
  let port = 0;
  let calls: Map<string, number>;
  let raw: Store;

  before(async () => {
    raw = await openSqliteStore(join(tmp.path, 'db.sqlite'));
    const files = Array.from({ length: 200 }, (_, i) => ({ path: `/pub/f${i}.bin`, size: 1000 + i, mtimeMs: 1_790_000_000_000, sha1: '', sha256: 'ab'.repeat(32), md5: '' }));
    await raw.replaceFiles(files, []);
    for (let m = 0; m < 20; m++) {
      const mirror = await raw.addMirror(
        { ...defaultSettings(), name: `m${m}`, httpURL: `http://m${m}.example.org/`, enabled: true, countryCodes: [m % 2 ? 'GB' : 'US'], latitude: 40 + m, longitude: -70 + m * 5 },
        { ...initialState(0), httpUp: true, httpsUp: true, httpDownReason: '', httpsDownReason: '', lastSuccessfulSync: 1 },
      );
      await raw.replaceMirrorFiles(mirror.id, files.filter((_, i) => (i + m) % 3 !== 0).map((f) => ({ path: f.path, size: f.size, mtimeMs: f.mtimeMs })));
    }
    const wrapped = counting(raw);
    calls = wrapped.calls;
    const catalog = new Catalog(wrapped.store);
    await catalog.start();
    const config = { ...defaultConfig(tmp.path), geoipCityDatabase: join(geoipFixtures, 'GeoLite2-City-Test.mmdb'), geoipASNDatabase: join(geoipFixtures, 'GeoLite2-ASN-Test.mmdb') };
    const runtime: Runtime = {
      config,
      geo: await GeoIP.open({ cityDatabase: config.geoipCityDatabase, asnDatabase: config.geoipASNDatabase, databasePath: '' }),
      trustedProxies: new CidrSet(config.trustedProxies),
      catalog,
      version: 'test',
      store: wrapped.store,
      counter: new DownloadCounter(),
      dedup: new RangeDedup(600_000),
      metrics: new Metrics({ mirrorsByState: () => ({}), files: () => 0, flushLagSeconds: () => 0 }),
      downloadLog: undefined,
      pages: new PageRenderer(''),
      profiles: new ProfileCache(),
    };
    server = createServer(createRedirector(runtime));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await raw.close();
    tmp.remove();
  });

  it('makes no store call per request', async () => {
    calls.clear();
    const clients = ['2.125.160.217', '216.160.83.57', '89.160.20.113', '2001:218::1', '2a02:cfc0::1'];
    let redirects = 0;
    for (let i = 0; i < 500; i++) {
      const ip = clients[i % clients.length]!;
      const path = `/pub/f${i % 200}.bin`;
      const kind = i % 5;
      const r =
        kind === 0 ? await http(port, `${path}?fromip=${ip}`, { Accept: 'application/json' })
        : kind === 1 ? await http(port, `${path}?mirrorlist&fromip=${ip}`)
        : kind === 2 ? await http(port, `${path}?sha256`)
        : await http(port, path, { 'X-Forwarded-For': ip, ...(kind === 4 ? { Range: 'bytes=0-9' } : {}) });
      assert.ok(r.status < 400, `${path} kind ${kind}: ${r.status}`);
      if (r.status === 302) redirects++;
    }
    assert.ok(redirects >= 150);
    assert.deepEqual(Object.fromEntries(calls), {});
  });

  it('answers JSON compactly with the same document as ?pretty', async () => {
    for (const ip of ['2.125.160.217', '216.160.83.57', '127.0.0.9']) {
      const compact = await http(port, `/pub/f7.bin?fromip=${ip}`, { Accept: 'application/json' });
      const pretty = await http(port, `/pub/f7.bin?fromip=${ip}&pretty`, { Accept: 'application/json' });
      assert.equal(compact.status, 200);
      assert.ok(!compact.body.includes('\n    '), 'compact');
      const a = JSON.parse(compact.body) as { MirrorList: object[] };
      const b = JSON.parse(pretty.body) as { MirrorList: object[] };
      assert.equal(compact.body, `${JSON.stringify(a)}\n`, 'exactly what JSON.stringify writes');
      // The draw is random: compare everything but which mirrors were drawn, and the shape of each.
      const strip = (doc: { MirrorList: object[] }) => ({ ...doc, MirrorList: doc.MirrorList.map((m) => Object.keys(m).filter((k) => k !== 'Weight')) });
      assert.deepEqual(strip(a), strip(b));
    }
  });
});
