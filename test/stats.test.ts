// Statistics, metrics, the download log and exports against the real daemon: exact counts after a known sequence
// of requests, nothing lost across a restart beyond the last flush, /metrics in Prometheus text format.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startIndexServer } from './support/httpd.js';
import type { RunningServer } from './support/daemon.js';
import { freePort } from './support/net.js';
import { tempDir } from './support/paths.js';
import { baseConfig, cli, cliJSON, http, startSignpost } from './support/signpost.js';
import type { RunningSignpost } from './support/signpost.js';

const GB = '2.125.160.217';
const US = '216.160.83.57';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const today = (): string => new Date().toISOString().slice(0, 10);

/** Parses Prometheus text exposition format strictly enough to catch a malformed line; returns samples by series. */
export const parsePrometheus = (text: string): Map<string, number> => {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)( -?\d+)?$/.exec(line);
    assert.ok(sample, `line ${i + 1} is not Prometheus text format: ${line}`);
    const base = sample[1]!.replace(/_(bucket|sum|count|total|created)$/, '');
    assert.ok(types.has(sample[1]!) || types.has(base) || types.has(`${base}_total`) || types.has(sample[1]!.replace(/_total$/, '')), `line ${i + 1}: ${sample[1]} has no # TYPE`);
    samples.set(`${sample[1]}${sample[2] ?? ''}`, Number(sample[3]));
  }
  return samples;
};

