// Opening the store the configuration names.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '../../test/support/paths.js';
import { openStore } from './open.js';
import { StoreError } from './store.js';

const dir = tempDir('signpost-open-');
after(() => dir.remove());

describe('openStore', () => {
  it('opens the SQLite file at DatabasePath', async () => {
    const store = await openStore({ store: 'sqlite', databasePath: join(dir.path, 'data', 'signpost.db') });
    try {
      assert.equal(store.backend, 'sqlite');
      await store.ping();
    } finally {
      await store.close();
    }
  });

  it('says the Redis store is not available yet', async () => {
    await assert.rejects(openStore({ store: 'redis', databasePath: join(dir.path, 'unused.db') }), (err: unknown) => {
      assert.ok(err instanceof StoreError);
      assert.equal(err.message, 'the Redis store is not available yet; set Store: sqlite');
      return true;
    });
  });
});
