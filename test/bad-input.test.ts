// Bad input gets a clear answer and loses nothing: malformed config, unknown mirror, bad URLs, hostile addresses and
// paths, hostile scanner output, an invalid config on reload.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startIndexServer, startRawServer } from './support/httpd.js';
import type { RunningServer } from './support/daemon.js';
import { freePort } from './support/net.js';
import { tempDir } from './support/paths.js';
import { baseConfig, cli, cliJSON, exitOf, http, signpostBin, startSignpost } from './support/signpost.js';
import type { RunningSignpost } from './support/signpost.js';

const runDaemonExpectingFailure = async (config: string): Promise<{ code: number | null; stderr: string }> => {
  const child = spawn(process.execPath, [signpostBin, 'daemon', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await exitOf(child);
  return { code, stderr };
};

describe('bad input', { timeout: 120_000 }, () => {
  const tmp = tempDir('signpost-bad-');
  let daemon: RunningSignpost;
  let httpPort = 0;
  let adminPort = 0;
  let config = '';
  let configText = '';
  const servers: RunningServer[] = [];

  before(async () => {
    const repo = join(tmp.path, 'repo');
    mkdirSync(join(repo, 'pub'), { recursive: true });
    writeFileSync(join(repo, 'pub', 'file.txt'), 'hello\n');
    utimesSync(join(repo, 'pub', 'file.txt'), new Date('2026-11-01T00:00:00Z'), new Date('2026-11-01T00:00:00Z'));
    symlinkSync('/etc/hostname', join(repo, 'pub', 'escape'));
    symlinkSync('file.txt', join(repo, 'pub', 'alias.txt'));
    const mirror = await startIndexServer(repo, 'nginx');
    servers.push(mirror);
    httpPort = await freePort();
    adminPort = await freePort();
    config = join(tmp.path, 'signpost.yaml');
    configText = [
      ...baseConfig({ repo: repo, db: join(tmp.path, 'signpost.db'), httpPort: httpPort, adminPort: adminPort }),
      'RepositoryScanInterval: 0',
      '',
    ].join('\n');
    writeFileSync(config, configText);
    daemon = await startSignpost(config, adminPort);
    process.env.SIGNPOST_CONFIG = config;
    const added = await cli(['add', 'good', '--http', mirror.url, '--country', 'GB', '--latitude', '51.5', '--longitude', '0']);
    assert.equal(added.code, 0, added.stderr);
    assert.equal((await cli(['scan', 'good', '--enable'])).code, 0);
  });

  after(async () => {
    delete process.env.SIGNPOST_CONFIG;
    await daemon?.stop();
    await Promise.all(servers.map((s) => s.stop()));
    tmp.remove();
  });

  it('a malformed config stops start-up with one line naming file, line and key', async () => {
    const bad = join(tmp.path, 'bad.yaml');
    writeFileSync(bad, 'Repository: /tmp\nCheckInterval: soon\n');
    const r = await runDaemonExpectingFailure(bad);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad\.yaml:2: CheckInterval: /);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    writeFileSync(bad, 'Repository: /tmp\nScanIntervall: 5\n');
    const typo = await runDaemonExpectingFailure(bad);
    assert.match(typo.stderr, /bad\.yaml:2: ScanIntervall: .*ScanInterval/);
  });

  it('unknown mirrors and bad mirror input are refused with exit 1 and a clear line', async () => {
    const cases: [string[], RegExp][] = [
      [['show', 'nosuch'], /no mirror matches "nosuch"/],
      [['add', 'x1', '--http', 'ftp://example.org/'], /http: "ftp:\/\/example.org\/" must start with http:\/\/ or https:\/\//],
      [['add', 'x2', '--http', 'http://exa mple.org/'], /http: .*white space/],
      [['add', 'bad name', '--http', 'http://example.org/'], /not a valid mirror name/],
      [['add', 'x3', '--http', 'http://example.org/', '--country', 'France'], /countryCodes: "FRANCE" is not a two-letter country code/],
      [['add', 'x4', '--http', 'http://example.org/', '--latitude', '123'], /latitude: expected a number between -90 and 90/],
      [['add', 'good', '--http', 'http://example.org/'], /already|taken|exists/i],
      [['edit', 'good', '--score', 'lots'], /score: expected an integer/],
      [['scan', 'nosuch'], /no mirror matches/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.equal((await cli(['frobnicate'])).code, 2);
    assert.equal((await cli(['add', 'x5'])).code, 2);
    assert.equal((await cli(['scan'])).code, 2);
  });

  it('hostile addresses get 400, traversal 403, absurd paths 400/414, and nothing breaks', async () => {
    const cases: [string, Record<string, string>, number][] = [
      ['/pub/file.txt', { 'X-Forwarded-For': 'not-an-ip' }, 400],
      ['/pub/file.txt', { 'X-Forwarded-For': '1.2.3.4.5' }, 400],
      ['/pub/file.txt?fromip=999.1.1.1', { Accept: 'application/json' }, 400],
      ['/pub/file.txt?mirrorlist&fromip=%3Cscript%3E', {}, 400],
      ['/../etc/passwd', {}, 403],
      ['/pub/../../etc/passwd', {}, 403],
      ['/%2e%2e/etc/passwd', {}, 403],
      ['/pub/%2E%2E/%2E%2E/etc/passwd', {}, 403],
      ['/pub/..%2f..%2fetc%2fpasswd', {}, 403],
      ['/pub/%252e%252e/x', {}, 404],
      ['/pub/escape', {}, 403],
      ['/pub/file%00.txt', {}, 400],
      ['/pub/%zz', {}, 400],
      ['/pub/%c3%28', {}, 400],
      [`/pub/${'a'.repeat(6 * 1024)}`, {}, 414],
      ['/pub/./file.txt', { 'X-Forwarded-For': '2.125.160.217' }, 302],
      ['/pub/x/../file.txt', { 'X-Forwarded-For': '2.125.160.217' }, 302],
      ['/pub/alias.txt', { 'X-Forwarded-For': '2.125.160.217' }, 302],
    ];
    for (const [path, headers, status] of cases) {
      const r = await http(httpPort, path, headers);
      assert.equal(r.status, status, `${path.slice(0, 60)} ${JSON.stringify(headers)} -> ${r.status} ${r.body.slice(0, 100)}`);
      if (status >= 400) assert.ok(r.body.trim().length > 0 && r.body.length < 200, r.body);
    }
    const alias = await http(httpPort, '/pub/alias.txt', { 'X-Forwarded-For': '2.125.160.217' });
    assert.match(String(alias.headers.location), /\/pub\/file\.txt$/);
    const ok = await http(httpPort, '/pub/file.txt', { 'X-Forwarded-For': '2.125.160.217' });
    assert.equal(ok.status, 302);
  });

  it('a hostile mirror listing is skipped and counted; the daemon keeps serving and the store is intact', async () => {
    const garbage = [
      '<html><pre>',
      '<a href="../../../etc/passwd">passwd</a> 01-Jan-2026 00:00 10',
      '<a href="/pub/file.txt">abs</a> 01-Jan-2026 00:00 10',
      '<a href="javascript:alert(1)">x</a>',
      `<a href="${'z'.repeat(10000)}">long</a> 01-Jan-2026 00:00 10`,
      '<a href="%ZZ">bad</a>',
      '<a href="pub/">pub/</a> 01-Nov-2026 00:00 -',
      '</pre>',
    ].join('\n');
    const hostile = await startRawServer((req, res) => {
      if (req.url === '/' || req.url === '/pub/') {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end(req.url === '/' ? garbage : '<pre><a href="file.txt">file.txt</a> 01-Nov-2026 00:00 6\n<<<<>>>></pre>');
      } else {
        res.writeHead(404).end();
      }
    });
    servers.push(hostile);
    assert.equal((await cli(['add', 'hostile', '--http', hostile.url, '--country', 'US', '--latitude', '40', '--longitude', '-74'])).code, 0);
    const r = await cli(['scan', 'hostile', '--json']);
    if (r.code === 0) {
      const s = JSON.parse(r.stdout) as { known: number; skipped: number };
      assert.ok(s.skipped >= 1, r.stdout);
      assert.ok(s.known <= 1);
    } else {
      assert.equal(r.code, 1);
      assert.match(r.stderr, /hostile|127\.0\.0\.1/);
    }
    const list = await cliJSON<{ name: string }[]>(['list']);
    assert.deepEqual(list.map((m) => m.name).sort(), ['good', 'hostile']);
    assert.equal((await http(httpPort, '/pub/file.txt', { 'X-Forwarded-For': '2.125.160.217' })).status, 302);
  });

  it('an invalid config on reload is refused and the running one kept', async () => {
    writeFileSync(config, `${configText}MaxLinkHeaders: -3\n`);
    // The CLI itself reads the config to find the daemon: it names the bad key too.
    const local = await cli(['reload']);
    assert.equal(local.code, 1);
    assert.match(local.stderr, /signpost\.yaml:\d+: MaxLinkHeaders/);
    const r = await cli(['reload', '--admin', `127.0.0.1:${adminPort}`, '--token', '']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /MaxLinkHeaders/);
    await daemon.waitForLog(/reload refused, keeping the running configuration: .*MaxLinkHeaders/);
    assert.equal((await http(httpPort, '/pub/file.txt', { 'X-Forwarded-For': '2.125.160.217' })).status, 302);
    writeFileSync(config, `${configText}MaxLinkHeaders: 0\n`);
    daemon.child.kill('SIGHUP');
    await daemon.waitForLog(/configuration reloaded/);
    writeFileSync(config, configText);
  });

  it('configured fallbacks take the requests no mirror can serve', async () => {
    writeFileSync(config, `${configText}Fallbacks:\n  - URL: https://fallback.example.org/pub\n    CountryCode: fr\n    ContinentCode: eu\n`);
    assert.equal((await cli(['reload'])).code, 0);
    assert.equal((await cli(['disable', 'good'])).code, 0);
    const r = await http(httpPort, '/pub/file.txt', { 'X-Forwarded-For': '2.125.160.217' });
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, 'https://fallback.example.org/pub/pub/file.txt');
    const json = JSON.parse((await http(httpPort, '/pub/file.txt', { Accept: 'application/json' })).body) as { Fallback: boolean; MirrorList: { HttpURL: string }[] };
    assert.equal(json.Fallback, true);
    assert.equal(json.MirrorList[0]?.HttpURL, 'https://fallback.example.org/pub/');
    assert.equal((await cli(['enable', 'good'])).code, 0);
    writeFileSync(config, configText);
    assert.equal((await cli(['reload'])).code, 0);
    assert.equal((await http(httpPort, '/pub/file.txt', { 'X-Forwarded-For': '2.125.160.217' })).status, 302);
  });

  it('a wrong admin token is refused', async () => {
    writeFileSync(config, `${configText}AdminToken: right\n`);
    assert.equal((await cli(['reload'])).code, 0);
    const r = await cli(['list', '--token', 'wrong']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /admin token/);
    assert.equal((await cli(['list', '--token', 'right'])).code, 0);
    assert.equal((await cli(['list'])).code, 0); // from the config file
  });
});
