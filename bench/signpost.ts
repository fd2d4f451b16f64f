// Runs the real `signpost daemon` for the benchmark as a child process, on a generated config, and a loopback stub
// that answers the mirrors' health checks (the generated mirrors have no real host behind them).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import type { Server } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root (dist/bench/ → ../..). */
export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const signpostBin = join(projectRoot, 'bin', 'signpost.js');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request, no redirect following; `body` is sent as JSON. */
export const httpRequest = (
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown; timeoutMs?: number } = {},
): Promise<HttpAnswer> =>
  new Promise((resolve, reject) => {
    const method = options.method ?? 'GET';
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers = { ...options.headers, ...(payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) }) };
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    const timeoutMs = options.timeoutMs ?? 60_000;
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer to ${method} ${path} within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end(payload);
  });

export const httpGet = (port: number, path: string, headers: Record<string, string> = {}): Promise<HttpAnswer> => httpRequest(port, path, { headers });

/** An admin API call that must succeed; returns the parsed JSON answer. */
export const adminCall = async <T>(adminPort: number, method: string, path: string, body?: unknown, timeoutMs = 60 * 60_000): Promise<T> => {
  const r = await httpRequest(adminPort, path, { method, body: body ?? {}, timeoutMs });
  if (r.status !== 200) throw new Error(`${method} ${path} answered ${r.status}: ${r.body.trim()}`);
  return JSON.parse(r.body) as T;
};

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** An rsync daemon serving `root` read-only as rsync://127.0.0.1:PORT/pub/ (a mirror to ingest from). */
export const startRsyncDaemon = async (root: string, dir: string): Promise<{ url: string; stop(): Promise<void> }> => {
  const port = await freePort();
  const config = join(dir, 'rsyncd.conf');
  writeFileSync(
    config,
    [
      'use chroot = no',
      `log file = ${join(dir, 'rsyncd.log')}`,
      `pid file = ${join(dir, 'rsyncd.pid')}`,
      // As root the daemon would switch to `nobody`, who may not read the dataset's directory.
      ...(process.getuid?.() === 0 ? ['uid = 0', 'gid = 0'] : []),
      '[pub]',
      `path = ${root}`,
      'read only = yes',
      '',
    ].join('\n'),
  );
  const child = spawn('rsync', ['--daemon', '--no-detach', `--config=${config}`, `--port=${port}`, '--address=127.0.0.1'], { stdio: 'ignore' });
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(new Error(`cannot run rsync (apt-get install rsync): ${error.message}`)));
    child.once('exit', (code) => reject(new Error(`the rsync daemon exited ${code}`)));
  });
  failed.catch(() => undefined);
  const until = Date.now() + 10_000;
  while (!(await Promise.race([canConnect(port), failed]))) {
    if (Date.now() > until) throw new Error('the rsync daemon did not listen within 10 s');
    await sleep(50);
  }
  return {
    url: `rsync://127.0.0.1:${port}/pub/`,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
};

/**
 * Answers every request with 200 and no Content-Length, then closes: a health check (HEAD of a file the mirror
 * holds) passes without the stub knowing the file's size.
 */
export const startMirrorStub = (): Promise<{ base: string; stop(): Promise<void> }> =>
  new Promise((resolve, reject) => {
    const server: Server = createServer((socket) => {
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n'));
      socket.on('error', () => undefined);
    });
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ base: `http://127.0.0.1:${port}/`, stop: () => new Promise((done) => server.close(() => done())) });
    });
  });

export interface DaemonConfig {
  dir: string;
  repository: string;
  databasePath: string;
  port: number;
  adminPort: number;
  workers: number;
}

/** Writes the daemon's config: background work pushed out of the measurement, everything else at its default. */
export const writeConfig = (c: DaemonConfig): string => {
  const file = join(c.dir, 'signpost.yaml');
  writeFileSync(
    file,
    [
      '# Generated by bench/signpost.ts.',
      `Repository: ${JSON.stringify(c.repository)}`,
      `DatabasePath: ${JSON.stringify(c.databasePath)}`,
      `ListenAddress: 127.0.0.1:${c.port}`,
      `AdminListenAddress: 127.0.0.1:${c.adminPort}`,
      // The startup refresh still runs (and is part of "ready"); no further rescans during the measurement.
      'RepositoryScanInterval: 0',
      // One round of health checks at start (answered by the stub), none during the measurement.
      'CheckInterval: 1h',
      'ContentCheckInterval: 0',
      'ScanInterval: 24h',
      `Workers: ${c.workers}`,
      '',
    ].join('\n'),
  );
  return file;
};

/** The daemon's last log lines, without the native stack frames V8 prints after a fatal error (they hide its cause). */
const lastLines = (output: string): string =>
  output
    .trim()
    .split('\n')
    .filter((line) => !/^\s*\d+: 0x[0-9a-f]+ /.test(line) && line.trim() !== '')
    .slice(-15)
    .join('\n');

export interface RunningDaemon {
  child: ChildProcess;
  pid: number;
  /** From spawn to /readyz 200, ms. */
  startMs: number;
  output(): string;
  /** Wall-clock time of the spawn (Unix ms), to compare with the daemon's log time stamps. */
  spawnedAt: number;
  /** Resolves with the first logged line matching `pattern`; rejects after `ms` or if the daemon exits. */
  waitForLog(pattern: RegExp, ms: number): Promise<string>;
  /** SIGTERM, then waits for the exit (SIGKILL after `ms`); resolves with the exit code. */
  stop(ms?: number): Promise<number | null>;
}

/** Starts `signpost daemon --config FILE` (with extra Node flags or environment) and waits for /readyz 200. */
export const startDaemon = async (config: string, adminPort: number, options: { nodeArgs?: string[]; env?: Record<string, string>; readyTimeoutMs?: number; onSpawn?: (pid: number) => void } = {}): Promise<RunningDaemon> => {
  const started = performance.now();
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), signpostBin, 'daemon', '--config', config], {
    cwd: projectRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  options.onSpawn?.(child.pid!);
  let output = '';
  // Kept short: a daemon that logs a line per check must not fill the harness's memory.
  const keep = (d: Buffer): void => {
    output += d.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const waitForLog = async (pattern: RegExp, ms: number): Promise<string> => {
    const until = performance.now() + ms;
    for (;;) {
      const line = output.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) return line;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the daemon exited before it logged ${pattern}`);
      if (performance.now() > until) throw new Error(`the daemon did not log ${pattern} within ${ms} ms`);
      await sleep(100);
    }
  };
  const stop = async (ms = 60_000): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    await exited;
    clearTimeout(timer);
    return child.exitCode;
  };
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`signpost daemon exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${lastLines(output)}`);
    }
    try {
      const r = await httpRequest(adminPort, '/readyz', { timeoutMs: 5000 });
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > readyTimeoutMs) {
      await stop(5000);
      throw new Error(`signpost daemon not ready after ${readyTimeoutMs} ms:\n${lastLines(output)}`);
    }
    await sleep(50);
  }
  return { child, pid: child.pid!, startMs: Math.round(performance.now() - started), output: () => output, spawnedAt, waitForLog, stop };
};
