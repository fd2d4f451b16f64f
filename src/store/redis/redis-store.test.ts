// The Redis store: the shared contract against a real redis-server, plus what only Redis shows: the key layout
// and its version, pub/sub between handles, large index writes staged under another key, and a server that dies.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { freePort } from '../../../test/support/net.js';
import { startRedis, startSentinel, type RunningRedis } from '../../../test/support/redis.js';
import { defaultSettings, initialState } from '../../mirrors/mirror.js';
import type { RepoFile } from '../../repo/file.js';
import { runStoreContract, type StoreFixture } from '../contract.js';
import { popcount } from '../holdings.js';
import { StoreError, type Store, type StoreEvent } from '../store.js';
import { parseHostPort } from './connection.js';
import { REDIS_LAYOUT_VERSION } from './keys.js';
import { openRedisStore, type RedisStoreOptions } from './redis-store.js';

const NOW = 1_717_768_803_512;

let server: RunningRedis;
/** A plain connection for looking at and tampering with the keys behind a store's back. */
let raw: Redis;

before(async () => {
  server = await startRedis();
  raw = new Redis(server.port, '127.0.0.1');
});
after(async () => {
  raw.disconnect();
  await server.stop();
});

let counter = 0;
/** Each case gets its own key prefix (and so its own event channel) on the one server. */
const newPrefix = (): string => `case-${++counter}:`;

const options = (prefix: string, address = server.address): RedisStoreOptions => ({
  address,
  password: '',
  db: 0,
  sentinelMasterName: '',
  sentinels: [],
  prefix,
  log: () => {},
});

const keysOf = async (client: Redis, prefix: string): Promise<string[]> => {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, chunk] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    keys.push(...chunk);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
};

runStoreContract('redis', async (): Promise<StoreFixture> => {
  const prefix = newPrefix();
  const handles: Store[] = [];
  const reopen = async (): Promise<Store> => {
    const store = await openRedisStore(options(prefix));
    handles.push(store);
    return store;
  };
  const store = await reopen();
  return {
    store,
    reopen,
    cleanup: async () => {
      for (const handle of handles) await handle.close();
      const keys = await keysOf(raw, prefix);
      if (keys.length > 0) await raw.unlink(...keys);
    },
  };
});

/** Asserts that `promise` rejects with a StoreError whose message holds every one of `parts`. */
const rejectsNaming = (promise: Promise<unknown>, ...parts: string[]) =>
  assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof StoreError, `${String(err)} is a StoreError`);
    for (const part of parts) assert.ok(err.message.includes(part), `"${err.message}" names ${part}`);
    return true;
  });

/** Fails instead of hanging when `promise` takes longer than `ms`. */
const within = async <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
};

/** Opens a store on a fresh prefix, runs `test`, closes it. */
const withStore = async (test: (store: Store, prefix: string) => Promise<void>): Promise<void> => {
  const prefix = newPrefix();
  const store = await openRedisStore(options(prefix));
  try {
    await test(store, prefix);
  } finally {
    await store.close();
  }
};

const repoFile = (path: string, size = 100): RepoFile => ({ path, size, mtimeMs: NOW, sha1: '', sha256: 'b'.repeat(64), md5: '' });
const plain = (name: string) => ({ ...defaultSettings(), name, httpURL: `${name}.example.net/` });
const tree = (count: number, size = 100): RepoFile[] => Array.from({ length: count }, (_, i) => repoFile(`/tree/${String(i).padStart(6, '0')}.bin`, size));

