// Cluster tests' fixtures: a node in a child process that can be killed outright, and a Redis server restarted on the
// port of one that was killed (its clients reconnect to the same address).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { findProgram, startDaemon, stopChild } from './daemon.js';
import { tempDir } from './paths.js';
import type { RunningRedis } from './redis.js';

/** This file's neighbour, run the way this file runs: TypeScript through tsx, or compiled JavaScript. */
const nodeEntry = (): { script: string; execArgv: string[] } => {
  const self = fileURLToPath(import.meta.url);
  return self.endsWith('.ts')
    ? { script: self.replace(/cluster\.ts$/, 'cluster-node.ts'), execArgv: ['--import', 'tsx'] }
    : { script: self.replace(/cluster\.js$/, 'cluster-node.js'), execArgv: [] };
};

export interface ChildNode {
  child: ChildProcess;
  /** Resolves once the child printed `line` on stdout; rejects if it exits first or after `ms`. */
  printed(line: string, ms?: number): Promise<void>;
  /** SIGKILL: no goodbye, no lease released. */
  kill(): Promise<void>;
}

/** Starts a node named `name` in its own process, optionally holding `lease` (with `ttlMs`) forever. */
export const spawnNode = (address: string, name: string, lease?: { name: string; ttlMs: number }): ChildNode => {
  const { script, execArgv } = nodeEntry();
  const args = [...execArgv, script, address, name, ...(lease ? [lease.name, String(lease.ttlMs)] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return {
    child,
    printed: async (line, ms = 10_000) => {
      const until = Date.now() + ms;
      while (!stdout.split('\n').includes(line)) {
        if (child.exitCode !== null || Date.now() > until) throw new Error(`node ${name} did not print "${line}": ${stderr.trim() || 'no output'}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
};

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

/** A fresh, empty redis-server on `port` (that of a server that was killed), ready for commands. */
export const startRedisOn = async (port: number): Promise<RunningRedis> => {
  const program = findProgram('/usr/bin/redis-server', 'redis-server');
  const dir = tempDir('signpost-redis-');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir.path];
  const child = await startDaemon('redis-server', program, args, port, dir.remove);
  const deadline = Date.now() + 10_000;
  while (!(await answersPing(port))) {
    if (Date.now() > deadline) {
      await stopChild(child);
      dir.remove();
      throw new Error(`redis-server on port ${port} did not answer PING within 10 s`);
    }
    await new Promise((r) => setTimeout(r, 50));
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
