// A real vsftpd serving one directory to anonymous users on loopback, read-only; and a raw FTP server
// whose listings a test writes, for output vsftpd would never send.
//
// As root, vsftpd runs the normal way: each session is chrooted into the directory and runs as the
// `ftp` user, who must be able to read it, so the test's private temp directories are opened to
// others (search/read only). Not as root, vsftpd can neither chroot nor change user, so it runs with
// run_as_launching_user and can read whatever the test user can (it listens on loopback only).
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { findProgram, startDaemon, stopChild, type RunningServer } from './daemon.js';
import { freePort } from './net.js';
import { tempDir } from './paths.js';

const userExists = (name: string): boolean => {
  try {
    return readFileSync('/etc/passwd', 'utf8').split('\n').some((line) => line.startsWith(`${name}:`));
  } catch {
    return false;
  }
};

/** Lets other users reach `root` (read it, search its ancestors); only under the temp directory. */
const openToOthers = (root: string): void => {
  const tmp = resolve(tmpdir());
  let dir = resolve(root);
  let need = 0o005;
  for (;;) {
    const mode = statSync(dir).mode & 0o7777;
    if ((mode & need) !== need) {
      const rel = relative(tmp, dir);
      if (rel === '' || rel.startsWith('..')) {
        throw new Error(`vsftpd's ftp user cannot read ${root}: ${dir} is not readable by others`);
      }
      chmodSync(dir, mode | need);
    }
    const parent = dirname(dir);
    if (parent === dir) return;
    dir = parent;
    need = 0o001;
  }
};

/** Serves `root` as `ftp://127.0.0.1:PORT/` to anonymous users. */
export const startFtpServer = async (root: string): Promise<RunningServer> => {
  const vsftpd = findProgram('/usr/sbin/vsftpd', 'vsftpd');
  const dir = tempDir('signpost-vsftpd-');
  chmodSync(dir.path, 0o755);
  const empty = join(dir.path, 'empty');
  mkdirSync(empty, { mode: 0o555 });
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const config = [
    'listen=YES',
    'listen_ipv6=NO',
    'listen_address=127.0.0.1',
    `listen_port=${port}`,
    'background=NO',
    'anonymous_enable=YES',
    'local_enable=NO',
    'no_anon_password=YES',
    `anon_root=${root}`,
    'write_enable=NO',
    'anon_upload_enable=NO',
    'anon_mkdir_write_enable=NO',
    'dirlist_enable=YES',
    'download_enable=YES',
    // Passive ports are left to vsftpd, which picks a random free one and retries on a clash.
    'pasv_enable=YES',
    'port_enable=NO',
    'connect_from_port_20=NO',
    `secure_chroot_dir=${empty}`,
    'seccomp_sandbox=NO',
    'syslog_enable=NO',
    'xferlog_enable=NO',
    'use_localtime=NO',
    'idle_session_timeout=60',
    'data_connection_timeout=30',
  ];
  if (asRoot) {
    openToOthers(root);
    if (!userExists('ftp')) config.push(`ftp_username=${userExists('nobody') ? 'nobody' : 'root'}`);
  } else {
    config.push('run_as_launching_user=YES', 'allow_writeable_chroot=YES');
  }
  const configPath = join(dir.path, 'vsftpd.conf');
  writeFileSync(configPath, config.join('\n') + '\n', { mode: 0o600 });
  const child = await startDaemon('vsftpd', vsftpd, [configPath], port, dir.remove);
  return {
    url: `ftp://127.0.0.1:${port}/`,
    port,
    stop: async () => {
      await stopChild(child);
      dir.remove();
    },
  };
};

/**
 * A minimal FTP server speaking just enough of the protocol for a scanner (login, FEAT, CWD, PWD, EPSV,
 * PASV, LIST, MLSD), whose listings come from `listing(directory)` verbatim, however hostile. A directory
 * for which `listing` returns undefined does not exist (550). `commands` records what the client sent.
 */
export const startRawFtpServer = (
  listing: (directory: string) => string | undefined,
  features: string[] = ['MDTM'],
): Promise<RunningServer & { commands: string[] }> =>
  new Promise((resolveServer, reject) => {
    const sockets = new Set<Socket>();
    const commands: string[] = [];
    const server = createNetServer((control) => {
      sockets.add(control);
      control.on('close', () => sockets.delete(control));
      control.on('error', () => control.destroy());
      let cwd = '/';
      let data: Promise<Socket> | undefined;
      let buffered = '';
      const reply = (text: string): void => {
        if (!control.destroyed) control.write(text + '\r\n');
      };
      const openPassive = (): Promise<number> =>
        new Promise((resolvePort) => {
          const passive = createNetServer();
          data = new Promise((resolveData) => {
            passive.once('connection', (socket) => {
              sockets.add(socket);
              socket.on('close', () => sockets.delete(socket));
              passive.close();
              resolveData(socket);
            });
          });
          passive.listen(0, '127.0.0.1', () => {
            const address = passive.address();
            resolvePort(typeof address === 'object' && address ? address.port : 0);
          });
        });
      const handle = async (line: string): Promise<void> => {
        commands.push(line);
        const space = line.indexOf(' ');
        const command = (space < 0 ? line : line.slice(0, space)).toUpperCase();
        const arg = space < 0 ? '' : line.slice(space + 1);
        switch (command) {
          case 'USER':
            return reply('331 Any password will do.');
          case 'PASS':
            return reply('230 Logged in.');
          case 'FEAT':
            return reply(['211-Features:', ...features.map((f) => ' ' + f), '211 End'].join('\r\n'));
          case 'TYPE':
          case 'STRU':
          case 'OPTS':
            return reply('200 OK.');
          case 'PWD':
            return reply(`257 "${cwd}"`);
          case 'CWD': {
            const target = arg.startsWith('/') ? arg : (cwd === '/' ? '/' : cwd + '/') + arg;
            if (listing(target) === undefined) return reply('550 No such directory.');
            cwd = target;
            return reply('250 OK.');
          }
          case 'EPSV':
            return reply(`229 Entering Extended Passive Mode (|||${await openPassive()}|)`);
          case 'PASV': {
            const port = await openPassive();
            return reply(`227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 255})`);
          }
          case 'LIST':
          case 'MLSD': {
            const text = listing(cwd);
            if (text === undefined || data === undefined) return reply('550 Cannot list.');
            const socket = await data;
            data = undefined;
            reply('150 Here it comes.');
            socket.end(text, () => reply('226 Done.'));
            return;
          }
          case 'QUIT':
            reply('221 Bye.');
            control.end();
            return;
          default:
            return reply('502 Not implemented.');
        }
      };
      let queue = Promise.resolve();
      control.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          const line = buffered.slice(0, newline).replace(/\r$/, '');
          buffered = buffered.slice(newline + 1);
          queue = queue.then(() => handle(line));
          newline = buffered.indexOf('\n');
        }
      });
      reply('220 Raw test server.');
    });
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolveServer({
        url: `ftp://127.0.0.1:${port}/`,
        port,
        commands,
        stop: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
