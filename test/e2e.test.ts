// End to end: the real daemon, mirrors added with the CLI and scanned from a real rsync daemon, vsftpd and HTTP
// index servers, then redirects checked for clients in different countries (MaxMind's test GeoIP data).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startFtpServer } from './support/ftpd.js';
import { startIndexServer } from './support/httpd.js';
import type { RunningServer } from './support/daemon.js';
import { freePort } from './support/net.js';
import { tempDir } from './support/paths.js';
import { startRsyncDaemon } from './support/rsyncd.js';
import { baseConfig, cli, cliJSON, http, startSignpost } from './support/signpost.js';
import type { RunningSignpost } from './support/signpost.js';

const T0 = new Date('2026-11-01T12:00:00Z');
const OLD = new Date('2026-10-01T08:00:00Z');

const REPO: Record<string, string> = {
  '/releases/app-1.0.tar.gz': 'app 1.0\n'.repeat(1000),
  '/big.iso': 'iso\n'.repeat(5000),
  '/other.txt': 'other\n',
  '/dir with space/é file.txt': 'unicode\n',
};

const write = (root: string, files: Record<string, string>, mtime = T0): void => {
  for (const [path, content] of Object.entries(files)) {
    const local = join(root, path);
    mkdirSync(dirname(local), { recursive: true });
    writeFileSync(local, content);
    utimesSync(local, mtime, mtime);
  }
};

// Clients from the GeoLite2-City test database.
const CLIENT = {
  GB: '2.125.160.217', // Boxford 51.75, -1.25
  SE: '89.160.20.113', // Linköping 58.4167, 15.6167
  US: '216.160.83.57', // Milton 47.2513, -122.3149
  JP: '2001:218::1', // 35.685, 139.753
  FR: '2a02:cfc0::1', // 46, 2
  DE: '2a02:d180::1', // 51.5, 10.5
};

interface MirrorJSON {
  name: string;
  enabled: boolean;
  state: string;
  country: string[];
  files: number;
  [k: string]: unknown;
}

