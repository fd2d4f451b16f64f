// A mirror on loopback whose behaviour a test chooses and changes at will: it serves a tree (nginx-style indexes)
// honestly, or answers file requests with a 404, a 500, a redirect, a wrong length, wrong bytes, or never; it can be
// killed and revived on the same port, and it counts the health checks it receives.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { renderIndex } from './httpd.js';
import type { ListedEntry } from './httpd.js';

export type Behaviour = 'ok' | 'missing' | 'error' | 'redirect' | 'wrong-length' | 'wrong-bytes' | 'hang';

export interface ControlledMirror {
  url: string;
  port: number;
  behaviour: Behaviour;
  /** When set, decides the behaviour of the n-th health check (1-based), overriding `behaviour`. */
  checkPlan?: (n: number) => Behaviour;
  /** Health checks received (requests with Signpost's health-check User-Agent). */
  checks: number;
  /** The health checks received: their number, method, path, time and the behaviour served. */
  history: { n: number; method: string; path: string; at: number; behaviour: Behaviour }[];
  /** Unix seconds served at /trace; undefined = 404. */
  traceTime?: number;
  /** Shifts every time the mirror shows (index pages, Last-Modified), as an FTP server in local time would. */
  timeShiftMs: number;
  /** Debian's marker at the root while true. */
  syncing: boolean;
  kill(): Promise<void>;
  revive(): Promise<void>;
  stop(): Promise<void>;
}

export const startControlledMirror = async (root: string): Promise<ControlledMirror> => {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const mirror: ControlledMirror = {
    url: '',
    port: 0,
    behaviour: 'ok',
    checks: 0,
    history: [],
    timeShiftMs: 0,
    syncing: false,
    kill: async () => {
      const s = server;
      server = undefined;
      if (!s) return;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => s.close(() => done()));
    },
    revive: async () => {
      if (server) return;
      server = await listen(mirror.port);
    },
    stop: () => mirror.kill(),
  };

  const handler = createHandler(root, mirror);
  const listen = (port: number): Promise<Server> =>
    new Promise((resolve, reject) => {
      const s = createServer(handler);
      s.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve(s));
    });
  server = await listen(0);
  mirror.port = (server.address() as AddressInfo).port;
  mirror.url = `http://127.0.0.1:${mirror.port}/`;
  return mirror;
};

const createHandler = (root: string, mirror: ControlledMirror) => (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void => {
  const uriPath = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
  const isCheck = String(req.headers['user-agent'] ?? '').startsWith('Signpost-healthcheck');
  if (uriPath === '/trace') {
    if (mirror.traceTime === undefined) return void res.writeHead(404).end();
    const body = `${mirror.traceTime}\n`;
    return void res.writeHead(200, { 'Content-Length': Buffer.byteLength(body) }).end(req.method === 'HEAD' ? undefined : body);
  }
  if (uriPath.startsWith('/Archive-Update-in-Progress-')) return void res.writeHead(mirror.syncing ? 200 : 404).end();
  const path = join(root, uriPath);
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return void res.writeHead(404).end();
  }
  if (stats.isDirectory()) {
    const entries: ListedEntry[] = readdirSync(path).map((name) => {
      const s = statSync(join(path, name));
      return { name, isDir: s.isDirectory(), size: s.size, mtimeMs: s.mtimeMs + mirror.timeShiftMs };
    });
    const body = renderIndex('nginx', uriPath.endsWith('/') ? uriPath : `${uriPath}/`, entries, mirror.port);
    return void res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(body) }).end(req.method === 'HEAD' ? undefined : body);
  }
  let behaviour = mirror.behaviour;
  if (isCheck && req.method === 'HEAD') {
    mirror.checks++;
    if (mirror.checkPlan) behaviour = mirror.checkPlan(mirror.checks);
    mirror.history.push({ n: mirror.checks, method: req.method ?? '', path: uriPath, at: Date.now(), behaviour });
  }
  const content = readFileSync(path);
  const headers = { 'Content-Type': 'application/octet-stream', 'Last-Modified': new Date(stats.mtimeMs + mirror.timeShiftMs).toUTCString() };
  switch (behaviour) {
    case 'missing':
      return void res.writeHead(404).end();
    case 'error':
      return void res.writeHead(500).end();
    case 'redirect':
      return void res.writeHead(302, { Location: `http://elsewhere.invalid${uriPath}` }).end();
    case 'hang':
      return; // never answers
    case 'wrong-length':
      return void res.writeHead(200, { ...headers, 'Content-Length': content.length + 7 }).end();
    case 'wrong-bytes':
    case 'ok': {
      const body = behaviour === 'wrong-bytes' ? Buffer.from(content.map((b) => b ^ 0x20)) : content;
      const range = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ''));
      if (range) {
        const start = Number(range[1]);
        const end = Math.min(Number(range[2]), body.length - 1);
        res.writeHead(206, { ...headers, 'Content-Length': end - start + 1, 'Content-Range': `bytes ${start}-${end}/${body.length}` });
        return void res.end(req.method === 'HEAD' ? undefined : body.subarray(start, end + 1));
      }
      res.writeHead(200, { ...headers, 'Content-Length': body.length });
      return void res.end(req.method === 'HEAD' ? undefined : body);
    }
  }
};
