// Shared background work on two nodes of one cluster (two coordinators on a real Redis, one store): each scans and
// checks only its share of the mirrors, a mirror's scan runs on one node at a time, and the repository index is built
// by one node while the other waits for it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../src/config/defaults.js';
import { RedisCoordinator } from '../src/cluster/redis-coordinator.js';
import { HealthChecker } from '../src/health/checker.js';
import { Catalog } from '../src/mirrors/catalog.js';
import { defaultSettings, initialState } from '../src/mirrors/mirror.js';
import type { Mirror } from '../src/mirrors/mirror.js';
import { RepositoryRefresher } from '../src/repo/refresh.js';
import { MirrorScanner, ScanBusyError } from '../src/scan/mirror-scan.js';
import { ScanScheduler } from '../src/scan/scheduler.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import type { RunningServer } from './support/daemon.js';
import { startIndexServer } from './support/httpd.js';
import { tempDir } from './support/paths.js';
import { startRedis } from './support/redis.js';
import type { RunningRedis } from './support/redis.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const until = async (what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
};

const gate = (): { promise: Promise<void>; open: () => void } => {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
};

const put = (root: string, path: string): void => {
  const file = join(root, path);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, 'the same bytes everywhere\n');
  const t = new Date('2026-11-01T00:00:00Z');
  utimesSync(file, t, t);
};

const MIRRORS = 8;