describe('signpost end to end', { timeout: 180_000 }, () => {
  const tmp = tempDir('signpost-e2e-');
  const servers: RunningServer[] = [];
  let daemon: RunningSignpost;
  let httpPort = 0;
  let adminPort = 0;
  let config = '';
  const url: Record<string, string> = {};

  const redirectFor = async (ip: string, path: string): Promise<string> => {
    const r = await http(httpPort, path, { 'X-Forwarded-For': ip });
    assert.equal(r.status, 302, `${path} for ${ip}: ${r.status} ${r.body}`);
    return String(r.headers.location);
  };
  const mirrorOf = (location: string): string => {
    for (const [name, base] of Object.entries(url)) if (location.startsWith(base)) return name;
    return location;
  };

  before(async () => {
    const repo = join(tmp.path, 'repo');
    write(repo, REPO);
    // Mirror trees: full copies, a partial one, a stale one.
    const tree = (name: string): string => {
      const root = join(tmp.path, 'mirrors', name);
      cpSync(repo, root, { recursive: true, preserveTimestamps: true });
      return root;
    };
    const gb = tree('gb');
    const se = tree('se');
    const us = tree('us');
    const jp = join(tmp.path, 'mirrors', 'jp');
    cpSync(repo, jp, { recursive: true, preserveTimestamps: true, filter: (src) => !src.endsWith('big.iso') });
    const de = tree('de');
    write(de, { '/releases/app-1.0.tar.gz': 'app 0.9\n'.repeat(1000) }, OLD); // older copy, same size
    write(de, { '/other.txt': 'other, longer\n' }); // same mtime, other size
    const fr1 = tree('fr1');
    const fr2 = tree('fr2');

    const rsync = await startRsyncDaemon(gb);
    const ftp = await startFtpServer(se);
    const nginx = await startIndexServer(us, 'nginx');
    const apache = await startIndexServer(jp, 'apache');
    const lighttpd = await startIndexServer(de, 'lighttpd');
    const fr1Server = await startIndexServer(fr1, 'nginx');
    const fr2Server = await startIndexServer(fr2, 'nginx');
    // gb and se are scanned over rsync and FTP, but downloads go to their HTTP side.
    const gbHttp = await startIndexServer(gb, 'nginx');
    const seHttp = await startIndexServer(se, 'apache');
    servers.push(rsync, ftp, nginx, apache, lighttpd, fr1Server, fr2Server, gbHttp, seHttp);

    httpPort = await freePort();
    adminPort = await freePort();
    config = join(tmp.path, 'signpost.yaml');
    writeFileSync(
      config,
      [
        ...baseConfig({ repo, db: join(tmp.path, 'data', 'signpost.db'), httpPort, adminPort }),
        'AdminToken: e2e-secret',
        'RepositoryScanInterval: 0',
        'Workers: 2', // worker processes serve, the primary checks and counts: what runs in production
        'ScanInterval: 1h',
        'MaxLinkHeaders: 3',
        'Hashes: {SHA256: true, SHA1: true, MD5: true}',
        '',
      ].join('\n'),
    );
    daemon = await startSignpost(config, adminPort);
    process.env.SIGNPOST_CONFIG = config;

    const add = async (name: string, args: string[]): Promise<void> => {
      const r = await cli(['add', name, ...args]);
      assert.equal(r.code, 0, `add ${name}: ${r.stderr}`);
    };
    url.gb = gbHttp.url;
    await add('gb-rsync', ['--http', url.gb, '--rsync', rsync.url, '--country', 'GB', '--latitude', '51.75', '--longitude', '-1.25']);
    url.se = seHttp.url;
    await add('se-ftp', ['--http', url.se, '--ftp', ftp.url, '--country', 'SE', '--latitude', '58.41', '--longitude', '15.61']);
    url.us = nginx.url;
    await add('us-nginx', ['--http', url.us, '--country', 'US', '--latitude', '47.25', '--longitude', '-122.31']);
    url.jp = apache.url;
    await add('jp-partial', ['--http', url.jp, '--country', 'JP', '--latitude', '35.68', '--longitude', '139.75']);
    url.de = lighttpd.url;
    await add('de-stale', ['--http', url.de, '--country', 'DE', '--latitude', '51.5', '--longitude', '10.5']);
    url.fr1 = fr1Server.url;
    await add('fr-lyon', ['--http', url.fr1, '--country', 'FR', '--latitude', '45.764', '--longitude', '4.8357']);
    url.fr2 = fr2Server.url;
    await add('fr-paris', ['--http', url.fr2, '--country', 'FR', '--latitude', '48.8566', '--longitude', '2.3522']);
  });

  after(async () => {
    delete process.env.SIGNPOST_CONFIG;
    await daemon?.stop();
    await Promise.all(servers.map((s) => s.stop()));
    tmp.remove();
  });

  it('new mirrors start disabled and receive nothing', async () => {
    const list = await cliJSON<MirrorJSON[]>(['list']);
    assert.equal(list.length, 7);
    assert.ok(list.every((m) => !m.enabled && m.state === 'disabled'));
    const r = await http(httpPort, '/releases/app-1.0.tar.gz', { 'X-Forwarded-For': CLIENT.GB });
    assert.equal(r.status, 503);
    assert.equal(r.headers['retry-after'], '60');
  });

  it('scans every mirror over its protocol and enables it', async () => {
    const expected: Record<string, [string, number]> = {
      'gb-rsync': ['rsync', 4],
      'se-ftp': ['ftp', 4],
      'us-nginx': ['http', 4],
      'jp-partial': ['http', 3],
      'de-stale': ['http', 4],
      'fr-lyon': ['http', 4],
      'fr-paris': ['http', 4],
    };
    for (const [name, [protocol, known]] of Object.entries(expected)) {
      const s = await cliJSON<{ protocol: string; known: number; enabled: boolean }>(['scan', name, '--enable']);
      assert.equal(s.protocol, protocol, name);
      assert.equal(s.known, known, name);
      assert.equal(s.enabled, true, name);
    }
    const list = await cliJSON<MirrorJSON[]>(['list', '--enabled']);
    assert.equal(list.length, 7);
    assert.ok(list.every((m) => m.state === 'up'), JSON.stringify(list.map((m) => [m.name, m.state, m.reason])));
  });

  it('sends each client to its nearest mirror holding the current file', async () => {
    assert.equal(mirrorOf(await redirectFor(CLIENT.GB, '/releases/app-1.0.tar.gz')), 'gb');
    assert.equal(mirrorOf(await redirectFor(CLIENT.SE, '/releases/app-1.0.tar.gz')), 'se');
    assert.equal(mirrorOf(await redirectFor(CLIENT.US, '/releases/app-1.0.tar.gz')), 'us');
    assert.equal(mirrorOf(await redirectFor(CLIENT.JP, '/releases/app-1.0.tar.gz')), 'jp');
    assert.equal(mirrorOf(await redirectFor(CLIENT.DE, '/big.iso')), 'de');
    const location = await redirectFor(CLIENT.GB, '/dir%20with%20space/%C3%A9%20file.txt');
    assert.equal(location, `${url.gb}dir%20with%20space/%C3%A9%20file.txt`);
  });

  it('never sends a file to a mirror that lacks it, or holds another size or an older copy', async () => {
    for (let i = 0; i < 50; i++) {
      assert.notEqual(mirrorOf(await redirectFor(CLIENT.JP, '/big.iso')), 'jp');
      assert.notEqual(mirrorOf(await redirectFor(CLIENT.DE, '/releases/app-1.0.tar.gz')), 'de');
      assert.notEqual(mirrorOf(await redirectFor(CLIENT.DE, '/other.txt')), 'de');
    }
    const json = await http(httpPort, `/releases/app-1.0.tar.gz?fromip=${CLIENT.DE}`, { Accept: 'application/json' });
    assert.equal(json.status, 200);
    const doc = JSON.parse(json.body) as { ExcludedList: { Name: string; ExcludeReason: string }[]; MirrorList: { Name: string }[]; ClientInfo: { CountryCode: string } };
    assert.equal(doc.ClientInfo.CountryCode, 'DE');
    const stale = doc.ExcludedList.find((m) => m.Name === 'de-stale');
    assert.match(stale?.ExcludeReason ?? '', /^Mod time mismatch/);
    assert.ok(!doc.MirrorList.some((m) => m.Name === 'de-stale'));
    const other = JSON.parse((await http(httpPort, `/other.txt?fromip=${CLIENT.DE}`, { Accept: 'application/json' })).body) as typeof doc;
    assert.equal(other.ExcludedList.find((m) => m.Name === 'de-stale')?.ExcludeReason, 'File size mismatch');
    // jp-partial does not hold big.iso: it is not even a candidate.
    const iso = JSON.parse((await http(httpPort, `/big.iso?fromip=${CLIENT.JP}`, { Accept: 'application/json' })).body) as typeof doc;
    assert.ok(![...iso.MirrorList, ...(iso.ExcludedList ?? [])].some((m) => m.Name === 'jp-partial'));
  });

  it('answers with alternatives, digests, JSON, the mirror list page and checksums', async () => {
    const r = await http(httpPort, '/releases/app-1.0.tar.gz', { 'X-Forwarded-For': CLIENT.FR });
    assert.equal(r.status, 302);
    assert.equal(r.headers['cache-control'], 'private, no-cache');
    const links = String(r.headers.link ?? '').split(', <');
    assert.ok(links.length >= 1 && links.length <= 3, String(r.headers.link));
    assert.match(String(r.headers.link), /rel=duplicate; pri=1; geo=/);
    assert.match(String(r.headers.digest), /SHA-256=[A-Za-z0-9+/]+=*, SHA=[A-Za-z0-9+/]+=*, MD5=/);
    assert.match(String(r.headers['repr-digest']), /^sha-256=:[A-Za-z0-9+/]+=*:$/);
    const page = await http(httpPort, `/releases/app-1.0.tar.gz?mirrorlist&fromip=${CLIENT.DE}`);
    assert.equal(page.status, 200);
    assert.match(page.body, /de-stale/);
    assert.match(page.body, /Mod time mismatch/);
    const sum = await http(httpPort, '/other.txt?sha256');
    assert.match(sum.body, /^[0-9a-f]{64} {2}other\.txt$/);
    const head = await http(httpPort, '/releases/app-1.0.tar.gz', { 'X-Forwarded-For': CLIENT.GB }, 'HEAD');
    assert.equal(head.status, 302);
    const notModified = await http(httpPort, '/other.txt', { 'If-Modified-Since': new Date(T0.getTime() + 1000).toUTCString() });
    assert.equal(notModified.status, 304);
    assert.equal((await http(httpPort, '/nope.txt')).status, 404);
  });

  it('splits one client among the eligible mirrors in the computed shares', async () => {
    const json = JSON.parse((await http(httpPort, `/releases/app-1.0.tar.gz?fromip=${CLIENT.FR}`, { Accept: 'application/json' })).body) as {
      MirrorList: { Name: string; Weight?: number }[];
    };
    const eligible = json.MirrorList.filter((m) => (m.Weight ?? 0) > 0);
    assert.deepEqual(eligible.map((m) => m.Name).sort(), ['fr-lyon', 'fr-paris']);
    const n = 2000;
    const counts: Record<string, number> = {};
    const requests = Array.from({ length: n }, () => redirectFor(CLIENT.FR, '/releases/app-1.0.tar.gz'));
    for (const location of await Promise.all(requests)) counts[mirrorOf(location)] = (counts[mirrorOf(location)] ?? 0) + 1;
    const share = (name: string): number => (eligible.find((m) => m.Name === name)?.Weight ?? 0) / 100;
    const observed = [counts.fr1 ?? 0, counts.fr2 ?? 0];
    assert.equal(observed[0]! + observed[1]!, n, JSON.stringify(counts));
    const expected = [share('fr-lyon') * n, share('fr-paris') * n];
    const chi2 = observed.reduce((sum, o, i) => sum + (o - expected[i]!) ** 2 / expected[i]!, 0);
    assert.ok(chi2 < 10.83, `chi-square ${chi2.toFixed(2)} for ${JSON.stringify(counts)} vs ${JSON.stringify(expected)} (1 d.f., p = 0.001)`);
  });

  it('keeps mirrors, scans and state across a restart', async () => {
    const before = await cliJSON<MirrorJSON[]>(['list']);
    assert.equal(await daemon.stop(), 0, daemon.output());
    daemon = await startSignpost(config, adminPort);
    const after = await cliJSON<MirrorJSON[]>(['list']);
    assert.deepEqual(after, before);
    assert.equal(mirrorOf(await redirectFor(CLIENT.GB, '/releases/app-1.0.tar.gz')), 'gb');
    const logs = await cli(['logs', 'gb-rsync']);
    assert.match(logs.stdout, /Mirror added/);
    assert.match(logs.stdout, /Scan completed: 4 files \(4 known\)/);
  });

  it('geo, refresh --rehash and edit through $EDITOR work against the daemon', async () => {
    const geo = await cliJSON<{ countryCode: string; city: string }>(['geo', CLIENT.SE]);
    assert.equal(geo.countryCode, 'SE');
    const refreshed = await cliJSON<{ files: number; hashed: number }>(['refresh', '--rehash']);
    assert.deepEqual([refreshed.files, refreshed.hashed], [4, 4]);
    const edit = await cli(['edit', 'fr-lyon'], { EDITOR: "sed -i 's/^Score: 0$/Score: 10/'" });
    assert.equal(edit.code, 0, edit.stderr);
    assert.match(edit.stdout, /edited: score/);
    assert.equal((await cliJSON<{ score: number }>(['show', 'lyon'])).score, 10);
    const unchanged = await cli(['edit', 'fr-lyon'], { EDITOR: 'true' });
    assert.match(unchanged.stdout, /unmodified/);
  });

  it('disabling and removing a mirror takes it out of rotation at once', async () => {
    assert.equal((await cli(['disable', 'gb-rsync'])).code, 0);
    for (let i = 0; i < 20; i++) assert.notEqual(mirrorOf(await redirectFor(CLIENT.GB, '/releases/app-1.0.tar.gz')), 'gb');
    assert.equal((await cli(['enable', 'gb-rsync'])).code, 0);
    const back = mirrorOf(await redirectFor(CLIENT.GB, '/releases/app-1.0.tar.gz'));
    if (back !== 'gb') {
      const why = await http(httpPort, `/releases/app-1.0.tar.gz?fromip=${CLIENT.GB}`, { Accept: 'application/json' });
      assert.fail(`expected gb, got ${back}: ${why.body.slice(0, 3000)}\n${daemon.output().slice(-3000)}`);
    }
    assert.equal((await cli(['remove', 'us-nginx', '--force'])).code, 0);
    for (let i = 0; i < 20; i++) assert.notEqual(mirrorOf(await redirectFor(CLIENT.US, '/releases/app-1.0.tar.gz')), 'us');
    const shown = await cli(['show', 'us-nginx']);
    assert.equal(shown.code, 1);
    assert.match(shown.stderr, /no mirror matches "us-nginx"/);
  });
});
