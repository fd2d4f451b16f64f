// Scans a mirror by running the `rsync` program in list-only mode and parsing its output as it streams.
// Credentials travel in the environment, never on the command line (visible to every local user).
import { spawn } from 'node:child_process';
import {
  DEFAULT_MAX_FILES,
  ScanError,
  FileCollector,
  SkipLog,
  addWarning,
  redactURL,
  reportProgress,
  scanDeadline,
  stoppedError,
  type ScanOptions,
  type ScanResult,
} from './listing.js';
import { MAX_RSYNC_LINE, parseRsyncLine } from './rsync-listing.js';

export interface RsyncCommand {
  program: string;
  args: string[];
  env: Record<string, string>;
}

const PROGRESS_EVERY = 1000;
const KILL_GRACE_MS = 2000;
const MAX_STDERR_LINES = 20;

// eslint-disable-next-line no-control-regex
const UNSAFE_URL = /[\u0000-\u001f\u007f]/;

/**
 * The command that lists `url`. The URL is passed on as written (rsync does not percent-decode paths)
 * minus its `user:password@`; user and password go to USER and RSYNC_PASSWORD. RSYNC_PASSWORD is set even
 * when empty so that a module that wants a password fails at once instead of prompting on a terminal.
 */
export const rsyncCommand = (url: string): RsyncCommand => {
  const match = /^rsync:\/\/([^/]*)(\/.*)?$/i.exec(url);
  if (!match || UNSAFE_URL.test(url)) {
    throw new ScanError(url, 'not an rsync URL (expected rsync://host[:port]/module/path/, without control characters)');
  }
  const authority = match[1] ?? '';
  const path = match[2] ?? '/';
  const at = authority.lastIndexOf('@');
  const hostPort = at < 0 ? authority : authority.slice(at + 1);
  const userInfo = at < 0 ? '' : authority.slice(0, at);
  const colon = userInfo.indexOf(':');
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const user = decode(colon < 0 ? userInfo : userInfo.slice(0, colon));
  const password = decode(colon < 0 ? '' : userInfo.slice(colon + 1));
  if (hostPort === '' || hostPort.startsWith('-')) throw new ScanError(url, 'rsync URL has no host');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    TZ: 'UTC',
    RSYNC_PASSWORD: password,
  };
  if (user !== '') env.USER = user;
  return {
    program: 'rsync',
    args: [
      '-r',
      '--no-motd',
      '--list-only',
      '--exclude=.~tmp~/',
      '--timeout=30',
      '--contimeout=30',
      `rsync://${hostPort}${path}`,
    ],
    env,
  };
};

const EXIT_MEANINGS: Record<number, string> = {
  1: 'rsync: Syntax or usage error',
  2: 'rsync: Protocol incompatibility',
  5: 'rsync: Error starting client-server protocol',
  10: 'rsync: Error in socket I/O',
  11: 'rsync: Error in file I/O',
  12: 'rsync: Error in rsync protocol data stream',
  20: 'rsync: Received SIGUSR1 or SIGINT',
  30: 'rsync: Timeout in data send/receive',
  35: 'rsync: Timeout waiting for daemon connection',
};

/** The stderr line that best explains a failure, without rsync's `[Receiver]` decoration. */
const explanation = (stderr: string[]): string | undefined => {
  const useful = stderr.filter((l) => l.trim() !== '' && !/^rsync error: .*\(code \d+\)/.test(l));
  const line = useful.find((l) => l.startsWith('@ERROR')) ?? useful[0];
  return line?.replace(/^rsync: \[\w+\] /, '').replace(/^rsync: /, '').trim();
};

