// A real rsync daemon serving one directory as a read-only module on loopback, optionally with a password.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findProgram, startDaemon, stopChild, type RunningServer } from './daemon.js';
import { freePort } from './net.js';
import { tempDir } from './paths.js';

export interface RsyncDaemonOptions {
  /** Module name; default `pub`. */
  module?: string;
  /** With a password: only this user may list the module. */
  user?: string;
  password?: string;
}

/** Serves `root` as `rsync://127.0.0.1:PORT/<module>/`. */
export const startRsyncDaemon = async (root: string, opts: RsyncDaemonOptions = {}): Promise<RunningServer> => {
  const rsync = findProgram('rsync', 'rsync');
  const module = opts.module ?? 'pub';
  const dir = tempDir('signpost-rsyncd-');
  const port = await freePort();
  const config = [
    'use chroot = no',
    `log file = ${join(dir.path, 'rsyncd.log')}`,
    // As root the daemon would switch to `nobody`, who cannot read a test's private temp directory.
    ...(process.getuid?.() === 0 ? ['uid = 0', 'gid = 0'] : []),
    `[${module}]`,
    `path = ${root}`,
    'read only = yes',
    'list = yes',
  ];
  if (opts.user !== undefined) {
    const secrets = join(dir.path, 'secrets');
    writeFileSync(secrets, `${opts.user}:${opts.password ?? ''}\n`, { mode: 0o600 });
    chmodSync(secrets, 0o600);
    config.push(`auth users = ${opts.user}`, `secrets file = ${secrets}`);
  }
  const configPath = join(dir.path, 'rsyncd.conf');
  writeFileSync(configPath, config.join('\n') + '\n');
  const child = await startDaemon(
    'rsync daemon',
    rsync,
    ['--daemon', '--no-detach', `--config=${configPath}`, `--port=${port}`, '--address=127.0.0.1'],
    port,
    dir.remove,
  );
  return {
    url: `rsync://127.0.0.1:${port}/${module}/`,
    port,
    stop: async () => {
      await stopChild(child);
      dir.remove();
    },
  };
};
