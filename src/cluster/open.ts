// Picks the coordinator the store implies: a Redis store may be shared by several nodes, a SQLite one never is.
import { hostname } from 'node:os';
import type { Config } from '../config/config.js';
import { parseListenAddress } from '../listen-address.js';
import { SoleCoordinator } from './coordinator.js';
import type { Coordinator } from './coordinator.js';
import { RedisCoordinator } from './redis-coordinator.js';

type ClusterConfig = Pick<
  Config,
  'store' | 'nodeName' | 'adminListenAddress' | 'redisAddress' | 'redisPassword' | 'redisDB' | 'redisSentinelMasterName' | 'redisSentinels'
>;

/** NodeName, else `<hostname>:<admin port>`: unique per host as long as each node has its own admin port. */
export const nodeName = (config: Pick<Config, 'nodeName' | 'adminListenAddress'>, pid = process.pid): string => {
  if (config.nodeName !== '') return config.nodeName;
  const admin = parseListenAddress(config.adminListenAddress);
  return `${hostname()}:${'port' in admin && admin.port !== 0 ? admin.port : pid}`;
};

export const openCoordinator = async (config: ClusterConfig, log: (message: string) => void): Promise<Coordinator> => {
  const self = nodeName(config);
  if (config.store !== 'redis') return new SoleCoordinator(self);
  return RedisCoordinator.open(
    {
      address: config.redisAddress,
      password: config.redisPassword,
      db: config.redisDB,
      sentinelMasterName: config.redisSentinelMasterName,
      sentinels: config.redisSentinels,
    },
    self,
    log,
  );
};