describe('Redis store', () => {
  it('records its key layout version in an empty store, and reports it', async () => {
    await withStore(async (store, prefix) => {
      assert.equal(await raw.get(`${prefix}layout`), String(REDIS_LAYOUT_VERSION));
      assert.equal(await store.schemaVersion(), REDIS_LAYOUT_VERSION);
      assert.equal(store.backend, 'redis');
    });
  });

  it('refuses a store whose key layout is newer than the code, naming the server and both versions, leaving it as it was', async () => {
    const prefix = newPrefix();
    const newer = REDIS_LAYOUT_VERSION + 3;
    await raw.set(`${prefix}layout`, String(newer));
    await rejectsNaming(
      openRedisStore(options(prefix)),
      server.address,
      `key layout version ${newer} (${prefix}layout) is newer than this Signpost understands (${REDIS_LAYOUT_VERSION}); upgrade Signpost`,
    );
    assert.equal(await raw.get(`${prefix}layout`), String(newer));
  });

  it('refuses a store with an unreadable key layout version', async () => {
    const prefix = newPrefix();
    await raw.set(`${prefix}layout`, 'two');
    await rejectsNaming(openRedisStore(options(prefix)), server.address, `${prefix}layout`, 'two');
  });

  it('keeps stores with different prefixes apart, events included', async () => {
    await withStore(async (one) => {
      await withStore(async (two) => {
        const heard: StoreEvent[] = [];
        two.subscribe((event) => heard.push(event));
        await one.addMirror(plain('Alone'), initialState(NOW));
        await two.replaceFiles([repoFile('/a')], []);
        while (heard.length < 1) await new Promise((done) => setTimeout(done, 5));
        await new Promise((done) => setTimeout(done, 20));
        assert.deepEqual(heard, [{ type: 'files' }]);
        assert.deepEqual(await two.listMirrors(), []);
      });
    });
  });

  it('delivers events published by one handle to another opened separately, and to its own listeners exactly once', async () => {
    const prefix = newPrefix();
    const first = await openRedisStore(options(prefix));
    const second = await openRedisStore(options(prefix));
    try {
      const mine: StoreEvent[] = [];
      const theirs: StoreEvent[] = [];
      first.subscribe((event) => mine.push(event));
      second.subscribe((event) => theirs.push(event));
      const mirror = await first.addMirror(plain('Shared'), initialState(NOW));
      await first.replaceFiles([repoFile('/a')], []);
      await first.replaceMirrorFiles(mirror.id, [{ path: '/a', size: 100, mtimeMs: NOW }]);
      await first.removeMirror(mirror.id);
      const expected: StoreEvent[] = [{ type: 'mirror', id: mirror.id }, { type: 'files' }, { type: 'mirror-files', id: mirror.id }, { type: 'mirror', id: mirror.id }];
      const deadline = Date.now() + 3000;
      while ((mine.length < expected.length || theirs.length < expected.length) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 5));
      await new Promise((done) => setTimeout(done, 50));
      assert.deepEqual(theirs, expected);
      assert.deepEqual(mine, expected);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('tells its listeners to reload every mirror and the index after its event connection was lost', async () => {
    await withStore(async (store) => {
      const kept = await store.addMirror(plain('Kept'), initialState(NOW));
      const gone = await store.addMirror(plain('Gone'), initialState(NOW));
      await store.removeMirror(gone.id);
      const heard: StoreEvent[] = [];
      store.subscribe((event) => heard.push(event));
      // The server drops every subscriber connection, as a failover or a network cut would.
      await raw.client('KILL', 'TYPE', 'pubsub');
      const deadline = Date.now() + 5000;
      while (heard.length < 3 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 10));
      assert.deepEqual(heard, [{ type: 'mirror', id: kept.id }, { type: 'mirror', id: gone.id }, { type: 'files' }]);
      // And it hears writes again.
      await store.updateMirror(kept.id, { score: 2 });
      assert.deepEqual(heard.at(-1), { type: 'mirror', id: kept.id });
    });
  });

  it('sends its scripts again when the server has forgotten them (a restart, a failover)', async () => {
    await withStore(async (store) => {
      await store.addMirror(plain('Before'), initialState(NOW));
      await raw.script('FLUSH');
      const after = await store.addMirror(plain('After'), initialState(NOW));
      assert.equal((await store.getMirror(after.id))?.name, 'After');
    });
  });

  it('closes idempotently, then refuses calls with a StoreError naming the server', async () => {
    const store = await openRedisStore(options(newPrefix()));
    await store.close();
    await store.close();
    await rejectsNaming(store.ping(), server.address, 'closed');
    await rejectsNaming(store.listMirrors(), server.address, 'closed');
  });

  it('refuses to open on an address where no Redis answers, naming it', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    await within(rejectsNaming(openRedisStore(options(newPrefix(), address)), address), 5000, 'opening');
  });

  it('fails calls with a StoreError naming the server within seconds once Redis dies, and closes all the same', async () => {
    const doomed = await startRedis();
    const messages: string[] = [];
    const store = await openRedisStore({ ...options(newPrefix(), doomed.address), log: (message) => messages.push(message) });
    try {
      await store.addMirror(plain('Before'), initialState(NOW));
      doomed.kill();
      // The drop is noticed at once, or by the next call's connection attempt.
      for (const [what, call] of [
        ['listMirrors', () => store.listMirrors()],
        ['addMirror', () => store.addMirror(plain('After'), initialState(NOW))],
        ['replaceFiles', () => store.replaceFiles([repoFile('/a')], [])],
        ['ping', () => store.ping()],
      ] as const) {
        await within(rejectsNaming(call(), doomed.address), 5000, what);
      }
      assert.ok(
        messages.some((m) => m.includes(doomed.address)),
        `the outage is logged naming the server: ${JSON.stringify(messages)}`,
      );
    } finally {
      await within(store.close(), 3000, 'close');
      await doomed.stop();
    }
  });

  it('finds the master through Sentinel', async () => {
    const sentinel = await startSentinel('signpost-test', server.port);
    try {
      const prefix = newPrefix();
      const store = await openRedisStore({ ...options(prefix, ''), sentinelMasterName: 'signpost-test', sentinels: [sentinel.address] });
      try {
        const mirror = await store.addMirror(plain('ViaSentinel'), initialState(NOW));
        assert.equal(await raw.hget(`${prefix}mirror:${mirror.id}`, 'name'), 'ViaSentinel', 'written to the master');
      } finally {
        await store.close();
      }
      await rejectsNaming(
        openRedisStore({ ...options(newPrefix(), ''), sentinelMasterName: 'signpost-test', sentinels: [] }),
        'Redis master "signpost-test"',
        'RedisSentinels',
      );
      const nobody = `127.0.0.1:${await freePort()}`;
      await within(
        rejectsNaming(openRedisStore({ ...options(newPrefix(), ''), sentinelMasterName: 'signpost-test', sentinels: [nobody] }), nobody, 'no Sentinel answers'),
        8000,
        'opening with no Sentinel',
      );
    } finally {
      await sentinel.stop();
    }
  });

  it('parses the addresses RedisAddress may hold', () => {
    assert.deepEqual(parseHostPort('redis.example.org:6380', 6379), { host: 'redis.example.org', port: 6380 });
    assert.deepEqual(parseHostPort('redis.example.org', 6379), { host: 'redis.example.org', port: 6379 });
    assert.deepEqual(parseHostPort('[::1]:7000', 6379), { host: '::1', port: 7000 });
    assert.deepEqual(parseHostPort('[2001:db8::5]', 26379), { host: '2001:db8::5', port: 26379 });
    for (const bad of ['', 'host:', 'host:99999', 'host:port', '::1:6379', '[::1']) {
      assert.throws(() => parseHostPort(bad, 6379), StoreError, bad);
    }
  });

  it('stages a large index write under another key, renames it over the index and leaves no staging key or expiry behind', async () => {
    await withStore(async (store, prefix) => {
      const mirror = await store.addMirror(plain('Big'), initialState(NOW));
      const files = tree(12_000);
      assert.deepEqual(await store.replaceFiles(files, [{ path: '/latest', target: files[0]!.path }]), { total: 12_000, added: 12_000, changed: 0, removed: 0 });
      assert.deepEqual(await store.replaceMirrorFiles(mirror.id, files), { total: 12_000, added: 12_000, changed: 0, removed: 0 });
      const before = await store.readFileColumns();

      // Every file changes size: a staged replacement that moves 12k holdings from exact to differing.
      const grown = tree(12_000, 101);
      assert.deepEqual(await store.replaceFiles(grown.slice(1), []), { total: 11_999, added: 0, changed: 11_999, removed: 1 });
      const held = await store.getHoldings(mirror.id);
      assert.equal(held.diffIds.length, 11_999);
      assert.ok(held.bits.every((b) => b === 0));
      const after = await store.readFileColumns();
      const idOf = (path: string, cols = before) => cols.ids[cols.paths.toArray().indexOf(path)];
      assert.equal(idOf(files[5]!.path, after), idOf(files[5]!.path), 'ids survive a staged replacement');
      assert.deepEqual(await store.listLinks(), []);

      // An update too large to make in place takes the same road, with updateFiles' counts.
      // /tree/000000 comes back (a new id, which no mirror holds), 10,999 files get their old size back.
      const upserts = [...tree(11_000, 100), repoFile('/new')];
      assert.deepEqual(await store.updateFiles(upserts, [grown[11_500]!.path, '/unknown'], []), { total: 12_000, added: 2, changed: 10_999, removed: 1 });
      assert.equal((await store.getFile('/new'))?.size, 100);
      assert.equal(await store.getFile(grown[11_500]!.path), undefined);
      const again = await store.getHoldings(mirror.id);
      assert.equal(popcount(again.bits), 10_999, 'copies equal to the index again are exact');
      assert.equal(again.diffIds.length, 11_998 - 10_999);

      assert.deepEqual(await keysOf(raw, `${prefix}files:staging:`), []);
      assert.equal(await raw.pttl(`${prefix}files`), -1, 'the index does not expire');
      assert.deepEqual(await store.replaceFiles([], []), { total: 0, added: 0, changed: 0, removed: 12_000 });
      assert.deepEqual(await store.listMirrorFiles(mirror.id), []);
    });
  });

  it('refuses a digest that is not lower-case hex of its length, naming the file, and writes nothing', async () => {
    await withStore(async (store) => {
      await store.replaceFiles([repoFile('/kept')], []);
      const bad: [Partial<RepoFile>, string][] = [
        [{ sha1: 'A'.repeat(40) }, 'sha1'],
        [{ sha256: 'b'.repeat(63) }, 'sha256'],
        [{ md5: 'not hex at all, 32 characters ok' }, 'md5'],
      ];
      for (const [digest, name] of bad) {
        await rejectsNaming(store.replaceFiles([repoFile('/kept'), { ...repoFile('/bad.iso'), ...digest }], []), '/bad.iso', name);
        await rejectsNaming(store.updateFiles([{ ...repoFile('/bad.iso'), ...digest }], [], []), '/bad.iso', name);
      }
      assert.deepEqual(
        (await store.listFiles()).map((f) => f.path),
        ['/kept'],
      );
    });
  });

  it('keeps holdings and index consistent when handles write both at once', async () => {
    const prefix = newPrefix();
    const handles = await Promise.all([0, 1, 2].map(() => openRedisStore(options(prefix))));
    try {
      const [a, b, c] = handles as [Store, Store, Store];
      const mirrors = await Promise.all(['One', 'Two'].map((name) => a.addMirror(plain(name), initialState(NOW))));
      const files = tree(300);
      await a.replaceFiles(files, []);
      for (let round = 0; round < 8; round++) {
        const kept = files.filter((_, i) => (i + round) % 3 !== 0);
        await Promise.all([
          a.replaceFiles(kept, []),
          b.replaceMirrorFiles(mirrors[0]!.id, files),
          c.replaceMirrorFiles(mirrors[1]!.id, files),
          b.updateFiles([repoFile(`/extra/${round}`)], [], []),
        ]);
      }
      const indexed = new Set((await a.listFiles()).map((f) => f.path));
      const { ids } = await a.readFileColumns();
      for (const mirror of mirrors) {
        const held = await a.listMirrorFiles(mirror.id);
        assert.ok(held.length > 0);
        for (const copy of held) assert.ok(indexed.has(copy.path), `${copy.path} held by ${mirror.name} is indexed`);
        const holdings = await a.getHoldings(mirror.id);
        const known = new Set(ids);
        holdings.bits.forEach((byte, i) => {
          for (let k = 0; k < 8; k++) if (byte & (1 << k)) assert.ok(known.has(i * 8 + k), `bit ${i * 8 + k} is an indexed id`);
        });
      }
    } finally {
      for (const handle of handles) await handle.close();
    }
  });

  it('writes only the keys its layout documents, with the documented types', async () => {
    await withStore(async (store, prefix) => {
      const mirror = await store.addMirror(plain('Typed'), initialState(NOW));
      await store.replaceFiles([repoFile('/a')], [{ path: '/l', target: null }]);
      await store.replaceMirrorFiles(mirror.id, [{ path: '/a', size: 1, mtimeMs: NOW }]);
      await store.appendLog(mirror.id, { time: NOW, kind: 'added', message: 'x' });
      await store.addDownloads([{ day: '2024-05-07', path: '/a', mirrorId: mirror.id, count: 1, bytes: 1 }]);
      const documented: [RegExp, string][] = [
        [/^layout$/, 'string'],
        [/^files$/, 'hash'],
        [/^files:(by-id|digests|paths|version)$/, 'string'],
        [/^links$/, 'hash'],
        [/^mirrors:last-id$/, 'string'],
        [/^mirrors:names$/, 'hash'],
        [/^mirror:\d+$/, 'hash'],
        [/^mirror:\d+:holdings$/, 'hash'],
        [/^mirror:\d+:log$/, 'list'],
        [/^holdings:version$/, 'string'],
        [/^stats:days$/, 'zset'],
        [/^stats:(file|mirror|mirror-bytes):(all|\d{4}(-\d{2}(-\d{2})?)?)$/, 'hash'],
      ];
      const keys = await keysOf(raw, prefix);
      for (const key of keys) {
        const name = key.slice(prefix.length);
        const entry = documented.find(([pattern]) => pattern.test(name));
        assert.ok(entry, `${name} is documented in keys.ts`);
        assert.equal(await raw.type(key), entry[1], name);
      }
    });
  });
});
