// Runs a real server program for a test: refuses clearly when it is not installed, waits until its
// port accepts connections, and stops it (and removes its files) on demand.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, isAbsolute, join } from 'node:path';

/** What every test server start function returns. */
export interface RunningServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** The full path of `program` (absolute, or looked up on PATH), or an error naming the package to install. */
export const findProgram = (program: string, aptPackage: string): string => {
  const candidates = isAbsolute(program)
    ? [program]
    : [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'].filter(Boolean).map((d) => join(d, program));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error(`${program} is not installed; these tests need it (apt-get install ${aptPackage})`);
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

/** Waits for the child to exit, killing it harder if it takes too long. */
export const stopChild = async (child: ChildProcess, graceMs = 3000): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
};

/**
 * Starts `program args` and resolves once 127.0.0.1:`port` accepts connections. If the program exits
 * first, or the port stays closed for `readyMs`, rejects with what the program printed.
 */
export const startDaemon = async (
  name: string,
  program: string,
  args: string[],
  port: number,
  cleanup: () => void,
  readyMs = 10_000,
): Promise<ChildProcess> => {
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    if (output.length < 4000) output += chunk.toString('utf8');
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });
  const started = Date.now();
  for (;;) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      cleanup();
      const cause = spawnError ? spawnError.message : `exited with ${child.exitCode ?? child.signalCode}`;
      throw new Error(`${name} did not start (${cause}): ${output.trim() || 'no output'}`);
    }
    if (await canConnect(port)) return child;
    if (Date.now() - started > readyMs) {
      await stopChild(child);
      cleanup();
      throw new Error(`${name} did not accept connections on port ${port} within ${readyMs} ms: ${output.trim() || 'no output'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
