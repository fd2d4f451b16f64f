// A tiny static file server with nginx-style directory indexes, standing in for the demo's mirrors on loopback.
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';

const pad = (n: number): string => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const nginxDate = (d: Date): string =>
  `${pad(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const indexPage = async (dir: string, urlPath: string): Promise<string> => {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const lines = ['<a href="../">../</a>'];
  for (const e of entries) {
    const s = await stat(join(dir, e.name));
    const name = e.isDirectory() ? `${e.name}/` : e.name;
    const size = e.isDirectory() ? '-' : String(s.size);
    lines.push(`<a href="${encodeURIComponent(e.name)}${e.isDirectory() ? '/' : ''}">${escape(name)}</a>${' '.repeat(Math.max(1, 51 - name.length))}${nginxDate(s.mtime)} ${size.padStart(19)}`);
  }
  return `<html>\r\n<head><title>Index of ${escape(urlPath)}</title></head>\r\n<body>\r\n<h1>Index of ${escape(urlPath)}</h1><hr><pre>${lines.join('\r\n')}\r\n</pre><hr></body>\r\n</html>\r\n`;
};

export interface MirrorServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Serves `root` on 127.0.0.1 (GET/HEAD, Content-Length, Last-Modified, nginx-like indexes). */
export const startMirrorServer = (root: string, port = 0): Promise<MirrorServer> => {
  const server = createServer((req, res) => {
    void (async () => {
      let urlPath: string;
      try {
        urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      } catch {
        res.writeHead(400).end();
        return;
      }
      const local = normalize(join(root, urlPath));
      if (!local.startsWith(normalize(root))) {
        res.writeHead(403).end();
        return;
      }
      try {
        const s = await stat(local);
        if (s.isDirectory()) {
          if (!urlPath.endsWith('/')) {
            res.writeHead(301, { Location: `${urlPath}/` }).end();
            return;
          }
          const html = await indexPage(local, urlPath);
          res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(html) });
          res.end(req.method === 'HEAD' ? undefined : html);
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': s.size, 'Last-Modified': s.mtime.toUTCString() });
        if (req.method === 'HEAD') res.end();
        else createReadStream(local).pipe(res);
      } catch {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found\n');
      }
    })();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: actual } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${actual}/`,
        server,
        close: () => new Promise((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
};
