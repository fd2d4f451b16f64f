// The Redis coordinator against a real redis-server: nodes see each other and drop out when stopped or dead, leases
// let one holder run, expire with a dead holder and are kept while work runs, and an outage neither throws nor runs
// shared work, and heals when Redis is back.
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { spawnNode } from '../../test/support/cluster.js';
import type { ChildNode } from '../../test/support/cluster.js';
import { startRedis, startRedisOn, startSentinel } from '../../test/support/redis.js';
import type { RunningRedis } from '../../test/support/redis.js';
import type { RedisTarget } from '../store/redis/connection.js';
import { UNREACHABLE } from './coordinator.js';
import { openCoordinator } from './open.js';
import { HEARTBEAT_MS, NODE_EXPIRY_MS, RedisCoordinator } from './redis-coordinator.js';

const target = (address: string): RedisTarget => ({ address, password: '', db: 0, sentinelMasterName: '', sentinels: [] });

const info = (name: string) => () => ({ name, host: 'test-host', pid: 4242, version: '9.9.9', startedAt: 1_700_000_000_000, http: `${name}:80`, admin: `${name}:3391` });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const until = async (what: string, check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
};

const KEYS = Array.from({ length: 60 }, (_, i) => i + 1);

/** A promise with its resolver outside, to hold work open until the test lets it go. */
const gate = (): { promise: Promise<void>; open: () => void } => {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
};