describe('shared background work', { timeout: 90_000 }, () => {
  const tmp = tempDir('signpost-cluster-work-');
  const repo = join(tmp.path, 'repo');
  let redis: RunningRedis;
  let server: RunningServer;
  let store: Store;
  let catalog: Catalog;
  let a: RedisCoordinator;
  let b: RedisCoordinator;
  let mirrors: Mirror[] = [];
  const settings = () => ({ root: repo, hashes: { sha1: false, sha256: true, md5: false } });
  const scanSettings = () => ({ timeoutMs: 10_000, fixTimezoneOffsets: false });

  before(async () => {
    put(repo, 'a.txt');
    for (let i = 1; i <= MIRRORS; i++) put(join(tmp.path, 'mirrors'), `m${i}/a.txt`);
    server = await startIndexServer(join(tmp.path, 'mirrors'), 'nginx');
    redis = await startRedis();
    store = await openSqliteStore(join(tmp.path, 'signpost.db'));
    catalog = new Catalog(store);
    await catalog.start();
    const target = { address: redis.address, password: '', db: 0, sentinelMasterName: '', sentinels: [] };
    a = await RedisCoordinator.open(target, 'a', () => undefined);
    b = await RedisCoordinator.open(target, 'b', () => undefined);
    for (const c of [a, b]) c.start(() => ({ name: c.self, host: 'h', pid: process.pid, version: 'test', startedAt: Date.now(), http: '', admin: '' }));
    const indexer = new RepositoryRefresher(store, catalog, a, settings);
    await indexer.refresh();
    await indexer.close();
    for (let i = 1; i <= MIRRORS; i++) {
      await store.addMirror({ ...defaultSettings(), name: `m${i}`, httpURL: `${server.url}m${i}/`, enabled: true }, initialState(Date.now()));
    }
    await catalog.settledEverywhere();
    mirrors = catalog.listMirrors();
    await until('a partition of the mirrors', () => mirrors.every((m) => a.owns(m.id) !== b.owns(m.id)));
    assert.ok(mirrors.some((m) => a.owns(m.id)) && mirrors.some((m) => b.owns(m.id)), 'each node owns some mirrors');
  });

  after(async () => {
    await a?.stop();
    await b?.stop();
    catalog?.stop();
    await store?.close();
    await server?.stop();
    await redis?.stop();
    tmp.remove();
  });

  it('scans each due mirror once, on the node that owns it', async () => {
    const scanners = [a, b].map((c) => new MirrorScanner(store, catalog, c, scanSettings));
    const schedulers = [a, b].map((c, i) => new ScanScheduler(scanners[i]!, catalog, c, () => ({ intervalMs: 1, concurrent: MIRRORS }), () => undefined));
    for (const scheduler of schedulers) scheduler.tick();
    for (const m of mirrors) {
      assert.equal(scanners[0]!.isScanning(m.id), a.owns(m.id), `${m.name} on a`);
      assert.equal(scanners[1]!.isScanning(m.id), b.owns(m.id), `${m.name} on b`);
    }
    await until('the scans done', () => scanners.every((s) => s.inProgress === 0));
    for (const m of mirrors) {
      const completed = (await store.listLogs(m.id, 100)).filter((e) => e.kind === 'scan-completed');
      assert.equal(completed.length, 1, `${m.name} scanned once`);
    }
  });

  it('checks the health of only the mirrors it owns', async () => {
    const checked = { a: new Set<string>(), b: new Set<string>() };
    const config = () => ({ ...defaultConfig(tmp.path), repository: repo, checkInterval: 60_000, contentCheckInterval: 0 });
    const checkers = (['a', 'b'] as const).map(
      (name) => new HealthChecker(store, catalog, name === 'a' ? a : b, config, () => undefined, Math.random, { check: (_p, _ok, _s, mirror) => checked[name].add(mirror) }),
    );
    for (const checker of checkers) checker.tick();
    await Promise.all(checkers.map((c) => c.idle()));
    assert.deepEqual([...checked.a].sort(), mirrors.filter((m) => a.owns(m.id)).map((m) => m.name).sort());
    assert.deepEqual([...checked.b].sort(), mirrors.filter((m) => b.owns(m.id)).map((m) => m.name).sort());
  });

  it('refuses an explicit scan of a mirror another node is scanning, naming that node', async () => {
    const mirror = mirrors.find((m) => a.owns(m.id))!;
    const scanner = new MirrorScanner(store, catalog, a, scanSettings);
    const held = gate();
    const elsewhere = b.exclusive(`scan:${mirror.id}`, 5000, () => held.promise);
    await until('b scanning', async () => (await a.holder(`scan:${mirror.id}`)) === 'b');
    await assert.rejects(scanner.scan(mirror), (error: Error) => error instanceof ScanBusyError && error.message === `${mirror.name}: a scan is already in progress on node b`);
    assert.equal(scanner.isScanning(mirror.id), false);
    held.open();
    await elsewhere;
    const summary = await scanner.scan(mirror);
    assert.equal(summary.known, 1);
  });

  it('waits for the repository refresh another node is running, and reports it as done there', async () => {
    const refresher = new RepositoryRefresher(store, catalog, a, settings);
    const held = gate();
    const elsewhere = b.exclusive('refresh', 5000, () => held.promise);
    await until('b refreshing', async () => (await a.holder('refresh')) === 'b');
    let settled = false;
    const waiting = refresher.refresh().finally(() => (settled = true));
    await sleep(600);
    assert.equal(settled, false, 'waits while b holds the lease');
    held.open();
    await elsewhere;
    const summary = await waiting;
    assert.equal(summary.doneBy, 'b');
    assert.equal(summary.files, 1);
    assert.ok(summary.durationMs >= 500, `waited ${summary.durationMs} ms`);
    assert.equal(await a.holder('refresh'), undefined, 'a never took it');
  });

  it('runs a rehash of its own once the other node is done, and a refresh at once when nobody holds the lease', async () => {
    const refresher = new RepositoryRefresher(store, catalog, a, settings);
    const held = gate();
    const elsewhere = b.exclusive('refresh', 5000, () => held.promise);
    await until('b refreshing', async () => (await a.holder('refresh')) === 'b');
    const waiting = refresher.refresh(true);
    await sleep(300);
    held.open();
    await elsewhere;
    const rehashed = await waiting;
    assert.equal(rehashed.doneBy, undefined);
    assert.equal(rehashed.hashed, 1);
    const own = await refresher.refresh();
    assert.equal(own.doneBy, undefined);
    assert.equal(own.files, 1);
    await refresher.close();
  });
});
