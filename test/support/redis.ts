// A real Redis server (or Sentinel) for a test: on a free loopback port, persisting nothing, answering PING before it
// is handed out.
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { findProgram, startDaemon, stopChild } from './daemon.js';
import { freePort } from './net.js';
import { tempDir } from './paths.js';

export interface RunningRedis {
  port: number;
  /** host:port, as the RedisAddress setting takes it. */
  address: string;
  /** Shuts the server down and removes its directory. */
  stop(): Promise<void>;
  /** Kills the server at once (SIGKILL), as a crash would; stop() still cleans up. */
  kill(): void;
}

/** Resolves once the server at `port` answers PING with PONG (it accepts connections a little earlier). */
const answersPing = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (!reply.includes('\r\n')) return;
      socket.destroy();
      resolve(reply.startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });

/**
 * Runs redis-server with the arguments `args` gives for its port and directory, and waits until it answers PING.
 * On `at`, a port given (that of a server killed earlier), else a free one.
 */
const run = async (name: string, args: (port: number, dir: string) => string[], at?: number): Promise<RunningRedis> => {
  const redisServer = findProgram('/usr/bin/redis-server', 'redis-server');
  const dir = tempDir('signpost-redis-');
  const port = at ?? (await freePort());
  const child = await startDaemon(name, redisServer, args(port, dir.path), port, dir.remove);
  const deadline = Date.now() + 10_000;
  while (!(await answersPing(port))) {
    if (Date.now() > deadline) {
      await stopChild(child);
      dir.remove();
      throw new Error(`${name} on port ${port} did not answer PING within 10 s`);
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  return {
    port,
    address: `127.0.0.1:${port}`,
    stop: async () => {
      await stopChild(child);
      dir.remove();
    },
    kill: () => {
      child.kill('SIGKILL');
    },
  };
};

const serverArgs = (port: number, dir: string): string[] => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];

export const startRedis = (): Promise<RunningRedis> => run('redis-server', serverArgs);

/** A fresh, empty redis-server on `port` (that of a server that was killed), ready for commands. */
export const startRedisOn = (port: number): Promise<RunningRedis> => run('redis-server', serverArgs, port);

/** A Redis Sentinel (the same program in sentinel mode) watching the server on `masterPort` as master `name`. */
export const startSentinel = (name: string, masterPort: number): Promise<RunningRedis> =>
  run('redis-sentinel', (port, dir) => {
    // Sentinel insists on a configuration file it can rewrite.
    const config = join(dir, 'sentinel.conf');
    writeFileSync(config, [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`, ''].join('\n'));
    return [config, '--sentinel'];
  });