describe('RedisCoordinator', { timeout: 120_000 }, () => {
  let redis: RunningRedis;
  let raw: Redis;
  const open: RedisCoordinator[] = [];
  const children: ChildNode[] = [];
  const logs: string[] = [];

  const join = async (name: string): Promise<RedisCoordinator> => {
    const c = await RedisCoordinator.open(target(redis.address), name, (m) => logs.push(`${name}: ${m}`));
    open.push(c);
    c.start(info(name));
    return c;
  };
  const names = async (c: RedisCoordinator): Promise<string[]> => (await c.nodes()).map((n) => n.name);

  before(async () => {
    redis = await startRedis();
    raw = new Redis(redis.port, '127.0.0.1');
  });
  beforeEach(async () => {
    await raw.flushall();
    logs.length = 0;
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.stop()));
    await Promise.all(children.splice(0).map((c) => c.kill()));
  });
  after(async () => {
    raw?.disconnect();
    await redis?.stop();
  });

  it('lets two nodes see each other, with what they announced, and share the keys between them', async () => {
    const a = await join('a');
    const b = await join('b');
    await until('both nodes listed', async () => (await names(a)).join() === 'a,b' && (await names(b)).join() === 'a,b');
    const [first] = await a.nodes();
    assert.deepEqual({ ...first, lastSeen: 0 }, { ...info('a')(), lastSeen: 0 });
    assert.ok(Math.abs(first!.lastSeen - Date.now()) < HEARTBEAT_MS + 1000, 'lastSeen is a recent heartbeat');
    assert.equal(a.shared, true);
    assert.equal(a.self, 'a');
    // Each learns of the other at its next heartbeat; then every key has exactly one owner.
    await until('a partition', () => KEYS.every((k) => a.owns(k) !== b.owns(k)));
    assert.ok(KEYS.some((k) => a.owns(k)) && KEYS.some((k) => b.owns(k)), 'both own some keys');
  });

  it('drops a stopped node at once, and its share goes to the others', async () => {
    const a = await join('a');
    const b = await join('b');
    await until('a partition', () => KEYS.every((k) => a.owns(k) !== b.owns(k)));
    await b.stop();
    assert.deepEqual(await names(a), ['a']);
    assert.equal(await raw.sismember('signpost:nodes', 'b'), 0);
    await until('a owning every key', () => KEYS.every((k) => a.owns(k)), HEARTBEAT_MS + 2000);
  });

  it(`drops a node that dies without a word within ${NODE_EXPIRY_MS} ms, and prunes its name`, async () => {
    const a = await join('a');
    const child = spawnNode(redis.address, 'doomed');
    children.push(child);
    await until('the child listed', async () => (await names(a)).includes('doomed'));
    await until('a partition with the child', () => KEYS.some((k) => !a.owns(k)));
    await child.kill();
    const killed = Date.now();
    await until('the dead node gone', async () => !(await names(a)).includes('doomed'), NODE_EXPIRY_MS + 2000);
    const gone = Date.now() - killed;
    assert.ok(gone <= NODE_EXPIRY_MS + 500, `dropped after ${gone} ms`);
    assert.equal(await raw.sismember('signpost:nodes', 'doomed'), 0);
    await until('a owning every key again', () => KEYS.every((k) => a.owns(k)), HEARTBEAT_MS + 2000);
  });

  it('runs exclusive work on one holder; the other is told who holds it', async () => {
    const a = await join('a');
    const b = await join('b');
    const held = gate();
    const started = gate();
    const first = a.exclusive('job', 5000, async () => {
      started.open();
      await held.promise;
      return 'done by a';
    });
    await started.promise;
    let ranOnB = false;
    const second = await b.exclusive('job', 5000, async () => {
      ranOnB = true;
    });
    assert.deepEqual(second, { ran: false, holder: 'a' });
    assert.equal(ranOnB, false);
    assert.equal(await b.holder('job'), 'a');
    held.open();
    assert.deepEqual(await first, { ran: true, value: 'done by a' });
    assert.equal(await b.holder('job'), undefined, 'released after the work');
    assert.deepEqual(await b.exclusive('job', 5000, async () => 'now b'), { ran: true, value: 'now b' });
  });

  it('releases the lease when the work throws, and passes the error on', async () => {
    const a = await join('a');
    await assert.rejects(a.exclusive('job', 5000, () => Promise.reject(new Error('work failed'))), /work failed/);
    assert.equal(await a.holder('job'), undefined);
  });

  it('lets a lease whose holder died expire after its ttl', async () => {
    const a = await join('a');
    const child = spawnNode(redis.address, 'holder', { name: 'job', ttlMs: 1500 });
    children.push(child);
    await child.printed('leased');
    assert.deepEqual(await a.exclusive('job', 5000, async () => 'too early'), { ran: false, holder: 'holder' });
    await child.kill();
    const killed = Date.now();
    let result = await a.exclusive('job', 5000, async () => 'after expiry');
    while (!result.ran) {
      assert.ok(Date.now() - killed < 1500 + 1000, 'the lease outlived its ttl');
      await sleep(100);
      result = await a.exclusive('job', 5000, async () => 'after expiry');
    }
    assert.deepEqual(result, { ran: true, value: 'after expiry' });
  });

  it('renews the lease while long work runs', async () => {
    const a = await join('a');
    const b = await join('b');
    const ttlMs = 600;
    const work = a.exclusive('long', ttlMs, async () => {
      await sleep(ttlMs * 4);
      return 'long done';
    });
    await until('the lease taken', async () => (await b.holder('long')) === 'a');
    const end = Date.now() + ttlMs * 3;
    while (Date.now() < end) {
      assert.deepEqual(await b.exclusive('long', ttlMs, async () => 'stolen'), { ran: false, holder: 'a' });
      await sleep(100);
    }
    assert.deepEqual(await work, { ran: true, value: 'long done' });
    assert.equal(logs.filter((l) => l.includes('lost the lease')).length, 0);
  });

  it('never releases or renews a lease that is no longer its own', async () => {
    const a = await join('a');
    const held = gate();
    const work = a.exclusive('job', 300, () => held.promise);
    await until('the lease taken', async () => (await a.holder('job')) === 'a');
    await raw.set('signpost:lease:job', 'intruder 1234', 'PX', 60_000);
    await until('the lost lease noticed', () => logs.some((l) => l.includes('lost the lease "job"')), 2000);
    held.open();
    await work;
    assert.equal(await raw.get('signpost:lease:job'), 'intruder 1234', 'the other holder keeps it');
    assert.equal(logs.filter((l) => l.includes('lost the lease')).length, 1);
  });

  it('is reached through Sentinel when RedisSentinelMasterName is set', async () => {
    const sentinel = await startSentinel('signpost-test', redis.port);
    try {
      const c = await RedisCoordinator.open({ ...target('127.0.0.1:1'), sentinelMasterName: 'signpost-test', sentinels: [sentinel.address] }, 's', () => undefined);
      open.push(c);
      c.start(info('s'));
      await until('the node listed', async () => (await names(c)).includes('s'));
      assert.equal(await raw.exists('signpost:node:s'), 1, 'announced on the master');
    } finally {
      await Promise.all(open.splice(0).map((c) => c.stop()));
      await sentinel.stop();
    }
  });

  it('is what openCoordinator gives for a Redis store, named by NodeName or after the host and admin port', async () => {
    const redisConfig = {
      store: 'redis' as const,
      adminListenAddress: '127.0.0.1:4567',
      redisAddress: redis.address,
      redisPassword: '',
      redisDB: 0,
      redisSentinelMasterName: '',
      redisSentinels: [],
    };
    const named = await openCoordinator({ ...redisConfig, nodeName: 'web-1' }, () => undefined);
    const derived = await openCoordinator({ ...redisConfig, nodeName: '' }, () => undefined);
    try {
      assert.ok(named instanceof RedisCoordinator);
      assert.equal(named.self, 'web-1');
      assert.equal(derived.self, `${hostname()}:4567`);
    } finally {
      await named.stop();
      await derived.stop();
    }
  });
});

