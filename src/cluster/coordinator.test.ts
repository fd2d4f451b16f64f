// The single-node coordinator (SQLite store): alone, it owns every key and runs exclusive work at once; and how a
// node is named.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { SoleCoordinator } from './coordinator.js';
import { nodeName, openCoordinator } from './open.js';

const info = () => ({ name: 'solo', host: 'h', pid: 1, version: '1.0.0', startedAt: 1000, http: '127.0.0.1:8080', admin: '127.0.0.1:3391' });

describe('SoleCoordinator', () => {
  it('lists itself once started, and nothing once stopped', async () => {
    const c = new SoleCoordinator('solo');
    assert.equal(c.shared, false);
    assert.equal(c.self, 'solo');
    assert.deepEqual(await c.nodes(), []);
    c.start(info);
    const [node, ...rest] = await c.nodes();
    assert.deepEqual(rest, []);
    assert.deepEqual({ ...node, lastSeen: 0 }, { ...info(), lastSeen: 0 });
    assert.ok(Math.abs(node!.lastSeen - Date.now()) < 1000);
    await c.stop();
    assert.deepEqual(await c.nodes(), []);
  });

  it('owns every key', () => {
    const c = new SoleCoordinator('solo');
    for (const key of [0, 1, 2, 999_999]) assert.equal(c.owns(key), true);
  });

  it('runs exclusive work at once, holds no lease, and passes errors on', async () => {
    const c = new SoleCoordinator('solo');
    assert.deepEqual(await c.exclusive('refresh', 1000, async () => 42), { ran: true, value: 42 });
    assert.equal(await c.holder('refresh'), undefined);
    await assert.rejects(c.exclusive('scan:1', 1000, () => Promise.reject(new Error('boom'))), /boom/);
  });
});

describe('nodeName', () => {
  const cases: [label: string, config: { nodeName: string; adminListenAddress: string }, expected: string][] = [
    ['NodeName wins', { nodeName: 'web-1', adminListenAddress: '127.0.0.1:3391' }, 'web-1'],
    ['host and admin port', { nodeName: '', adminListenAddress: '127.0.0.1:3391' }, `${hostname()}:3391`],
    ['any host, other port', { nodeName: '', adminListenAddress: ':9000' }, `${hostname()}:9000`],
    ['IPv6 admin address', { nodeName: '', adminListenAddress: '[::1]:4000' }, `${hostname()}:4000`],
    ['unix socket: the pid', { nodeName: '', adminListenAddress: 'unix:/run/signpost.sock' }, `${hostname()}:777`],
    ['port 0: the pid', { nodeName: '', adminListenAddress: '127.0.0.1:0' }, `${hostname()}:777`],
  ];
  for (const [label, config, expected] of cases) {
    it(label, () => assert.equal(nodeName(config, 777), expected));
  }
});

describe('openCoordinator', () => {
  it('gives the single-node coordinator for a SQLite store, whatever the Redis keys say', async () => {
    const c = await openCoordinator(
      { store: 'sqlite', nodeName: 'n', adminListenAddress: '127.0.0.1:3391', redisAddress: '127.0.0.1:1', redisPassword: '', redisDB: 0, redisSentinelMasterName: '', redisSentinels: [] },
      () => undefined,
    );
    assert.ok(c instanceof SoleCoordinator);
    assert.equal(c.self, 'n');
  });
});
