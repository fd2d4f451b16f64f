// Connections to the Redis server (directly, or the master that Sentinel names), tuned so that a call fails in
// bounded time when Redis is away instead of waiting for it: the daemon keeps serving from memory meanwhile.
import { Redis, type ChainableCommander, type RedisOptions } from 'ioredis';
import { StoreError } from '../store.js';

export interface RedisTarget {
  /** host:port, [v6]:port, host alone (port 6379), or the path of a unix socket. */
  address: string;
  password: string;
  db: number;
  /** Non-empty: ask these Sentinels (host:port) for the master of this name instead of using `address`. */
  sentinelMasterName: string;
  sentinels: readonly string[];
}

/** How long opening a connection may take before the call that needed it fails. */
const CONNECT_TIMEOUT_MS = 3000;
/** How long opening the store waits for its connections, Sentinels asked included. */
const OPEN_TIMEOUT_MS = 5000;
/**
 * A bound for a server that accepts a command and never answers (stopped, or swapping). Generous: the largest
 * reply, the whole index of a million files, is about 130 MB.
 */
const COMMAND_TIMEOUT_MS = 30_000;

type HostPort = { host: string; port: number };

/** Splits host:port or [v6]:port; the port is `defaultPort` when not given. */
export const parseHostPort = (text: string, defaultPort: number): HostPort => {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const plain = /^([^:[\]]+)(?::(\d+))?$/.exec(text);
  const match = bracketed ?? plain;
  const port = match?.[2] === undefined ? defaultPort : Number(match[2]);
  if (match === null || !(port >= 1 && port <= 65535)) {
    throw new StoreError(`Redis address "${text}" is not host:port, [IPv6]:port or the path of a unix socket`);
  }
  return { host: match[1]!, port };
};

/** How error messages name the server, so that an operator knows which setting to check. */
export const describeTarget = (target: RedisTarget): string =>
  target.sentinelMasterName === ''
    ? `Redis at ${target.address}`
    : `Redis master "${target.sentinelMasterName}" of the Sentinels ${target.sentinels.join(', ')}`;

const clientOptions = (target: RedisTarget): RedisOptions => {
  const common: RedisOptions = {
    password: target.password === '' ? undefined : target.password,
    db: target.db,
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    // Calls made while disconnected fail at once, and calls in flight when the connection drops fail on the drop:
    // a write whose fate is unknown is reported as failed, never replayed later behind the caller's back.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // Keep reconnecting, slowly, for as long as the store is open: Redis coming back heals the node.
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  };
  if (target.sentinelMasterName !== '') {
    if (target.sentinels.length === 0) throw new StoreError(`${describeTarget(target)}: no Sentinels are configured (RedisSentinels)`);
    return {
      ...common,
      name: target.sentinelMasterName,
      sentinels: target.sentinels.map((s) => parseHostPort(s, 26379)),
      sentinelRetryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    };
  }
  if (target.address.startsWith('/')) return { ...common, path: target.address };
  return { ...common, ...parseHostPort(target.address, 6379) };
};

/** What ioredis says when a call fails for want of a connection, in an operator's words. */
const plainWords: readonly [pattern: RegExp, words: string][] = [
  [/enableOfflineQueue/, 'not connected (reconnecting)'],
  [/max retries per request/, 'the connection was lost during the call'],
  [/Command timed out/, `no answer within ${COMMAND_TIMEOUT_MS / 1000} s`],
  [/All sentinels are unreachable/, 'no Sentinel answers'],
];

/** A StoreError naming the server for any failure of a Redis call; the store's own errors pass through. */
export const redisError = (where: string, err: unknown): StoreError => {
  if (err instanceof StoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const words = plainWords.find(([pattern]) => pattern.test(message))?.[1] ?? message;
  return new StoreError(`${where}: ${words}`, { cause: err });
};

/**
 * Opens a connection and waits until it is ready. Once it was ready, losing it is logged once per outage (ioredis
 * would print every failed attempt), and so is getting it back; calls meanwhile fail with the error itself.
 */
export const connect = async (target: RedisTarget, role: string, log: (message: string) => void): Promise<Redis> => {
  const where = describeTarget(target);
  const client = new Redis(clientOptions(target));
  let lastError: Error | undefined;
  let wasReady = false;
  let down = false;
  const report = (why: string): void => {
    if (wasReady && !down) log(`${where} (${role} connection): ${why}; reconnecting`);
    down = wasReady;
  };
  client.on('error', (err: Error) => {
    lastError = err;
    report(err.message);
  });
  // Emitted only when ioredis schedules a reconnection, never when the connection is closed on purpose.
  client.on('reconnecting', () => report('connection lost'));
  client.on('ready', () => {
    if (down) log(`${where} (${role} connection): connected again`);
    wasReady = true;
    down = false;
  });
  let timer: NodeJS.Timeout | undefined;
  // With Sentinel, ioredis keeps asking the Sentinels until one answers: opening gives up instead.
  const giveUp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no connection within ${OPEN_TIMEOUT_MS / 1000} s`)), OPEN_TIMEOUT_MS);
  });
  try {
    await Promise.race([client.connect(), giveUp]);
    return client;
  } catch (err) {
    client.disconnect();
    throw redisError(where, lastError ?? err);
  } finally {
    clearTimeout(timer);
  }
};

/** The replies of an executed pipeline or transaction, in order; throws the first failed command's error. */
const repliesOf = (results: [error: Error | null, reply: unknown][] | null): unknown[] =>
  (results ?? []).map(([err, reply]) => {
    if (err) throw err;
    return reply;
  });

/** Runs the commands `build` queues as one transaction (MULTI/EXEC): they see one state of the database. */
export const transaction = async (client: Redis, build: (multi: ChainableCommander) => void): Promise<unknown[]> => {
  const multi = client.multi();
  build(multi);
  return repliesOf(await multi.exec());
};

/** Runs the commands `build` queues in one round trip, without the isolation of a transaction. */
export const pipelined = async (client: Redis, build: (pipeline: ChainableCommander) => void): Promise<unknown[]> => {
  const pipeline = client.pipeline();
  build(pipeline);
  return repliesOf(await pipeline.exec());
};