/** Lists a mirror over rsync. Exit 23 (some directories unreadable) succeeds with `partial`; 24 (files vanished) succeeds. */
export const scanRsync = async (url: string, opts: ScanOptions = {}): Promise<ScanResult> => {
  const command = rsyncCommand(url);
  const shown = redactURL(url);
  const maxFiles = opts.maxFiles ?? DEFAULT_MAX_FILES;
  const deadline = scanDeadline(opts);
  if (deadline.signal.aborted) {
    deadline.dispose();
    throw stoppedError(shown, deadline.failure() ?? 'aborted', opts);
  }

  const files = new FileCollector(opts.onFile);
  const skips = new SkipLog();
  const stderr: string[] = [];
  let tooMany = false;

  const handleLine = (bytes: Buffer): void => {
    const line = bytes.toString('utf8');
    const parsed = parseRsyncLine(line);
    if (parsed.kind === 'skipped') skips.add(parsed.reason, line);
    if (parsed.kind !== 'file') return;
    files.add(parsed.file);
    if (files.count % PROGRESS_EVERY === 0) reportProgress(opts, files.count);
  };

  return new Promise<ScanResult>((resolve, reject) => {
    const child = spawn(command.program, command.args, {
      env: command.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let spawnError: NodeJS.ErrnoException | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    };
    deadline.signal.addEventListener('abort', stop, { once: true });

    // Lines are cut from the byte stream so that a line never grows past the cap, whatever the daemon sends.
    let pending: Buffer[] = [];
    let pendingLength = 0;
    let overlong: Buffer | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      let start = 0;
      while (start < chunk.length && !tooMany) {
        const newline = chunk.indexOf(10, start);
        const end = newline < 0 ? chunk.length : newline;
        const piece = chunk.subarray(start, end);
        if (overlong === undefined && pendingLength + piece.length > MAX_RSYNC_LINE) {
          overlong = Buffer.concat([...pending, piece]).subarray(0, 200);
          pending = [];
          pendingLength = 0;
        } else if (overlong === undefined) {
          pending.push(piece);
          pendingLength += piece.length;
        }
        if (newline < 0) break;
        if (overlong !== undefined) {
          skips.add('line longer than 8 KiB', overlong.toString('utf8'));
          overlong = undefined;
        } else {
          handleLine(pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending));
        }
        pending = [];
        pendingLength = 0;
        start = newline + 1;
        if (files.count > maxFiles) {
          tooMany = true;
          stop();
        }
      }
    });
    let stderrTail = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length >= MAX_STDERR_LINES) return;
      const lines = (stderrTail + chunk.toString('utf8')).split('\n');
      stderrTail = (lines.pop() ?? '').slice(0, 1000);
      for (const line of lines) if (stderr.length < MAX_STDERR_LINES) stderr.push(line.slice(0, 300));
    });

    child.on('error', (err: NodeJS.ErrnoException) => {
      spawnError ??= err;
    });
    child.on('close', (code, signal) => {
      if (killTimer) clearTimeout(killTimer);
      deadline.signal.removeEventListener('abort', stop);
      const failure = deadline.failure();
      deadline.dispose();
      if (stderrTail !== '' && stderr.length < MAX_STDERR_LINES) stderr.push(stderrTail.slice(0, 300));
      if (pending.length > 0 && !tooMany) handleLine(Buffer.concat(pending));
      if (spawnError) {
        reject(
          new ScanError(
            shown,
            spawnError.code === 'ENOENT'
              ? 'rsync is not installed (no `rsync` program on PATH)'
              : `cannot run rsync: ${spawnError.message}`,
          ),
        );
        return;
      }
      if (failure) {
        reject(stoppedError(shown, failure, opts));
        return;
      }
      if (tooMany) {
        reject(new ScanError(shown, `listing has more than ${maxFiles} files; scan refused`));
        return;
      }
      const result: ScanResult = {
        protocol: 'rsync',
        files: files.files,
        listed: files.count,
        precisionMs: 1000,
        skipped: skips.count,
        skippedExamples: skips.examples,
        partial: false,
        warnings: [],
      };
      const detail = explanation(stderr);
      if (code === 0) {
        reportProgress(opts, files.count);
        resolve(result);
      } else if (code === 23) {
        result.partial = true;
        addWarning(result.warnings, `rsync: some files or directories could not be listed (exit 23)`);
        for (const line of stderr.filter((l) => /^rsync: /.test(l))) addWarning(result.warnings, line);
        reportProgress(opts, files.count);
        resolve(result);
      } else if (code === 24) {
        addWarning(result.warnings, 'rsync: some files vanished while they were being listed (exit 24)');
        reportProgress(opts, files.count);
        resolve(result);
      } else {
        const known = code === null ? undefined : EXIT_MEANINGS[code];
        const meaning =
          code === null
            ? `rsync: killed by ${signal ?? 'a signal'}`
            : known
              ? `${known} (exit ${code})`
              : `rsync: exit status ${code}`;
        reject(new ScanError(shown, detail ? `${meaning}: ${detail}` : meaning));
      }
    });
  });
};
