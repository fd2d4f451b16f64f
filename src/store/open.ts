// Opens the store the configuration names; the one place that knows every backend.
import type { Config } from '../config/config.js';
import { openRedisStore } from './redis/redis-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export const openStore = async (
  config: Pick<Config, 'store' | 'databasePath' | 'redisAddress' | 'redisPassword' | 'redisDB' | 'redisSentinelMasterName' | 'redisSentinels'>,
): Promise<Store> => {
  switch (config.store) {
    case 'sqlite':
      return openSqliteStore(config.databasePath);
    case 'redis':
      return openRedisStore({
        address: config.redisAddress,
        password: config.redisPassword,
        db: config.redisDB,
        sentinelMasterName: config.redisSentinelMasterName,
        sentinels: config.redisSentinels,
      });
  }
};
