// Two `signpost daemon` nodes on one real Redis: a change made through either reaches the other's request path within
// a second, both see each other, and statistics from both add up.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startIndexServer } from './support/httpd.js';
import type { RunningServer } from './support/daemon.js';
import { freePort } from './support/net.js';
import { tempDir } from './support/paths.js';
import { startRedis, startRedisOn } from './support/redis.js';
import { baseConfig, cli, cliJSON, http, startSignpost } from './support/signpost.js';
import type { RunningSignpost } from './support/signpost.js';

const GB = '2.125.160.217';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Node {
  name: string;
  httpPort: number;
  adminPort: number;
  daemon?: RunningSignpost;
}

describe('a cluster of two nodes on one Redis', { timeout: 120_000 }, () => {
  const tmp = tempDir('signpost-cluster-');
  const servers: RunningServer[] = [];
  let redis: Awaited<ReturnType<typeof startRedis>>;
  const ready = async (node: Node): Promise<{ store: boolean }> => JSON.parse((await http(node.adminPort, '/readyz')).body) as { store: boolean };
  const nodes: Node[] = [];
  const mirrorURL: Record<string, string> = {};
  const [a, b] = [0, 1];

  const cliOn = (node: Node, args: string[]) => cli(['--admin', `http://127.0.0.1:${node.adminPort}`, ...args]);
  const redirect = (node: Node, path: string) => http(node.httpPort, path, { 'X-Forwarded-For': GB });

  before(async () => {
    redis = await startRedis();
    const repo = join(tmp.path, 'repo');
    mkdirSync(repo, { recursive: true });
    const t = new Date('2026-11-01T00:00:00Z');
    for (const [name, size] of [['f1.bin', 1000], ['f2.bin', 2500]] as const) {
      writeFileSync(join(repo, name), Buffer.alloc(size, 1));
      utimesSync(join(repo, name), t, t);
    }
    for (const name of ['m1', 'm2']) {
      const server = await startIndexServer(repo, 'nginx');
      servers.push(server);
      mirrorURL[name] = server.url;
    }
    for (const name of ['a', 'b']) {
      const node: Node = { name, httpPort: await freePort(), adminPort: await freePort() };
      const config = join(tmp.path, `${name}.yaml`);
      writeFileSync(
        config,
        [
          ...baseConfig({ repo, db: join(tmp.path, `${name}-unused.db`), httpPort: node.httpPort, adminPort: node.adminPort }),
          'Store: redis',
          `RedisAddress: ${redis.address}`,
          `NodeName: node-${name}`,
          'RepositoryScanInterval: 0',
          // Node a serves from worker processes (events reach them through its primary), node b from one process.
          `Workers: ${name === 'a' ? 2 : 1}`,
          'ScanInterval: 1h',
          'CheckInterval: 1h',
          '',
        ].join('\n'),
      );
      node.daemon = await startSignpost(config, node.adminPort);
      nodes.push(node);
    }
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n.daemon?.stop()));
    await Promise.all(servers.map((s) => s.stop()));
    await redis?.stop();
    tmp.remove();
  });

  it('lists both nodes from either one', async () => {
    for (const node of nodes) {
      const r = await cliJSON<{ self: string; shared: boolean; nodes: { name: string }[] }>(['--admin', `http://127.0.0.1:${node.adminPort}`, 'nodes']);
      assert.equal(r.self, `node-${node.name}`);
      assert.equal(r.shared, true);
      assert.deepEqual(r.nodes.map((n) => n.name), ['node-a', 'node-b']);
    }
  });

  it('a mirror added and scanned through one node serves redirects on the other', async () => {
    for (const name of ['m1', 'm2']) {
      const added = await cliOn(nodes[a]!, ['add', name, '--http', mirrorURL[name]!, '--country', 'GB', '--latitude', '51.5', '--longitude', '-0.1']);
      assert.equal(added.code, 0, added.stderr);
      const scanned = await cliOn(nodes[a]!, ['scan', name, '--enable']);
      assert.equal(scanned.code, 0, scanned.stderr);
    }
    // Within a second, the other node's request path has both (their events, and the health check that followed
    // each scan on whichever node checks that mirror).
    const listed = async (): Promise<string[]> =>
      (JSON.parse((await http(nodes[b]!.httpPort, '/f1.bin', { 'X-Forwarded-For': GB, Accept: 'application/json' })).body) as { MirrorList: { Name: string }[] }).MirrorList.map((m) => m.Name).sort();
    const since = Date.now();
    while ((await listed()).length < 2 && Date.now() - since < 1000) await sleep(20);
    assert.deepEqual(await listed(), ['m1', 'm2']);
    // Clients the GeoIP data does not place, each new: a uniform draw every time (a client asking again for the
    // same file within SameDownloadInterval keeps its mirror).
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const r = await http(nodes[b]!.httpPort, '/f1.bin', { 'X-Forwarded-For': `10.1.0.${i + 1}` });
      assert.equal(r.status, 302);
      seen.add(String(r.headers.location));
    }
    assert.deepEqual([...seen].sort(), [`${mirrorURL.m1}f1.bin`, `${mirrorURL.m2}f1.bin`].sort());
  });

  it('`disable` sent to one node is honoured by the other (and its workers) within a second', async () => {
    for (const [from, to] of [[b, a], [a, b]] as const) {
      const disabled = await cliOn(nodes[from]!, ['disable', 'm1']);
      assert.equal(disabled.code, 0, disabled.stderr);
      await sleep(1000);
      for (let i = 0; i < 30; i++) {
        const r = await redirect(nodes[to]!, '/f1.bin');
        assert.equal(r.headers.location, `${mirrorURL.m2}f1.bin`, `node ${nodes[to]!.name}, request ${i}`);
      }
      assert.equal((await cliOn(nodes[from]!, ['enable', 'm1'])).code, 0);
    }
  });

  it('statistics from both nodes add up in the shared store', async () => {
    const before = await cliJSON<{ total: number }>(['--admin', `http://127.0.0.1:${nodes[a]!.adminPort}`, 'stats', 'file', 'f2\\.bin$']);
    // Distinct clients, so that no request repeats another within SameDownloadInterval.
    for (let i = 0; i < 7; i++) assert.equal((await http(nodes[a]!.httpPort, '/f2.bin', { 'X-Forwarded-For': `2.125.160.${10 + i}` })).status, 302);
    for (let i = 0; i < 5; i++) assert.equal((await http(nodes[b]!.httpPort, '/f2.bin', { 'X-Forwarded-For': `2.125.160.${30 + i}` })).status, 302);
    // Counters are flushed every second by each node.
    let total = 0;
    for (let tries = 0; tries < 30 && total !== before.total + 12; tries++) {
      await sleep(200);
      for (const node of nodes) {
        total = (await cliJSON<{ total: number }>(['--admin', `http://127.0.0.1:${node.adminPort}`, 'stats', 'file', 'f2\\.bin$'])).total;
      }
    }
    assert.equal(total, before.total + 12);
    for (const node of nodes) {
      const seenHere = await cliJSON<{ total: number }>(['--admin', `http://127.0.0.1:${node.adminPort}`, 'stats', 'file', 'f2\\.bin$']);
      assert.equal(seenHere.total, before.total + 12, `node ${node.name} shows the cluster's total`);
    }
  });
  it('Redis stopped under load: no failed request, /readyz says so, and the counts of the outage arrive afterwards', async () => {
    const count = async (): Promise<number> => (await cliJSON<{ total: number }>(['--admin', `http://127.0.0.1:${nodes[a]!.adminPort}`, 'stats', 'file', 'f1\\.bin$'])).total;
    const port = Number(redis.address.split(':').pop());
    await redis.stop();
    let served = 0;
    let client = 0;
    const started = Date.now();
    let sawDown = false;
    while (Date.now() - started < 5000) {
      for (const node of nodes) {
        const r = await http(node.httpPort, '/f1.bin', { 'X-Forwarded-For': `10.2.${client >> 8}.${client & 255}` });
        client++;
        assert.equal(r.status, 302, `request ${client} on node ${node.name} while Redis is down`);
        served++;
      }
      sawDown ||= !(await ready(nodes[a]!)).store && !(await ready(nodes[b]!)).store;
    }
    assert.ok(sawDown, '/readyz of both nodes said the store was unreachable');
    redis = await startRedisOn(port);
    // The layout and every key are gone with the old process (it keeps nothing on disk): the nodes' counters from the
    // outage still arrive, as a cluster's Redis restored from a replica would receive them.
    let total = 0;
    for (let tries = 0; tries < 50 && total < served; tries++) {
      await sleep(200);
      total = await count().catch(() => 0);
    }
    assert.equal(total, served, 'every request of the outage counted once Redis was back');
    for (const node of nodes) {
      let up = false;
      for (let tries = 0; tries < 30 && !up; tries++) {
        up = (await ready(node)).store;
        if (!up) await sleep(200);
      }
      assert.ok(up, `node ${node.name}: /readyz says the store is back`);
    }
  });
});
