// The ceiling: a bare node:http server answering every request with the same 302, with as many processes as the
// daemon serves with (node:cluster), so that every throughput figure can be read as a share of what Node allows.
// Run directly: `node dist/bench/bare302.js PORT WORKERS`; it prints "ready" once every process listens.
import { spawn } from 'node:child_process';
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';

const LOCATION = 'http://mirror.example.org/x';

const serve = (port: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const server = createServer((_req, res) => {
      res.writeHead(302, { Location: LOCATION, 'Content-Length': '0' });
      res.end();
    });
    // The daemon's own listener settings.
    server.keepAliveTimeout = 5000;
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });

const main = async (port: number, workers: number): Promise<void> => {
  if (workers <= 1) {
    await serve(port);
    process.stdout.write('ready\n');
    return;
  }
  if (cluster.isPrimary) {
    let listening = 0;
    for (let i = 0; i < workers; i++) cluster.fork();
    cluster.on('listening', () => {
      if (++listening === workers) process.stdout.write('ready\n');
    });
    cluster.on('exit', (worker, code) => {
      process.stderr.write(`bare302 worker ${worker.process.pid} exited ${code}\n`);
      process.exit(1);
    });
    process.once('SIGTERM', () => {
      cluster.removeAllListeners('exit');
      for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
      process.exit(0);
    });
    return;
  }
  await serve(port);
};

export interface RunningBare302 {
  pid: number;
  stop(): Promise<void>;
}

/** Starts the ceiling server as a child process and resolves once it listens. */
export const startBare302 = (port: number, workers: number): Promise<RunningBare302> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), String(port), String(workers)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the bare 302 server did not start within 10 s: ${output}`));
    }, 10_000);
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (!output.includes('ready')) return;
      clearTimeout(timer);
      resolve({
        pid: child.pid!,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the bare 302 server exited ${code}: ${output.trim()}`));
    });
  });

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [port, workers] = process.argv.slice(2).map(Number);
  if (!Number.isInteger(port) || !Number.isInteger(workers)) {
    process.stderr.write('usage: node dist/bench/bare302.js PORT WORKERS\n');
    process.exit(2);
  }
  main(port!, workers!).catch((error: unknown) => {
    process.stderr.write(`bare302: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
