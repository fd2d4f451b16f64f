// Opening the store the configuration names.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '../../test/support/paths.js';
import { startRedis } from '../../test/support/redis.js';
import { openStore } from './open.js';

const dir = tempDir('signpost-open-');
after(() => dir.remove());

const noRedis = { redisAddress: '', redisPassword: '', redisDB: 0, redisSentinelMasterName: '', redisSentinels: [] };

describe('openStore', () => {
  it('opens the SQLite file at DatabasePath', async () => {
    const store = await openStore({ store: 'sqlite', databasePath: join(dir.path, 'data', 'signpost.db'), ...noRedis });
    try {
      assert.equal(store.backend, 'sqlite');
      await store.ping();
    } finally {
      await store.close();
    }
  });

  it('opens the Redis store at RedisAddress', async () => {
    const redis = await startRedis();
    try {
      const store = await openStore({ store: 'redis', databasePath: join(dir.path, 'unused.db'), ...noRedis, redisAddress: redis.address });
      try {
        assert.equal(store.backend, 'redis');
        await store.ping();
      } finally {
        await store.close();
      }
    } finally {
      await redis.stop();
    }
  });
});
