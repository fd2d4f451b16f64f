// Runs the real `signpost` executable for end-to-end tests: the daemon as a child process, CLI commands, raw HTTP requests.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { stopChild } from './daemon.js';
import { geoipFixtures, projectRoot } from './paths.js';

export const signpostBin = join(projectRoot, 'bin', 'signpost.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `signpost ARGS` to completion. */
export const cli = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [signpostBin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });

/** Runs a CLI command that must succeed and returns its parsed JSON output. */
export const cliJSON = async <T>(args: string[]): Promise<T> => {
  const r = await cli([...args, '--json']);
  if (r.code !== 0) throw new Error(`signpost ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as T;
};

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One raw HTTP request (no redirect following, the path sent exactly as given). */
export const http = (port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<HttpAnswer> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: keepAlive }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.once('error', reject);
    req.end();
  });

const keepAlive = new Agent({ keepAlive: true, maxSockets: 4 });

export interface RunningSignpost {
  child: ChildProcess;
  output: () => string;
  /** Resolves when the daemon has logged a line matching `pattern`; rejects after `ms`. */
  waitForLog(pattern: RegExp, ms?: number): Promise<void>;
  stop(): Promise<number | null>;
}

/** Starts `signpost daemon --config FILE` and waits until /readyz answers 200 on `adminPort`. */
export const startSignpost = async (config: string, adminPort: number, readyMs = 20_000): Promise<RunningSignpost> => {
  const child = spawn(process.execPath, [signpostBin, 'daemon', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`signpost daemon exited ${child.exitCode}: ${output.trim()}`);
    try {
      const r = await http(adminPort, '/readyz');
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > readyMs) {
      await stopChild(child);
      throw new Error(`signpost daemon not ready after ${readyMs} ms: ${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    output: () => output,
    waitForLog: async (pattern, ms = 5000) => {
      const until = Date.now() + ms;
      while (!pattern.test(output)) {
        if (Date.now() > until) throw new Error(`the daemon did not log ${pattern} within ${ms} ms; it logged:\n${output}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop: async () => {
      await stopChild(child, 15_000);
      return child.exitCode;
    },
  };
};

/** Waits for a child to exit by itself and returns its code and output. */
export const exitOf = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

/** The config lines every daemon test starts from: its repository, store, loopback ports and MaxMind's test GeoIP data. */
export const baseConfig = (o: { repo: string; db: string; httpPort: number; adminPort: number }): string[] => [
  `Repository: ${o.repo}`,
  `DatabasePath: ${o.db}`,
  `ListenAddress: 127.0.0.1:${o.httpPort}`,
  `AdminListenAddress: 127.0.0.1:${o.adminPort}`,
  `GeoipCityDatabase: ${join(geoipFixtures, 'GeoLite2-City-Test.mmdb')}`,
  `GeoipASNDatabase: ${join(geoipFixtures, 'GeoLite2-ASN-Test.mmdb')}`,
];
