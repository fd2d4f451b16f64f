// Opens the store the configuration names; the one place that knows every backend.
import type { Config } from '../config/config.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import { StoreError, type Store } from './store.js';

export const openStore = async (config: Pick<Config, 'store' | 'databasePath'>): Promise<Store> => {
  switch (config.store) {
    case 'sqlite':
      return openSqliteStore(config.databasePath);
    case 'redis':
      throw new StoreError('the Redis store is not available yet; set Store: sqlite');
  }
};
