// Health probes against real loopback servers: plain HTTP answers of every kind, stalls, refused ports,
// HTTPS with an untrusted and a trusted self-signed certificate (made with openssl at test time).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { exists, fetchRange, fetchTrace, probeFile, type ProbeOptions, type ProbeResult } from '../src/health/probe.js';
import { findProgram } from './support/daemon.js';
import { freePort } from './support/net.js';
import { projectRoot, tempDir } from './support/paths.js';

const DATA = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 7 + 3) % 256));
const TRACE_TIME = 1_700_000_000;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const rangeOf = (req: IncomingMessage): [number, number] | undefined => {
  const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
  return m === null ? undefined : [Number(m[1]), Number(m[2])];
};

/** Serves DATA honouring Range, as nginx does (206, or 416 when the range starts past the end). */
const serveData: Handler = (req, res) => {
  const range = rangeOf(req);
  if (range === undefined) {
    res.writeHead(200, { 'Content-Length': DATA.length });
    return res.end(req.method === 'HEAD' ? undefined : DATA);
  }
  const [start, askedEnd] = range;
  if (start >= DATA.length) {
    res.writeHead(416, { 'Content-Range': `bytes */${DATA.length}` });
    return res.end();
  }
  const end = Math.min(askedEnd, DATA.length - 1);
  res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${DATA.length}`, 'Content-Length': end - start + 1 });
  res.end(req.method === 'HEAD' ? undefined : DATA.subarray(start, end + 1));
};

const status =
  (code: number, headers: Record<string, string | number> = {}): Handler =>
  (_req, res) => {
    res.writeHead(code, headers);
    res.end();
  };

const refuseHead =
  (code: number, get: Handler): Handler =>
  (req, res) =>
    req.method === 'HEAD' ? status(code)(req, res) : get(req, res);

const body =
  (content: string | Buffer, code = 200): Handler =>
  (_req, res) => {
    res.writeHead(code, { 'Content-Length': Buffer.byteLength(content) });
    res.end(content);
  };

const seen: { method: string; path: string; range?: string; ua?: string }[] = [];
let port = 0;
let otherPort = 0;
let closedPort = 0;
let base = '';
let server: Server;
let other: Server;

const routes: Record<string, Handler> = {
  '/file.iso': status(200, { 'Content-Length': 10 }),
  '/wrong.iso': status(200, { 'Content-Length': 12 }),
  '/chunked': status(200, { 'Transfer-Encoding': 'chunked' }),
  '/nohead': refuseHead(405, status(206, { 'Content-Range': 'bytes 0-0/10', 'Content-Length': 1 })),
  '/nohead-full': refuseHead(501, body('0123456789')),
  '/nohead-wrong': refuseHead(405, status(206, { 'Content-Range': 'bytes 0-0/11', 'Content-Length': 1 })),
  '/gone404': status(404),
  '/gone410': status(410),
  '/error500': status(500),
  '/busy503': status(503),
  '/redirect': (_req, res) => status(302, { Location: `http://127.0.0.1:${otherPort}/file.iso` })(_req, res),
  '/loop-a': status(302, { Location: '/loop-b' }),
  '/loop-b': status(301, { Location: '/loop-a' }),
  '/dir/relative': status(307, { Location: '../file.iso' }),
  '/no-location': status(302),
  '/stall': () => undefined,
  '/stall-body': refuseHead(405, (_req, res) => {
    res.writeHead(206, { 'Content-Range': 'bytes 0-0/10', 'Content-Length': 1 });
    res.flushHeaders();
  }),
  '/trace': body(`${TRACE_TIME}\n`),
  '/trace-garbage': body('<html><body>Welcome to our mirror</body></html>'),
  '/trace-debian': body('Sat Nov 21 22:00:01 UTC 2026\nUsed ftpsync version: 20180513\nRunning on host: mirror.example\n'),
  '/trace-huge': body(Buffer.concat([Buffer.from(`${TRACE_TIME}\n`), Buffer.alloc(8 * 1024 * 1024, 'x')])),
  '/trace-huge-garbage': body(Buffer.alloc(8 * 1024 * 1024, 'y')),
  '/data': serveData,
  '/data-norange': (_req, res) => body(DATA)(_req, res),
  '/data-wrongrange': (_req, res) => {
    res.writeHead(206, { 'Content-Range': 'bytes 0-4/64', 'Content-Length': 5 });
    res.end(DATA.subarray(0, 5));
  },
  '/data-stall': (_req, res) => {
    res.writeHead(206, { 'Content-Range': 'bytes 5-9/64', 'Content-Length': 5 });
    res.write(DATA.subarray(5, 7));
  },
};

