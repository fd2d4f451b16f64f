// Cluster tests' fixtures: a node in a child process that can be killed outright. (A Redis server restarted on the
// port of a killed one is startRedisOn in redis.ts.)
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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