describe('RedisCoordinator when Redis goes away', { timeout: 60_000 }, () => {
  let redis: RunningRedis;
  const logs: string[] = [];
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => void rejections.push(reason);
  let a: RedisCoordinator;
  let b: RedisCoordinator;

  before(async () => {
    process.on('unhandledRejection', onRejection);
    redis = await startRedis();
    a = await RedisCoordinator.open(target(redis.address), 'a', (m) => logs.push(m));
    b = await RedisCoordinator.open(target(redis.address), 'b', () => undefined);
    a.start(info('a'));
    b.start(info('b'));
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await redis?.stop();
    process.off('unhandledRejection', onRejection);
  });

  it('keeps its partition, runs no shared work, logs the outage once, and recovers on a new server', async () => {
    await until('a partition', () => KEYS.every((k) => a.owns(k) !== b.owns(k)));
    const partition = KEYS.map((k) => a.owns(k));
    assert.deepEqual(await a.exclusive('job', 5000, async () => 'before'), { ran: true, value: 'before' });

    redis.kill();
    await redis.stop(); // cleans up; the server is already dead
    let ran = 0;
    for (const _ of [1, 2, 3, 4, 5]) {
      assert.deepEqual(await a.exclusive('job', 5000, async () => ran++), { ran: false, holder: UNREACHABLE });
      assert.deepEqual(KEYS.map((k) => a.owns(k)), partition, 'the last known partition holds');
      await sleep(HEARTBEAT_MS / 2);
    }
    assert.equal(ran, 0, 'no work ran without its lock');
    await assert.rejects(a.nodes(), /cannot list the cluster's nodes/);
    assert.equal(logs.filter((l) => l.startsWith('[cluster]')).length, 1, `one outage line:\n${logs.join('\n')}`);
    assert.match(logs.find((l) => l.startsWith('[cluster]'))!, /scans and repository refreshes wait/);

    redis = await startRedisOn(redis.port);
    await until('both nodes announced again', async () => {
      try {
        return (await a.nodes()).map((n) => n.name).join() === 'a,b';
      } catch {
        return false;
      }
    }, 15_000);
    assert.deepEqual(await a.exclusive('job', 5000, async () => 'after'), { ran: true, value: 'after' });
    // The new server starts empty: each node sees the other again at its next heartbeat after the other's.
    await until('the same partition again', () => KEYS.every((k, i) => a.owns(k) === partition[i]), HEARTBEAT_MS + 2000);
    const cluster = logs.filter((l) => l.startsWith('[cluster]'));
    assert.equal(cluster.length, 2, cluster.join('\n'));
    assert.match(cluster[1]!, /answers again/);
    assert.deepEqual(rejections, []);
  });
});
