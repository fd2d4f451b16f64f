// Mirror scans against real servers on loopback: an rsync daemon, vsftpd, and HTTP servers with the
// directory pages of nginx, Apache and lighttpd; plus broken, hanging and hostile servers.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MirrorFile } from '../src/mirrors/mirror.js';
import { scanFtp } from '../src/scan/ftp.js';
import { scanHttp } from '../src/scan/http.js';
import { ScanError, type ScanResult } from '../src/scan/listing.js';
import { scanRsync } from '../src/scan/rsync.js';
import { scanMirror } from '../src/scan/scan.js';
import { findProgram, type RunningServer } from './support/daemon.js';
import { startFtpServer, startRawFtpServer } from './support/ftpd.js';
import { startIndexServer, startRawServer, type IndexStyle } from './support/httpd.js';
import { freePort } from './support/net.js';
import { tempDir } from './support/paths.js';
import { startRsyncDaemon } from './support/rsyncd.js';

const SIX_MONTHS_MS = 183 * 86_400_000;
// Whole seconds: every protocol can carry them.
const recent = Math.floor((Date.now() - 5 * 86_400_000) / 1000) * 1000 + 37_000;

/** The tree every server serves: nested directories, spaces, non-ASCII, `&` and `:`, old and recent times. */
const TREE: { path: string; size: number; mtimeMs: number }[] = [
  { path: '/a.txt', size: 6, mtimeMs: Date.parse('2024-06-07T12:00:03Z') },
  { path: '/big.bin', size: 3_000_000, mtimeMs: Date.parse('2025-01-02T03:04:05Z') },
  { path: '/empty.dat', size: 0, mtimeMs: Date.parse('2020-02-29T23:59:59Z') },
  { path: '/odd&name:1.txt', size: 5000, mtimeMs: recent },
  { path: '/sub dir/fé ile.txt', size: 2, mtimeMs: Date.parse('2023-03-04T05:06:07Z') },
  { path: '/sub dir/deeper/nested.iso', size: 1500, mtimeMs: recent - 3_600_000 },
  { path: '/sub dir/deeper/deepest/x', size: 973, mtimeMs: Date.parse('2026-01-01T00:00:00Z') },
];

const tree = tempDir('signpost-scan-tree-');
const buildTree = (): void => {
  for (const file of TREE) {
    const full = join(tree.path, file.path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, Buffer.alloc(file.size, 'x'));
    utimesSync(full, file.mtimeMs / 1000, file.mtimeMs / 1000);
  }
  // Not followed by rsync or FTP; an HTTP server serves it as a file.
  symlinkSync('a.txt', join(tree.path, 'link'));
  mkdirSync(join(tree.path, 'empty dir'));
};