const handle: Handler = (req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  seen.push({ method: req.method ?? '', path, range: req.headers.range, ua: req.headers['user-agent'] });
  const chain = /^\/chain\/(\d+)$/.exec(path);
  if (chain !== null) return status(302, { Location: `/chain/${Number(chain[1]) + 1}` })(req, res);
  (routes[path] ?? status(404))(req, res);
};

const listen = async (s: Server | ReturnType<typeof createNetServer>): Promise<number> => {
  const p = await freePort();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(p, '127.0.0.1', () => resolve());
  });
  return p;
};

const closeServer = (s: Server): Promise<void> =>
  new Promise((resolve) => {
    s.closeAllConnections();
    s.close(() => resolve());
  });

const connections = (s: Server | ReturnType<typeof createNetServer>): Promise<number> =>
  new Promise((resolve, reject) => s.getConnections((err, n) => (err ? reject(err) : resolve(n))));

/** Waits for the client side to have closed every socket it opened to `s`. */
const assertNoConnections = async (s: Server | ReturnType<typeof createNetServer>): Promise<void> => {
  for (let i = 0; i < 50 && (await connections(s)) > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(await connections(s), 0, 'the probe left a connection open');
};

const opts = (extra: Partial<ProbeOptions> = {}): ProbeOptions => ({ timeoutMs: 2000, allowRedirects: true, ...extra });

/** ProbeResult without its duration, for exact comparison. */
const outcome = ({ durationMs, ...rest }: ProbeResult): Omit<ProbeResult, 'durationMs'> => {
  assert.ok(Number.isInteger(durationMs) && durationMs >= 0);
  return rest;
};

before(async () => {
  server = createServer(handle);
  other = createServer(handle);
  port = await listen(server);
  otherPort = await listen(other);
  closedPort = await freePort();
  base = `http://127.0.0.1:${port}`;
});

after(async () => {
  await closeServer(server);
  await closeServer(other);
});

afterEach(async () => {
  await assertNoConnections(server);
  await assertNoConnections(other);
});

describe('probeFile over HTTP', () => {
  const cases: { name: string; path: string; size?: number; allowRedirects?: boolean; want: Omit<ProbeResult, 'durationMs'> }[] = [
    { name: '200 with the right size', path: '/file.iso', want: { ok: true, reason: '', status: 200 } },
    {
      name: 'wrong Content-Length',
      path: '/wrong.iso',
      want: { ok: false, reason: 'Content-Length mismatch (got 12, expected 10)', failure: 'size', status: 200 },
    },
    { name: 'chunked, no length', path: '/chunked', want: { ok: true, reason: '', status: 200 } },
    { name: 'HEAD refused (405), ranged GET answers 206', path: '/nohead', want: { ok: true, reason: '', status: 206 } },
    { name: 'HEAD refused (501), GET ignores Range', path: '/nohead-full', want: { ok: true, reason: '', status: 200 } },
    {
      name: 'HEAD refused, 206 announces another size',
      path: '/nohead-wrong',
      want: { ok: false, reason: 'Content-Length mismatch (got 11, expected 10)', failure: 'size', status: 206 },
    },
    {
      name: '404',
      path: '/gone404',
      want: { ok: false, reason: 'File not found /gone404 (error 404)', failure: 'missing', status: 404 },
    },
    {
      name: '410',
      path: '/gone410',
      want: { ok: false, reason: 'File not found /gone410 (error 410)', failure: 'missing', status: 410 },
    },
    { name: '500', path: '/error500', want: { ok: false, reason: 'Got status code 500', failure: 'status', status: 500 } },
    { name: '503', path: '/busy503', want: { ok: false, reason: 'Got status code 503', failure: 'status', status: 503 } },
    { name: 'redirect allowed, followed to a 200', path: '/redirect', want: { ok: true, reason: '', status: 200 } },
    { name: 'relative redirect', path: '/dir/relative', want: { ok: true, reason: '', status: 200 } },
    {
      name: 'redirect loop',
      path: '/loop-a',
      want: { ok: false, reason: 'Too many redirects', failure: 'redirect', status: 301 },
    },
    {
      name: 'endless redirect chain',
      path: '/chain/0',
      want: { ok: false, reason: 'Too many redirects', failure: 'redirect', status: 302 },
    },
    {
      name: '3xx without Location',
      path: '/no-location',
      want: { ok: false, reason: 'Got status code 302', failure: 'status', status: 302 },
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const result = await probeFile(`${base}${c.path}`, c.size ?? 10, opts({ allowRedirects: c.allowRedirects ?? true }));
      assert.deepEqual(outcome(result), c.want);
    });
  }

  test('a forbidden redirect names the host it points to', async () => {
    const result = await probeFile(`${base}/redirect`, 10, opts({ allowRedirects: false }));
    assert.deepEqual(outcome(result), {
      ok: false,
      reason: `Unauthorized redirect to 127.0.0.1:${otherPort}`,
      failure: 'redirect',
      status: 302,
    });
  });

  test('requests: HEAD with the health-check User-Agent, then GET with a one-byte Range when HEAD is refused', async () => {
    seen.length = 0;
    await probeFile(`${base}/nohead`, 10, opts());
    assert.deepEqual(seen, [
      { method: 'HEAD', path: '/nohead', range: undefined, ua: 'Signpost-healthcheck' },
      { method: 'GET', path: '/nohead', range: 'bytes=0-0', ua: 'Signpost-healthcheck' },
    ]);
  });

  test('a redirect chain is followed for five hops, then given up', async () => {
    seen.length = 0;
    await probeFile(`${base}/chain/0`, 10, opts());
    assert.deepEqual(
      seen.map((s) => s.path),
      ['/chain/0', '/chain/1', '/chain/2', '/chain/3', '/chain/4', '/chain/5'],
    );
  });

  test('connection refused', async () => {
    const result = await probeFile(`http://127.0.0.1:${closedPort}/file.iso`, 10, opts());
    assert.deepEqual(outcome(result), { ok: false, reason: 'Unreachable (ECONNREFUSED)', failure: 'unreachable' });
  });

  test('a server that accepts and never answers: timeout at timeoutMs', async () => {
    const result = await probeFile(`${base}/stall`, 10, opts({ timeoutMs: 300 }));
    assert.deepEqual(outcome(result), { ok: false, reason: 'Timeout after 300ms', failure: 'timeout' });
    assert.ok(result.durationMs >= 290 && result.durationMs < 1000, `took ${result.durationMs} ms`);
  });

  test('headers then a stalled body on the ranged GET: the headers decide', async () => {
    const result = await probeFile(`${base}/stall-body`, 10, opts({ timeoutMs: 1000 }));
    // Reading the body would have ended in a timeout after 1 s.
    assert.deepEqual(outcome(result), { ok: true, reason: '', status: 206 });
  });

  test('abort through the signal', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await probeFile(`${base}/stall`, 10, opts({ signal: controller.signal }));
    assert.deepEqual(outcome(result), { ok: false, reason: 'Aborted', failure: 'aborted' });
    assert.ok(result.durationMs >= 90 && result.durationMs < 1000, `took ${result.durationMs} ms`);
  });

  test('a signal aborted beforehand makes no request', async () => {
    seen.length = 0;
    const result = await probeFile(`${base}/file.iso`, 10, opts({ signal: AbortSignal.abort() }));
    assert.deepEqual(outcome(result), { ok: false, reason: 'Aborted', failure: 'aborted' });
    assert.deepEqual(seen, []);
  });

  test('not a URL', async () => {
    const result = await probeFile('mirror.example/file.iso', 10, opts());
    assert.deepEqual(outcome(result), { ok: false, reason: 'Invalid URL mirror.example/file.iso', failure: 'unreachable' });
  });
});

