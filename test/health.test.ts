// Mirror health and freshness against real servers on loopback: dead, broken, lying, hanging, lagging and flapping
// mirrors are taken out (with the right reason, in the logs) and come back on their own.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startControlledMirror } from './support/controlled-mirror.js';
import type { ControlledMirror } from './support/controlled-mirror.js';
import { freePort } from './support/net.js';
import { tempDir } from './support/paths.js';
import { baseConfig, cli, cliJSON, http, startSignpost } from './support/signpost.js';
import type { RunningSignpost } from './support/signpost.js';

const T0 = new Date('2026-11-01T12:00:00Z');
const CHECK_INTERVAL_MS = 1000;
const CHECK_TIMEOUT_MS = 500;
const GB = '2.125.160.217';
const FR = '2a02:cfc0::1';
const DE = '2a02:d180::1';

interface View {
  name: string;
  enabled: boolean;
  state: string;
  reason: string | null;
  tzOffsetMs: number;
  traceLagMs: number;
  scanFailures: number;
  flags: string[];
}
interface LogEntry {
  time: number;
  kind: string;
  message: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const until = async <T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
};

describe('mirror health and freshness', { timeout: 240_000 }, () => {
  const tmp = tempDir('signpost-health-');
  const mirrors: Record<string, ControlledMirror> = {};
  let daemon: RunningSignpost;
  let httpPort = 0;
  const repo = join(tmp.path, 'repo');
  const config = join(tmp.path, 'signpost.yaml');
  let configText = '';
  const now = Date.now();

  const view = async (name: string): Promise<View> => cliJSON<View>(['show', name]);
  const logs = async (name: string): Promise<LogEntry[]> => (await cliJSON<{ entries: LogEntry[] }>(['logs', name, '-n', '500'])).entries;
  const where = async (ip: string, path: string): Promise<string> => {
    const r = await http(httpPort, path, { 'X-Forwarded-For': ip });
    if (r.status !== 302) return `status ${r.status}`;
    const location = String(r.headers.location);
    return Object.entries(mirrors).find(([, m]) => location.startsWith(m.url))?.[0] ?? location;
  };

  before(async () => {
    for (let i = 1; i <= 12; i++) {
      const path = join(repo, 'pub', `f${String(i).padStart(2, '0')}.bin`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, Buffer.alloc(2000 + i * 100, i));
      utimesSync(path, T0, T0);
    }
    writeFileSync(join(repo, 'pub', 'new.bin'), 'changed an hour ago\n');
    utimesSync(join(repo, 'pub', 'new.bin'), new Date(now - 3_600_000), new Date(now - 3_600_000));
    writeFileSync(join(repo, 'trace'), `${Math.floor(now / 1000)}\n`);

    const place: Record<string, [string, string, string]> = {
      alpha: ['GB', '51.75', '-1.25'],
      beta: ['SE', '58.4', '15.6'],
      missing: ['US', '40.7', '-74.0'],
      error: ['US', '41.8', '-87.6'],
      redirect: ['US', '34.0', '-118.2'],
      length: ['US', '29.7', '-95.3'],
      bytes: ['US', '47.6', '-122.3'],
      hang: ['US', '39.7', '-104.9'],
      lagger: ['FR', '46.0', '2.0'],
      flapper: ['JP', '35.6', '139.7'],
      shifted: ['DE', '51.5', '10.5'],
    };
    for (const name of Object.keys(place)) {
      const root = join(tmp.path, 'mirrors', name);
      cpSync(repo, root, { recursive: true, preserveTimestamps: true });
      mirrors[name] = await startControlledMirror(root);
    }
    mirrors.lagger!.traceTime = Math.floor(now / 1000) - 86_400; // a day behind the master
    for (const [name, m] of Object.entries(mirrors)) if (name !== 'lagger') m.traceTime = Math.floor(now / 1000);
    mirrors.shifted!.timeShiftMs = 3_600_000; // lists times an hour ahead, as a server in local time would

    httpPort = await freePort();
    const adminPort = await freePort();
    configText = [
        ...baseConfig({ repo: repo, db: join(tmp.path, 'signpost.db'), httpPort: httpPort, adminPort: adminPort }),
        'RepositoryScanInterval: 0',
        'Workers: 2', // worker processes serve, the primary checks and counts: what runs in production
        'ScanInterval: 1h',
        `CheckInterval: ${CHECK_INTERVAL_MS}ms`,
        `CheckTimeout: ${CHECK_TIMEOUT_MS}ms`,
        'HealthUpAfter: 2',
        'HealthFlapWindow: 1h',
        'ContentCheckInterval: 1s',
        'TraceFileLocation: /trace',
        'MaxMirrorLag: 1h',
        'DisallowRedirects: true',
        'FixTimezoneOffsets: true',
        '',
      ].join('\n');
    writeFileSync(config, configText);
    daemon = await startSignpost(config, adminPort);
    process.env.SIGNPOST_CONFIG = config;
    for (const [name, [country, lat, lon]] of Object.entries(place)) {
      const added = await cli(['add', name, '--http', mirrors[name]!.url, '--country', country, '--latitude', lat, '--longitude', lon]);
      assert.equal(added.code, 0, added.stderr);
      const scanned = await cli(['scan', name, '--enable']);
      assert.equal(scanned.code, 0, scanned.stderr);
    }
  });

  after(async () => {
    delete process.env.SIGNPOST_CONFIG;
    await daemon?.stop();
    await Promise.all(Object.values(mirrors).map((m) => m.stop()));
    tmp.remove();
  });

  it('brings a scanned mirror up at once, with its first good check', async () => {
    for (const name of Object.keys(mirrors)) assert.equal((await view(name)).state, 'up', name);
    assert.equal(await where(GB, '/pub/f01.bin'), 'alpha');
  });

  it('a killed mirror stops receiving redirects within CheckInterval + timeout, not one after it is marked down, and recovers alone', async (t) => {
    const sent: { at: number; to: string }[] = [];
    let streaming = true;
    const stream = (async () => {
      while (streaming) sent.push({ at: Date.now(), to: await where(GB, '/pub/f02.bin') });
    })();
    await sleep(300);
    const killedAt = Date.now();
    await mirrors.alpha!.kill();
    const down = await until('alpha marked down', async () => (await logs('alpha')).find((e) => e.kind === 'down' && e.time >= killedAt));
    await sleep(500);
    streaming = false;
    await stream;
    const toDead = sent.filter((s) => s.to === 'alpha' && s.at >= killedAt);
    const afterDown = sent.filter((s) => s.to === 'alpha' && s.at >= down.time);
    const last = toDead.length ? Math.max(...toDead.map((s) => s.at)) - killedAt : 0;
    t.diagnostic(`death to mark-down: ${down.time - killedAt} ms; death to last redirect: ${last} ms; ${toDead.length} of ${sent.filter((s) => s.at >= killedAt).length} requests went to the dead mirror before it was marked down, ${afterDown.length} after`);
    assert.equal(afterDown.length, 0);
    assert.ok(down.time - killedAt <= CHECK_INTERVAL_MS * 1.05 + CHECK_TIMEOUT_MS + 1000, `${down.time - killedAt} ms`);
    assert.match(down.message, /^HTTP mirror is down: Unreachable \(ECONNREFUSED\)/);
    assert.notEqual(await where(GB, '/pub/f02.bin'), 'alpha');
    const v = await view('alpha');
    assert.equal(v.state, 'down');
    assert.match(v.reason ?? '', /Unreachable/);

    await mirrors.alpha!.revive();
    const revivedAt = Date.now();
    const up = await until('alpha back up', async () => (await logs('alpha')).find((e) => e.kind === 'up' && e.time >= revivedAt));
    t.diagnostic(`revival to traffic: ${up.time - revivedAt} ms (HealthUpAfter 2)`);
    assert.ok(up.time - revivedAt >= CHECK_INTERVAL_MS * 0.9, 'came back after a single check');
    assert.equal(await where(GB, '/pub/f02.bin'), 'alpha');
  });

  it('takes each misbehaving mirror down with the right reason, shown by list and logs', async () => {
    const expected: Record<string, [ControlledMirror['behaviour'], RegExp]> = {
      // The check asks for any file the mirror holds exactly, drawn at random: one of the 12, or new.bin.
      missing: ['missing', /^File not found \/pub\/(f\d\d|new)\.bin \(error 404\)$/],
      error: ['error', /^Got status code 500$/],
      redirect: ['redirect', /^Unauthorized redirect to elsewhere\.invalid$/],
      length: ['wrong-length', /^Content-Length mismatch \(got \d+, expected \d+\)$/],
      bytes: ['wrong-bytes', /^Content mismatch: \/pub\/.* bytes 0-\d+ differ from the repository$/],
      hang: ['hang', /^Timeout after 500ms$/],
    };
    for (const [name, [behaviour]] of Object.entries(expected)) mirrors[name]!.behaviour = behaviour;
    for (const [name, [, reason]] of Object.entries(expected)) {
      const v = await until(`${name} down`, async () => {
        const current = await view(name);
        return current.state === 'down' ? current : undefined;
      });
      assert.match((v.reason ?? '').replace(/^HTTP: /, ''), reason, `${name}: ${v.reason}`);
      const entries = await logs(name);
      assert.ok(entries.some((e) => e.kind === 'down' && reason.test(e.message.replace(/^HTTP mirror is down: /, ''))), `${name}: ${JSON.stringify(entries)}`);
    }
    assert.ok((await logs('bytes')).some((e) => e.kind === 'content-mismatch'));
    const list = await cli(['list', '--state', '--down']);
    for (const name of Object.keys(expected)) assert.match(list.stdout, new RegExp(`^${name}\\s+down`, 'm'));
    // They recover once they behave.
    for (const name of Object.keys(expected)) mirrors[name]!.behaviour = 'ok';
    for (const name of Object.keys(expected)) await until(`${name} up again`, async () => ((await view(name)).state === 'up' ? true : undefined));
  });

  it('excludes a lagging mirror for files changed since its trace, and shows the lag', async () => {
    const v = await view('lagger');
    assert.ok(v.traceLagMs >= 86_400_000 && v.traceLagMs < 86_500_000, String(v.traceLagMs));
    assert.ok(v.flags.some((f) => f.startsWith('lagging')), JSON.stringify(v.flags));
    assert.ok((await logs('lagger')).some((e) => /^Lagging: trace 1440 min behind/.test(e.message)));
    const fresh = JSON.parse((await http(httpPort, `/pub/new.bin?fromip=${FR}`, { Accept: 'application/json' })).body) as {
      MirrorList: { Name: string }[];
      ExcludedList: { Name: string; ExcludeReason: string }[];
    };
    assert.match(fresh.ExcludedList.find((m) => m.Name === 'lagger')?.ExcludeReason ?? '', /^Lagging \(trace 24h0m\d+s behind\)$/);
    assert.notEqual(await where(FR, '/pub/new.bin'), 'lagger');
    assert.equal(await where(FR, '/pub/f03.bin'), 'lagger'); // older than its trace: still trusted
  });

  it('detects and applies a constant timezone offset', async () => {
    const v = await view('shifted');
    assert.equal(v.tzOffsetMs, -3_600_000);
    assert.ok((await logs('shifted')).some((e) => /corrected timezone offset: -3600000 ms/.test(e.message)));
    assert.equal(await where(DE, '/pub/f04.bin'), 'shifted');
  });

  it('a flapping mirror follows the hysteresis: out at the first failure, back only after enough good checks in a row', async () => {
    const flapper = mirrors.flapper!;
    const startAt = Date.now();
    let base = flapper.checks;
    flapper.checkPlan = (n) => ((n - base) % 2 === 1 ? 'error' : 'ok'); // bad, good, bad, good…
    await until('8 alternating checks', async () => (flapper.checks - base >= 8 ? true : undefined), 30_000);
    let entries = (await logs('flapper')).filter((e) => e.time >= startAt);
    assert.deepEqual(entries.filter((e) => e.kind === 'down' || e.kind === 'up').map((e) => e.kind), ['down'], JSON.stringify({ entries, history: flapper.history.slice(-12) }));
    /** Checks answered after `from` up to the moment the mirror was logged up again. */
    const checksUntilUp = async (from: number, since: number): Promise<number> => {
      const up = await until('flapper up', async () => (await logs('flapper')).find((e) => e.kind === 'up' && e.time >= since));
      return flapper.history.filter((h) => h.n > from && h.at <= up.time).length;
    };
    // One more bad answer, then steady good ones: back after 2 good checks (one fall in the window).
    base = flapper.checks;
    let since = Date.now();
    flapper.checkPlan = (n) => (n - base === 1 ? 'error' : 'ok');
    assert.equal(await checksUntilUp(base, since), 1 + 2);
    // A second fall within the window: 4 good checks this time.
    base = flapper.checks;
    since = Date.now();
    flapper.checkPlan = (n) => (n - base === 1 ? 'error' : 'ok');
    assert.equal(await checksUntilUp(base, since), 1 + 4);
    entries = (await logs('flapper')).filter((e) => e.time >= startAt);
    assert.deepEqual(entries.filter((e) => e.kind === 'down' || e.kind === 'up').map((e) => e.kind), ['down', 'up', 'down', 'up']);
    flapper.checkPlan = undefined;
  });

  it('a mirror never scanned receives nothing, and failing scans are flagged', async () => {
    const deadPort = await freePort();
    assert.equal((await cli(['add', 'ghost', '--http', `http://127.0.0.1:${deadPort}/`, '--country', 'GB', '--latitude', '51.75', '--longitude', '-1.25'])).code, 0);
    for (let i = 0; i < 3; i++) assert.equal((await cli(['scan', 'ghost'])).code, 1);
    const v = await view('ghost');
    assert.equal(v.scanFailures, 3);
    assert.ok(v.flags.includes('scan failing (3 in a row)') && v.flags.includes('never scanned'), JSON.stringify(v.flags));
    assert.ok((await logs('ghost')).some((e) => e.message === 'Scan failing: 3 failures in a row'));
    const list = await cli(['list', '--state']);
    assert.match(list.stdout, /ghost .*scan failing \(3 in a row\)/);
    assert.equal((await cli(['enable', 'ghost'])).code, 0);
    const doc = JSON.parse((await http(httpPort, `/pub/f05.bin?fromip=${GB}`, { Accept: 'application/json' })).body) as { MirrorList: { Name: string }[]; ExcludedList?: { Name: string }[] };
    assert.ok(![...doc.MirrorList, ...(doc.ExcludedList ?? [])].some((m) => m.Name === 'ghost'));
    assert.notEqual(await where(GB, '/pub/f05.bin'), 'ghost');
  });

  it('with DisableOnMissingFile, a mirror that answers 404 is also disabled', async () => {
    writeFileSync(config, `${configText}DisableOnMissingFile: true\n`);
    assert.equal((await cli(['reload'])).code, 0);
    mirrors.missing!.behaviour = 'missing';
    const v = await until('missing disabled', async () => {
      const current = await view('missing');
      return current.enabled ? undefined : current;
    });
    assert.equal(v.state, 'disabled');
    assert.ok((await logs('missing')).some((e) => /^Mirror disabled: \/pub\/.* is missing \(DisableOnMissingFile\)$/.test(e.message)));
    writeFileSync(config, configText);
    assert.equal((await cli(['reload'])).code, 0);
  });
});