const sorted = (files: MirrorFile[]): MirrorFile[] => [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
const truncate = (ms: number, precision: number): number => Math.floor(ms / precision) * precision;

/** The scan found exactly `expected`, with mtimes equal to the tree's at the precision it reports. */
const assertMatches = (result: ScanResult, expected: typeof TREE, precisionMs: number): void => {
  assert.equal(result.precisionMs, precisionMs);
  assert.deepEqual(
    sorted(result.files).map((f) => ({ ...f, mtimeMs: truncate(f.mtimeMs, precisionMs) })),
    sorted(expected.map((f) => ({ ...f, mtimeMs: truncate(f.mtimeMs, precisionMs) }))),
  );
};

const withLink = [...TREE, { path: '/link', size: 6, mtimeMs: Date.parse('2024-06-07T12:00:03Z') }];

const isScanError =
  (pattern: RegExp, kind: ScanError['kind'] = 'failed') =>
  (err: unknown): boolean => {
    assert.ok(err instanceof ScanError, `not a ScanError: ${String(err)}`);
    assert.match(err.message, pattern);
    assert.equal(err.kind, kind);
    return true;
  };

/** A TCP server that accepts connections and never says a word; reports each connection and its end. */
const startSilentServer = async (): Promise<{ port: number; connected: Promise<Socket>; stop: () => Promise<void> }> => {
  const sockets = new Set<Socket>();
  let resolveConnected: (s: Socket) => void = () => undefined;
  const connected = new Promise<Socket>((resolve) => (resolveConnected = resolve));
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.resume(); // read (and drop) what the client sends, so that its hang-up is seen
    resolveConnected(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    connected,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
};

before(buildTree);
after(() => tree.remove());

describe('rsync scans', { timeout: 60_000 }, () => {
  let daemon: RunningServer;
  let secured: RunningServer;
  before(async () => {
    daemon = await startRsyncDaemon(tree.path);
    secured = await startRsyncDaemon(tree.path, { module: 'private', user: 'signpost', password: 'pa55:w&rd' });
  });
  after(async () => {
    await daemon?.stop();
    await secured?.stop();
  });

  it('lists the tree with exact sizes and mtimes to the second', async () => {
    const progress: number[] = [];
    const result = await scanMirror(daemon.url, { onProgress: (n) => progress.push(n) });
    assert.equal(result.protocol, 'rsync');
    assertMatches(result, TREE, 1000);
    assert.equal(result.skipped, 0);
    assert.equal(result.partial, false);
    assert.equal(progress.at(-1), TREE.length);
  });

  it('lists below a path inside the module, relative to it', async () => {
    const result = await scanRsync(`${daemon.url}sub dir/`);
    assertMatches(
      result,
      TREE.filter((f) => f.path.startsWith('/sub dir/')).map((f) => ({ ...f, path: f.path.slice('/sub dir'.length) })),
      1000,
    );
  });

  it('authenticates with the password from the URL, passed in the environment only', async () => {
    const spy = tempDir('signpost-rsync-spy-');
    const realRsync = findProgram('rsync', 'rsync');
    writeFileSync(
      join(spy.path, 'rsync'),
      `#!/bin/sh\nprintf '%s\\n' "$@" > '${spy.path}/argv'\nenv > '${spy.path}/env'\nexec '${realRsync}' "$@"\n`,
    );
    chmodSync(join(spy.path, 'rsync'), 0o755);
    const savedPath = process.env.PATH;
    process.env.PATH = `${spy.path}:${savedPath ?? ''}`;
    try {
      const url = secured.url.replace('rsync://', 'rsync://signpost:pa55%3Aw%26rd@');
      const result = await scanRsync(url);
      assertMatches(result, TREE, 1000);
      const argv = readFileSync(join(spy.path, 'argv'), 'utf8');
      const env = readFileSync(join(spy.path, 'env'), 'utf8').split('\n');
      assert.ok(!argv.includes('pa55'), `password in argv: ${argv}`);
      assert.ok(!argv.includes('signpost@'), `user in argv: ${argv}`);
      assert.ok(argv.trimEnd().endsWith(secured.url), argv);
      assert.ok(env.includes('RSYNC_PASSWORD=pa55:w&rd'));
      assert.ok(env.includes('USER=signpost'));
      assert.ok(env.includes('TZ=UTC'));
      assert.ok(!env.some((line) => line.startsWith('HOME=')), 'environment inherited');
    } finally {
      process.env.PATH = savedPath;
      spy.remove();
    }
  });

  it('fails at once, without prompting, when the password is missing or wrong', async () => {
    await assert.rejects(scanRsync(secured.url), isScanError(/exit 5\): @ERROR: auth failed on module private/));
    const wrong = secured.url.replace('rsync://', 'rsync://signpost:not-it@');
    await assert.rejects(scanRsync(wrong), (err: unknown) => {
      isScanError(/^rsync:\/\/127\.0\.0\.1:\d+\/private\/: rsync: Error starting client-server protocol \(exit 5\)/)(err);
      assert.ok(!(err as Error).message.includes('not-it'));
      return true;
    });
  });

  it('names an unknown module', async () => {
    await assert.rejects(
      scanRsync(daemon.url.replace('/pub/', '/nope/')),
      isScanError(/Error starting client-server protocol \(exit 5\): @ERROR: Unknown module 'nope'/),
    );
  });

  it('reports a refused connection', async () => {
    const port = await freePort();
    await assert.rejects(scanRsync(`rsync://127.0.0.1:${port}/pub/`), isScanError(/Error in socket I\/O \(exit 10\).*Connection refused/));
  });

  it('refuses a listing larger than the cap', async () => {
    await assert.rejects(scanRsync(daemon.url, { maxFiles: 3 }), isScanError(/more than 3 files/));
  });

  it('kills rsync when the scan is aborted', async () => {
    const silent = await startSilentServer();
    try {
      const controller = new AbortController();
      const scan = scanRsync(`rsync://127.0.0.1:${silent.port}/pub/`, { signal: controller.signal });
      const socket = await silent.connected;
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      const started = Date.now();
      controller.abort();
      await assert.rejects(scan, isScanError(/scan aborted/, 'aborted'));
      await closed; // the rsync process is gone: its connection was closed
      assert.ok(Date.now() - started < 5000);
    } finally {
      await silent.stop();
    }
  });

  it('gives up at the deadline', async () => {
    const silent = await startSilentServer();
    try {
      await assert.rejects(
        scanRsync(`rsync://127.0.0.1:${silent.port}/pub/`, { timeoutMs: 300 }),
        isScanError(/scan timed out after 300 ms/, 'timeout'),
      );
    } finally {
      await silent.stop();
    }
  });

  describe('with an rsync program that misbehaves', () => {
    // Output no real daemon can be made to send: a stand-in `rsync` earlier on PATH prints it.
    const withFakeRsync = async (script: string, run: () => Promise<void>): Promise<void> => {
      const dir = tempDir('signpost-fake-rsync-');
      writeFileSync(join(dir.path, 'rsync'), `#!/bin/sh\n${script}\n`);
      chmodSync(join(dir.path, 'rsync'), 0o755);
      const savedPath = process.env.PATH;
      process.env.PATH = `${dir.path}:${savedPath ?? ''}`;
      try {
        await run();
      } finally {
        process.env.PATH = savedPath;
        dir.remove();
      }
    };

    it('counts hostile lines and keeps the good ones', async () => {
      const script = [
        "echo '-rw-r--r--          1,000 2024/06/07 12:00:03 good/one'",
        "echo '-rw-r--r--              6 2024/06/07 12:00:03 ../../etc/passwd'",
        "echo 'drwxr-xr-x          4,096 2024/06/07 12:00:03 good'",
        "printf 'garbage\\033[2J\\n'",
        "head -c 3000000 /dev/zero | tr '\\000' 'a'; echo", // a 3 MB line
        'head -c 200000 /dev/urandom | tr -d "\\n"; echo', // binary junk
        'i=0; while [ $i -lt 2000 ]; do echo "-rw-r--r--  $i 2024/06/07 12:00:03 many/f$i"; i=$((i+1)); done',
        "printf -- '-rw-r--r--              2 2024/06/07 12:00:03 last-without-newline'",
      ].join('\n');
      await withFakeRsync(script, async () => {
        const result = await scanRsync('rsync://mirror.example.org/pub/');
        assert.equal(result.files.length, 2002);
        assert.deepEqual(result.files[0], { path: '/good/one', size: 1000, mtimeMs: Date.parse('2024-06-07T12:00:03Z') });
        assert.equal(result.files.at(-1)?.path, '/last-without-newline');
        assert.equal(result.skipped, 4);
        assert.ok(result.skippedExamples.some((e) => e.startsWith('line longer than 8 KiB')));
        assert.ok(result.skippedExamples.some((e) => e.startsWith('unsafe path')));
        for (const e of result.skippedExamples) assert.ok(e.length <= 200);
      });
    });

    it('treats exit 23 as a partial listing, with the reason', async () => {
      const script = [
        "echo '-rw-r--r--              6 2024/06/07 12:00:03 readable'",
        `echo 'rsync: [sender] opendir "/secret" (in pub) failed: Permission denied (13)' >&2`,
        "echo 'rsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1865) [Receiver=3.2.7]' >&2",
        'exit 23',
      ].join('\n');
      await withFakeRsync(script, async () => {
        const result = await scanRsync('rsync://mirror.example.org/pub/');
        assert.equal(result.files.length, 1);
        assert.equal(result.partial, true);
        assert.ok(result.warnings.some((w) => w.includes('opendir "/secret"')), result.warnings.join('\n'));
      });
    });

    it('treats exit 24 (vanished files) as success', async () => {
      await withFakeRsync("echo '-rw-r--r--  6 2024/06/07 12:00:03 stays'; exit 24", async () => {
        const result = await scanRsync('rsync://mirror.example.org/pub/');
        assert.equal(result.files.length, 1);
        assert.equal(result.partial, false);
      });
    });

    it('explains other exit codes', async () => {
      await withFakeRsync("echo 'rsync error: timeout in data send/receive (code 30)' >&2; exit 30", async () => {
        await assert.rejects(
          scanRsync('rsync://u:secret@mirror.example.org/pub/'),
          isScanError(/^rsync:\/\/mirror\.example\.org\/pub\/: rsync: Timeout in data send\/receive \(exit 30\)$/),
        );
      });
      await withFakeRsync('exit 77', async () => {
        await assert.rejects(scanRsync('rsync://mirror.example.org/pub/'), isScanError(/rsync: exit status 77$/));
      });
    });

    it('says so when rsync is not installed', async () => {
      const empty = tempDir('signpost-no-rsync-');
      const savedPath = process.env.PATH;
      process.env.PATH = empty.path;
      try {
        await assert.rejects(scanRsync('rsync://mirror.example.org/pub/'), isScanError(/rsync is not installed/));
      } finally {
        process.env.PATH = savedPath;
        empty.remove();
      }
    });
  });
});

describe('FTP scans', { timeout: 60_000 }, () => {
  let ftpd: RunningServer;
  before(async () => {
    ftpd = await startFtpServer(tree.path);
  });
  after(async () => {
    await ftpd?.stop();
  });

  it('lists the tree from vsftpd, with MDTM for exact times', async () => {
    const result = await scanMirror(ftpd.url);
    assert.equal(result.protocol, 'ftp');
    assertMatches(result, TREE, 1000);
    assert.equal(result.skipped, 0);
    assert.equal(result.partial, false);
  });

  it('records LIST times to the minute, and day-only dates as unknown, past the MDTM limit', async () => {
    const result = await scanFtp(ftpd.url, { mdtmLimit: 0 });
    assert.equal(result.precisionMs, 60_000);
    const expected = TREE.map((f) => ({
      ...f,
      mtimeMs: Date.now() - f.mtimeMs < SIX_MONTHS_MS - 86_400_000 ? truncate(f.mtimeMs, 60_000) : 0,
    }));
    assert.deepEqual(sorted(result.files), sorted(expected));
    assert.ok(result.warnings.some((w) => w.includes('MDTM')));
  });

  it('lists below the URL path, relative to it', async () => {
    const result = await scanFtp(`${ftpd.url}sub%20dir/`);
    assertMatches(
      result,
      TREE.filter((f) => f.path.startsWith('/sub dir/')).map((f) => ({ ...f, path: f.path.slice('/sub dir'.length) })),
      1000,
    );
  });

  it('names a missing base directory', async () => {
    await assert.rejects(scanFtp(`${ftpd.url}nope/`), isScanError(/FTP 550 .*\(CWD \/nope\)/));
  });

  it('reports a refused connection', async () => {
    const port = await freePort();
    await assert.rejects(scanFtp(`ftp://127.0.0.1:${port}/`), isScanError(/ECONNREFUSED/));
  });

  it('gives up on a server that never answers', async () => {
    const silent = await startSilentServer();
    try {
      await assert.rejects(scanFtp(`ftp://127.0.0.1:${silent.port}/`, { requestTimeoutMs: 300 }), isScanError(/Timeout/i));
      await assert.rejects(scanFtp(`ftp://127.0.0.1:${silent.port}/`, { timeoutMs: 300 }), isScanError(/timed out after 300 ms/, 'timeout'));
    } finally {
      await silent.stop();
    }
  });

  it('stops when aborted', async () => {
    const silent = await startSilentServer();
    try {
      const controller = new AbortController();
      const scan = scanFtp(`ftp://127.0.0.1:${silent.port}/`, { signal: controller.signal });
      await silent.connected;
      controller.abort();
      await assert.rejects(scan, isScanError(/scan aborted/, 'aborted'));
    } finally {
      await silent.stop();
    }
  });

  it('survives a hostile listing: garbage, escapes, endless directories', async () => {
    const listing = [
      '-rw-r--r--    1 0        0            1234 Jan 02  2025 good.iso',
      'drwxr-xr-x    2 0        0            4096 Jan 02  2025 again',
      'lrwxrwxrwx    1 0        0               5 Jan 02  2025 up -> ..',
      '-rw-r--r--    1 0        0               6 Jan 02  2025 ..',
      '-rw-r--r--    1 0        0               6 Jan 02  2025 a/../../etc/passwd',
      '-rw-r--r--    1 0        0               6 Jan 02  2025 bell\u0007name',
      'total garbage \u001b[2J',
      'x'.repeat(50_000),
      '-rw-r--r--    1 0        0  99999999999999999999 Jan 02  2025 huge',
    ].join('\r\n');
    const raw = await startRawFtpServer(() => listing);
    try {
      const result = await scanFtp(raw.url);
      // one good file per level, 65 levels deep (the base and 64 below it), then the depth limit
      assert.equal(result.files.length, 65);
      assert.deepEqual(result.files[0], { path: '/good.iso', size: 1234, mtimeMs: 0 });
      assert.equal(result.partial, true);
      assert.ok(result.skipped >= 65 * 5);
      assert.ok(result.files.every((f) => !f.path.includes('..')));
    } finally {
      await raw.stop();
    }
  });

  it('logs in as anonymous, or with the percent-decoded credentials of the URL', async () => {
    const raw = await startRawFtpServer((dir) => (dir === '/' || dir === '/pub' ? '' : undefined));
    try {
      assert.deepEqual((await scanFtp(raw.url)).files, []);
      assert.ok(raw.commands.includes('USER anonymous'), raw.commands.join('\n'));
      raw.commands.length = 0;
      const url = raw.url.replace('ftp://', 'ftp://mirror%20user:p%40ss%3Aword@') + 'missing/';
      await assert.rejects(scanFtp(url), (err: unknown) => {
        isScanError(/^ftp:\/\/127\.0\.0\.1:\d+\/missing\/: FTP 550/)(err);
        assert.ok(!(err as Error).message.includes('p@ss'));
        return true;
      });
      assert.ok(raw.commands.includes('USER mirror user'), raw.commands.join('\n'));
      assert.ok(raw.commands.includes('PASS p@ss:word'), raw.commands.join('\n'));
    } finally {
      await raw.stop();
    }
  });

  it('reads exact times from an MLSD listing', async () => {
    const raw = await startRawFtpServer(
      (dir) =>
        dir === '/'
          ? 'type=file;size=10;modify=20240607120003; f.bin\r\ntype=dir;modify=20240607120003; d\r\n'
          : dir === '/d'
            ? 'type=file;size=20;modify=20250101000000.5; g.bin\r\n'
            : undefined,
      ['MLST type*;size*;modify*;', 'MDTM'],
    );
    try {
      const result = await scanFtp(raw.url);
      assert.equal(result.precisionMs, 1000);
      assert.deepEqual(sorted(result.files), [
        { path: '/d/g.bin', size: 20, mtimeMs: Date.parse('2025-01-01T00:00:00.500Z') },
        { path: '/f.bin', size: 10, mtimeMs: Date.parse('2024-06-07T12:00:03Z') },
      ]);
    } finally {
      await raw.stop();
    }
  });
});

describe('HTTP index scans', { timeout: 60_000 }, () => {
  const expectations: [IndexStyle, number][] = [
    ['nginx', 60_000], // exact sizes, times to the minute: no HEAD needed
    ['apache', 1000], // approximate sizes above 972 bytes: HEAD for every file gives exact sizes and seconds
    ['lighttpd', 1000],
  ];
  for (const [style, precision] of expectations) {
    it(`lists the tree from ${style}-style pages`, async () => {
      const server = await startIndexServer(tree.path, style);
      try {
        const result = await scanMirror(server.url);
        assert.equal(result.protocol, 'http');
        assertMatches(result, withLink, precision);
        assert.equal(result.skipped, 0, result.skippedExamples.join('\n'));
        assert.equal(result.partial, false);

        const sub = await scanHttp(`${server.url}sub%20dir/`);
        assertMatches(
          sub,
          TREE.filter((f) => f.path.startsWith('/sub dir/')).map((f) => ({ ...f, path: f.path.slice('/sub dir'.length) })),
          precision,
        );
      } finally {
        await server.stop();
      }
    });
  }

  it('leaves out approximate sizes it may not check, and says so', async () => {
    const server = await startIndexServer(tree.path, 'apache');
    try {
      const result = await scanHttp(server.url, { headLimit: 2 });
      // Apache prints exact sizes below 973 bytes only.
      assertMatches(result, withLink.filter((f) => f.size < 973), 60_000);
      assert.equal(result.partial, true);
      assert.equal(result.skipped, withLink.filter((f) => f.size >= 973).length);
      assert.ok(result.warnings[0]?.includes('HEAD'));
    } finally {
      await server.stop();
    }
  });

  it('names a missing base page', async () => {
    const server = await startIndexServer(tree.path, 'nginx');
    try {
      await assert.rejects(scanHttp(`${server.url}nope/`), isScanError(/nope\/: HTTP 404 Not Found$/));
    } finally {
      await server.stop();
    }
  });

  it('reports a refused connection', async () => {
    const port = await freePort();
    await assert.rejects(scanHttp(`http://127.0.0.1:${port}/pub/`), isScanError(/ECONNREFUSED/));
  });

  it('gives up on a server that hangs', async () => {
    const server = await startRawServer(() => undefined);
    try {
      await assert.rejects(scanHttp(server.url, { requestTimeoutMs: 300 }), isScanError(/no answer within 300 ms/));
      await assert.rejects(scanHttp(server.url, { timeoutMs: 300 }), isScanError(/scan timed out after 300 ms/, 'timeout'));
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      await assert.rejects(scanHttp(server.url, { signal: controller.signal }), isScanError(/scan aborted/, 'aborted'));
    } finally {
      await server.stop();
    }
  });

  describe('hostile servers', () => {
    const page = (body: string): string => `<html><body><pre>${body}</pre></body></html>`;
    const good = '<a href="ok.iso">ok.iso</a> 01-Jan-2026 10:00 42\n';

    const failures: [string, (path: string) => { status?: number; type?: string; headers?: Record<string, string>; body?: string | Buffer }, RegExp][] = [
      ['a giant index page', () => ({ body: page(good + 'x'.repeat(9 * 1024 * 1024)) }), /index page larger than 8388608 bytes/],
      ['garbage instead of an index', () => ({ body: Buffer.from('\u0000\u00ff garbage <<<>>> \n'.repeat(1000)) }), /no directory index entries/],
      ['a binary file at the base', () => ({ type: 'application/octet-stream', body: 'x' }), /not a directory index \(Content-Type application\/octet-stream\)/],
      ['a redirect to another host', () => ({ status: 302, headers: { Location: 'http://elsewhere.example/pub/' } }), /redirected to http:\/\/elsewhere\.example\/pub\/, outside/],
      ['a redirect loop', (p) => ({ status: 301, headers: { Location: p } }), /more than 5 redirects/],
      ['a server error', () => ({ status: 500, body: 'oops' }), /HTTP 500 Internal Server Error/],
    ];
    for (const [name, answer, message] of failures) {
      it(`fails clearly on ${name}`, async () => {
        const server = await startRawServer((req, res) => {
          const a = answer(req.url ?? '/');
          res.writeHead(a.status ?? 200, { 'Content-Type': a.type ?? 'text/html', ...a.headers });
          res.end(a.body);
        });
        try {
          await assert.rejects(scanHttp(server.url), isScanError(message));
        } finally {
          await server.stop();
        }
      });
    }

    it('follows redirects that stay below the base URL', async () => {
      const server = await startRawServer((req, res) => {
        const html = { 'Content-Type': 'text/html' };
        if (req.url === '/pub') return void res.writeHead(301, { Location: '/pub/' }).end();
        if (req.url === '/pub/') return void res.writeHead(200, html).end(page('<a href="old/">old/</a>\n'));
        if (req.url === '/pub/old/') return void res.writeHead(302, { Location: '/pub/new/index.html' }).end();
        if (req.url === '/pub/new/index.html') return void res.writeHead(200, html).end(page('<a href="a.txt">a.txt</a> 2026-01-01 10:00:05 3\n'));
        res.writeHead(404).end();
      });
      try {
        const result = await scanHttp(`${server.url}pub`);
        assert.deepEqual(result.files, [{ path: '/new/a.txt', size: 3, mtimeMs: Date.parse('2026-01-01T10:00:05Z') }]);
        assert.equal(result.precisionMs, 1000);
      } finally {
        await server.stop();
      }
    });

    it('keeps the children and skips or ignores everything else', async () => {
      const agents = new Set<string | undefined>();
      const server = await startRawServer((req, res) => {
        agents.add(req.headers['user-agent']);
        const path = req.url ?? '/';
        const body: Record<string, string> = {
          '/': page(
            good +
              '<a href="../">../</a>\n<a href="/">/</a>\n<a href="?C=N;O=D">Name</a>\n<a href="javascript:alert(1)">x</a>\n' +
              '<a href="http://evil.example/x.iso">x</a>\n<a href="%2e%2e/%2e%2e/etc/passwd">p</a>\n<a href="a%2Fb">s</a>\n' +
              '<a href="bad%ZZ">b</a>\n<a href="broken/">broken/</a>\n<a href="moved/">moved/</a>\n<a href="loop/">loop/</a>\n' +
              '<a href="deep/">deep/</a>\n<a href="approx.iso">approx.iso</a> 01-Jan-2026 10:00 1.2K\n<a href="gone.iso">gone.iso</a> 01-Jan-2026 10:00 5M\n' +
              '<a href="unterminated" ',
          ),
          '/moved/': page('<a href="inside.txt">inside.txt</a> 2026-01-01 10:00:05 7\n'),
        };
        if (path === '/moved/') return void res.writeHead(200, { 'Content-Type': 'text/html' }).end(body[path]);
        if (path === '/broken/') return void res.writeHead(500).end();
        if (path === '/moved') return void res.writeHead(301, { Location: '/moved/' }).end();
        if (path === '/loop/') return void res.writeHead(302, { Location: '/loop/' }).end();
        if (path.startsWith('/deep/')) return void res.writeHead(200, { 'Content-Type': 'text/html' }).end(page('<a href="deep/">deep/</a>\n'));
        if (path === '/approx.iso') return void res.writeHead(200, { 'Content-Length': '1234', 'Last-Modified': 'Thu, 01 Jan 2026 10:00:09 GMT' }).end();
        if (path === '/gone.iso') return void res.writeHead(404).end();
        if (body[path]) return void res.writeHead(200, { 'Content-Type': 'text/html' }).end(body[path]);
        res.writeHead(404).end();
      });
      try {
        const result = await scanHttp(server.url);
        assert.deepEqual(sorted(result.files), [
          { path: '/approx.iso', size: 1234, mtimeMs: Date.parse('2026-01-01T10:00:09Z') },
          { path: '/moved/inside.txt', size: 7, mtimeMs: Date.parse('2026-01-01T10:00:05Z') },
          { path: '/ok.iso', size: 42, mtimeMs: Date.parse('2026-01-01T10:00:00Z') },
        ]);
        assert.equal(result.precisionMs, 60_000);
        assert.equal(result.partial, true);
        const reasons = result.skippedExamples.join('\n');
        for (const reason of ['unsafe name', 'bad percent-encoding', 'HTTP 500', 'more than 5 redirects', 'deeper than 64 levels', 'HEAD answered HTTP 404: "/gone.iso"', 'HEAD answered HTTP 404: "/unterminated"']) {
          assert.ok(reasons.includes(reason), `${reason} missing from:\n${reasons}`);
        }
        assert.equal(result.skipped, 7);
        assert.deepEqual([...agents], ['Signpost-scanner']);
      } finally {
        await server.stop();
      }
    });
  });
});