describe('probeFile over HTTPS', () => {
  let dir: ReturnType<typeof tempDir>;
  let cert: Buffer;
  let key: Buffer;
  let certPath: string;
  let httpsServer: Server;
  let silent: ReturnType<typeof createNetServer>;
  const silentSockets = new Set<Socket>();
  let httpsBase = '';
  let silentPort = 0;

  before(async () => {
    const openssl = findProgram('openssl', 'openssl');
    dir = tempDir('signpost-probe-');
    certPath = join(dir.path, 'cert.pem');
    const keyPath = join(dir.path, 'key.pem');
    execFileSync(openssl, [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-addext', 'basicConstraints=critical,CA:TRUE',
    ], { stdio: 'pipe' });
    cert = readFileSync(certPath);
    key = readFileSync(keyPath);
    httpsServer = createHttpsServer({ cert, key }, handle);
    httpsBase = `https://127.0.0.1:${await listen(httpsServer)}`;
    silent = createNetServer((socket) => {
      silentSockets.add(socket);
      // Reading (and dropping) what arrives is what lets the socket see the client hang up.
      socket.resume();
      socket.on('close', () => silentSockets.delete(socket));
    });
    silentPort = await listen(silent);
  });

  after(async () => {
    await closeServer(httpsServer);
    for (const socket of silentSockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    dir.remove();
  });

  afterEach(async () => {
    await assertNoConnections(httpsServer);
    await assertNoConnections(silent);
  });

  test('an untrusted self-signed certificate is a TLS failure', async () => {
    const result = await probeFile(`${httpsBase}/file.iso`, 10, opts());
    assert.deepEqual(outcome(result), { ok: false, reason: 'TLS error: DEPTH_ZERO_SELF_SIGNED_CERT', failure: 'tls' });
  });

  test('a handshake that never completes is a connect timeout', async () => {
    const result = await probeFile(`https://127.0.0.1:${silentPort}/file.iso`, 10, opts({ connectTimeoutMs: 200 }));
    assert.deepEqual(outcome(result), { ok: false, reason: 'Timeout after 200ms (connecting)', failure: 'timeout' });
    assert.ok(result.durationMs >= 190 && result.durationMs < 1000, `took ${result.durationMs} ms`);
  });

  test('plain HTTP answered on an HTTPS port is a TLS failure', async () => {
    const result = await probeFile(`https://127.0.0.1:${port}/file.iso`, 10, opts());
    assert.equal(result.failure, 'tls');
    assert.match(result.reason, /^TLS error: /);
  });

  test('a trusted certificate (NODE_EXTRA_CA_CERTS, in a child process) passes', async () => {
    // The CA store is read once at start-up, so trust has to be set in a fresh process.
    const typescript = import.meta.url.endsWith('.ts');
    const moduleURL = new URL(`../src/health/probe.${typescript ? 'ts' : 'js'}`, import.meta.url).href;
    const script = join(dir.path, 'probe.mjs');
    writeFileSync(
      script,
      `const { probeFile } = await import(${JSON.stringify(moduleURL)});\n` +
        `const url = ${JSON.stringify(`${httpsBase}/file.iso`)};\n` +
        `const r = await probeFile(url, 10, { timeoutMs: 3000, allowRedirects: true });\n` +
        `process.stdout.write(JSON.stringify(r));\n`,
    );
    const child = spawn(process.execPath, [...(typescript ? ['--import', 'tsx'] : []), script], {
      cwd: projectRoot,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: certPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    assert.equal(code, 0, stderr);
    assert.deepEqual(outcome(JSON.parse(stdout) as ProbeResult), { ok: true, reason: '', status: 200 });
  });
});

describe('fetchTrace', () => {
  const cases: { name: string; path: string; want: { time: number } | { error: string } }[] = [
    { name: 'a Unix time', path: '/trace', want: { time: TRACE_TIME * 1000 } },
    { name: '404', path: '/nothing', want: { error: 'no trace file (error 404)' } },
    { name: 'not a time', path: '/trace-garbage', want: { error: 'trace file is not a timestamp' } },
    { name: "Debian's date form", path: '/trace-debian', want: { time: Date.UTC(2026, 10, 21, 22, 0, 1) } },
    { name: 'a huge body after the time', path: '/trace-huge', want: { time: TRACE_TIME * 1000 } },
    { name: 'a huge body without a time', path: '/trace-huge-garbage', want: { error: 'trace file is not a timestamp' } },
    { name: '500', path: '/error500', want: { error: 'Got status code 500' } },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      assert.deepEqual(await fetchTrace(`${base}${c.path}`, opts()), c.want);
    });
  }

  test('refused, stalled, forbidden redirect', async () => {
    assert.deepEqual(await fetchTrace(`http://127.0.0.1:${closedPort}/trace`, opts()), { error: 'Unreachable (ECONNREFUSED)' });
    assert.deepEqual(await fetchTrace(`${base}/stall`, opts({ timeoutMs: 200 })), { error: 'Timeout after 200ms' });
    assert.deepEqual(await fetchTrace(`${base}/redirect`, opts({ allowRedirects: false })), {
      error: `Unauthorized redirect to 127.0.0.1:${otherPort}`,
    });
  });
});

describe('fetchRange', () => {
  test('206 with the matching Content-Range', async () => {
    assert.deepEqual(await fetchRange(`${base}/data`, 5, 9, opts()), { ok: true, bytes: DATA.subarray(5, 10) });
  });

  test('200 from a server that ignores Range: sliced', async () => {
    assert.deepEqual(await fetchRange(`${base}/data-norange`, 5, 9, opts()), { ok: true, bytes: DATA.subarray(5, 10) });
  });

  test('wrong Content-Range', async () => {
    assert.deepEqual(await fetchRange(`${base}/data-wrongrange`, 5, 9, opts()), {
      ok: false,
      reason: 'Content-Range mismatch (got "bytes 0-4/64", asked bytes 5-9)',
      failure: 'status',
    });
  });

  test('a file shorter than the range', async () => {
    const want = { ok: false, reason: 'File too short (64 bytes, asked bytes 60-70)', failure: 'size' };
    assert.deepEqual(await fetchRange(`${base}/data`, 60, 70, opts()), want);
    assert.deepEqual(await fetchRange(`${base}/data-norange`, 60, 70, opts()), want);
    assert.deepEqual(await fetchRange(`${base}/data`, 100, 110, opts()), {
      ok: false,
      reason: 'Range not satisfiable (error 416, asked bytes 100-110)',
      failure: 'size',
    });
  });

  test('404', async () => {
    assert.deepEqual(await fetchRange(`${base}/nothing`, 0, 9, opts()), {
      ok: false,
      reason: 'File not found /nothing (error 404)',
      failure: 'missing',
    });
  });

  test('Range ignored for a range past the 1 MiB cap: not downloaded', async () => {
    assert.deepEqual(await fetchRange(`${base}/data-norange`, 2_000_000, 2_000_009, opts()), {
      ok: false,
      reason: 'Range ignored (status 200) for bytes 2000000-2000009',
      failure: 'status',
    });
  });

  test('a body that stalls times out', async () => {
    assert.deepEqual(await fetchRange(`${base}/data-stall`, 5, 9, opts({ timeoutMs: 300 })), {
      ok: false,
      reason: 'Timeout after 300ms',
      failure: 'timeout',
    });
  });

  test('bad ranges are the caller’s error', async () => {
    await assert.rejects(fetchRange(`${base}/data`, 5, 4, opts()), RangeError);
    await assert.rejects(fetchRange(`${base}/data`, 0, 1024 * 1024, opts()), RangeError);
  });
});

describe('exists', () => {
  test('200, 404, refused', async () => {
    assert.equal(await exists(`${base}/file.iso`, opts()), true);
    assert.equal(await exists(`${base}/gone404`, opts()), false);
    assert.equal(await exists(`http://127.0.0.1:${closedPort}/file.iso`, opts()), false);
  });
});