describe('statistics, metrics and the download log', { timeout: 120_000 }, () => {
  const tmp = tempDir('signpost-stats-');
  const servers: RunningServer[] = [];
  let daemon: RunningSignpost;
  let httpPort = 0;
  let adminPort = 0;
  let config = '';
  const logDir = join(tmp.path, 'logs');
  const size1 = 1000;
  const size2 = 2500;

  const get = (ip: string, path: string, headers: Record<string, string> = {}, method = 'GET') => http(httpPort, path, { 'X-Forwarded-For': ip, ...headers }, method);
  const metrics = async (): Promise<Map<string, number>> => {
    const r = await http(adminPort, '/metrics');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    return parsePrometheus(r.body);
  };

  before(async () => {
    const repo = join(tmp.path, 'repo');
    mkdirSync(repo, { recursive: true });
    writeFileSync(join(repo, 'f1.bin'), Buffer.alloc(size1, 1));
    writeFileSync(join(repo, 'f2.bin'), Buffer.alloc(size2, 2));
    const t = new Date('2026-11-01T00:00:00Z');
    for (const f of ['f1.bin', 'f2.bin']) utimesSync(join(repo, f), t, t);
    const a = await startIndexServer(repo, 'nginx');
    const b = await startIndexServer(repo, 'nginx');
    servers.push(a, b);
    httpPort = await freePort();
    adminPort = await freePort();
    config = join(tmp.path, 'signpost.yaml');
    writeFileSync(
      config,
      [
        ...baseConfig({ repo: repo, db: join(tmp.path, 'signpost.db'), httpPort: httpPort, adminPort: adminPort }),
        `LogDir: ${logDir}`,
        'RepositoryScanInterval: 0',
        'Workers: 2', // worker processes serve, the primary checks and counts: what runs in production
        'SameDownloadInterval: 2',
        'CheckInterval: 1h',
        '',
      ].join('\n'),
    );
    daemon = await startSignpost(config, adminPort);
    process.env.SIGNPOST_CONFIG = config;
    for (const [name, server, cc, lat, lon] of [['a', a, 'GB', '51.75', '-1.25'], ['b', b, 'US', '47.25', '-122.31']] as const) {
      assert.equal((await cli(['add', name, '--http', server.url, '--country', cc, '--latitude', lat, '--longitude', lon, '--admin-email', `ops@${name}.example.org`])).code, 0);
      assert.equal((await cli(['scan', name, '--enable'])).code, 0);
    }
  });

  after(async () => {
    delete process.env.SIGNPOST_CONFIG;
    await daemon?.stop();
    await Promise.all(servers.map((s) => s.stop()));
    tmp.remove();
  });

  it('counts exactly: GET yes, HEAD and JSON no, ranges once per window per address and user agent', async () => {
    const m0 = await metrics();
    for (let i = 0; i < 3; i++) assert.equal((await get(GB, '/f1.bin')).status, 302);
    for (let i = 0; i < 2; i++) assert.equal((await get(GB, '/f1.bin', {}, 'HEAD')).status, 302);
    for (let i = 0; i < 2; i++) assert.equal((await get(GB, '/f1.bin', { Accept: 'application/json' })).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await get(GB, '/f2.bin', { Range: 'bytes=0-99', 'User-Agent': 'curl/8' })).status, 302); // counts 1
    assert.equal((await get(GB, '/f2.bin', { Range: 'bytes=100-199', 'User-Agent': 'wget/1' })).status, 302); // another agent: +1
    await sleep(2300); // past SameDownloadInterval
    assert.equal((await get(GB, '/f2.bin', { Range: 'bytes=200-299', 'User-Agent': 'curl/8' })).status, 302); // +1
    assert.equal((await get(US, '/f2.bin')).status, 302); // mirror b: +1
    await sleep(1300); // one flush interval and a little

    const s1 = JSON.parse((await http(httpPort, '/f1.bin?stats')).body) as Record<string, number>;
    assert.deepEqual(s1, { Today: 3, Month: 3, Year: 3, Total: 3 });
    const s2 = JSON.parse((await http(httpPort, '/f2.bin?stats')).body) as Record<string, number>;
    assert.deepEqual(s2, { Today: 4, Month: 4, Year: 4, Total: 4 });
    const day = today();
    assert.deepEqual(JSON.parse((await http(httpPort, `/f2.bin?stats=${day}`)).body), { Period: day, Downloads: 4 });
    assert.deepEqual(JSON.parse((await http(httpPort, `/f2.bin?stats=${day.slice(0, 7)}`)).body), { Period: day.slice(0, 7), Downloads: 4 });
    assert.deepEqual(JSON.parse((await http(httpPort, '/f2.bin?stats=1999')).body), { Period: '1999', Downloads: 0 });
    assert.equal((await http(httpPort, '/f2.bin?stats=2024-13')).status, 400);

    const files = await cliJSON<{ files: { path: string; downloads: number }[]; total: number }>(['stats', 'file', '\\.bin$']);
    assert.deepEqual(files.files, [{ path: '/f2.bin', downloads: 4 }, { path: '/f1.bin', downloads: 3 }]);
    assert.equal(files.total, 7);
    const a = await cliJSON<{ downloads: number; bytes: number }>(['stats', 'mirror', 'a', '--from', day, '--to', day]);
    assert.deepEqual([a.downloads, a.bytes], [6, 3 * size1 + 3 * size2]);
    const b = await cliJSON<{ downloads: number; bytes: number }>(['stats', 'mirror', 'b']);
    assert.deepEqual([b.downloads, b.bytes], [1, size2]);
    const bad = await cli(['stats', 'file', '(']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /pattern: not a valid regular expression/);

    const m1 = await metrics();
    const delta = (key: string): number => (m1.get(key) ?? 0) - (m0.get(key) ?? 0);
    assert.equal(delta('signpost_http_requests_total{outcome="redirect"}'), 3 + 2 + 3 + 1 + 1 + 1);
    assert.equal(delta('signpost_http_requests_total{outcome="json"}'), 2);
    assert.ok(delta('signpost_http_requests_total{outcome="stats"}') >= 5);
    assert.equal(delta('signpost_mirror_redirects_total{mirror="a"}'), 6);
    assert.equal(delta('signpost_mirror_bytes_total{mirror="b"}'), size2);
    assert.equal(m1.get('signpost_mirrors{state="up"}'), 2);
    assert.ok((m1.get('signpost_http_request_duration_seconds_count{outcome="redirect"}') ?? 0) >= 11);
  });

  it('loses at most the last flush interval when killed, and nothing on a clean stop', async () => {
    for (let i = 0; i < 5; i++) await get(GB, '/f1.bin');
    await sleep(1500);
    daemon.child.kill('SIGKILL');
    await new Promise((r) => daemon.child.once('exit', r));
    daemon = await startSignpost(config, adminPort);
    assert.equal((JSON.parse((await http(httpPort, '/f1.bin?stats')).body) as { Total: number }).Total, 3 + 5);
    for (let i = 0; i < 4; i++) await get(GB, '/f1.bin');
    assert.equal(await daemon.stop(), 0); // at once: the final flush must carry them
    daemon = await startSignpost(config, adminPort);
    assert.equal((JSON.parse((await http(httpPort, '/f1.bin?stats')).body) as { Total: number }).Total, 3 + 5 + 4);
  });

  it('writes one log line per answered download request and reopens the log on SIGUSR1', async () => {
    const file = join(logDir, 'downloads.log');
    await get(GB, '/f1.bin');
    await get(GB, '/f1.bin', { Accept: 'application/json' });
    await sleep(200);
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    assert.match(lines.at(-2)!, /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{6} REDIRECT 302 GET "\/f1\.bin" ip:2\.125\.160\.217 mirror:a asn:0 distance:\d+\.\d\dkm countries:GB$/);
    assert.match(lines.at(-1)!, /JSON 200 GET "\/f1\.bin" ip:2\.125\.160\.217 mirror:a /);
    renameSync(file, `${file}.1`);
    daemon.child.kill('SIGUSR1');
    await sleep(300);
    await get(US, '/f2.bin');
    await sleep(300);
    assert.ok(existsSync(file));
    assert.match(readFileSync(file, 'utf8'), /REDIRECT 302 GET "\/f2\.bin" ip:216\.160\.83\.57 mirror:b/);
  });

  it('exports the mirror list for mirmon, as JSON and as CSV', async () => {
    const mirmon = await cli(['export', '--format', 'mirmon']);
    assert.equal(mirmon.code, 0);
    assert.match(mirmon.stdout, /^gb http:\/\/127\.0\.0\.1:\d+\/ ops@a\.example\.org$/m);
    assert.match(mirmon.stdout, /^us http:\/\/127\.0\.0\.1:\d+\/ ops@b\.example\.org$/m);
    const json = JSON.parse((await cli(['export', '--format', 'json'])).stdout) as { name: string }[];
    assert.deepEqual(json.map((m) => m.name), ['a', 'b']);
    const csv = (await cli(['export', '--format', 'csv'])).stdout.trim().split('\r\n');
    assert.equal(csv.length, 3);
    assert.equal((await cli(['export', '--format', 'xml'])).code, 2);
  });
});
