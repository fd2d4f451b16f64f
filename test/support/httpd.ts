// HTTP servers on loopback for scanner tests: a file server whose directory pages reproduce the
// autoindex output of nginx, Apache (mod_autoindex, HTMLTable) or lighttpd (mod_dirlisting), and a raw
// server whose handler the test writes, for hostile answers.
import { createReadStream, readdirSync, statSync, type Stats } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { RunningServer } from './daemon.js';

export type IndexStyle = 'nginx' | 'apache' | 'lighttpd';

export interface ListedEntry {
  name: string;
  isDir: boolean;
  size: number;
  mtimeMs: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');
const byName = (a: ListedEntry, b: ListedEntry): number => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));

const escapeHTML = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** Percent-encodes the UTF-8 bytes of `s` that `keep` does not accept. */
const percentEncode = (s: string, keep: RegExp): string =>
  [...Buffer.from(s, 'utf8')]
    .map((byte) => {
      const c = String.fromCharCode(byte);
      return byte < 0x80 && keep.test(c) ? c : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
    })
    .join('');

// nginx: ngx_escape_uri(NGX_ESCAPE_HTML) leaves `&` alone; names are cut at 50 characters; times in UTC.
const nginxPage = (uriPath: string, entries: ListedEntry[]): string => {
  const sorted = [...entries].sort((a, b) => (a.isDir !== b.isDir ? (a.isDir ? -1 : 1) : byName(a, b)));
  let out = `<html>\r\n<head><title>Index of ${escapeHTML(uriPath)}</title></head>\r\n<body>\r\n<h1>Index of ${escapeHTML(uriPath)}</h1><hr><pre><a href="../">../</a>\r\n`;
  for (const e of sorted) {
    const chars = [...e.name];
    let len = chars.length;
    // eslint-disable-next-line no-control-regex
    out += `<a href="${percentEncode(e.name, /[^\x00-\x20"#%'<>?\x7f]/)}${e.isDir ? '/' : ''}">`;
    if (len > 50) {
      out += escapeHTML(chars.slice(0, 47).join('')) + '..&gt;</a>';
    } else {
      out += escapeHTML(e.name);
      if (e.isDir && len < 50) {
        out += '/';
        len++;
      }
      out += '</a>' + ' '.repeat(Math.max(0, 50 - len));
    }
    const d = new Date(e.mtimeMs);
    out += ` ${two(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())} `;
    out += (e.isDir ? '-' : String(e.size)).padStart(19) + '\r\n';
  }
  return out + '</pre><hr></body>\r\n</html>\r\n';
};

/** apr_strfsize: 4 characters, exact below 973 bytes, then one decimal below 10 units, else whole units. */
export const apacheSize = (size: number): string => {
  if (size < 973) return `${String(size).padStart(3)} `;
  const units = 'KMGTPE';
  let unit = 0;
  let value = size;
  for (;;) {
    let remain = value % 1024;
    value = Math.floor(value / 1024);
    if (value >= 973) {
      unit++;
      continue;
    }
    if (value < 9 || (value === 9 && remain < 973)) {
      remain = Math.floor((remain * 5 + 256) / 512);
      if (remain >= 10) {
        value++;
        remain = 0;
      }
      return `${value}.${remain}${units[unit]}`;
    }
    if (remain >= 512) value++;
    return `${String(value).padStart(3)}${units[unit]}`;
  }
};

// Apache 2.4 with Debian's `IndexOptions FancyIndexing VersionSort HTMLTable NameWidth=* ...`.
const apachePage = (uriPath: string, entries: ListedEntry[], port: number): string => {
  const title = uriPath === '/' ? '/' : uriPath.replace(/\/$/, '');
  const sorted = [...entries].sort(byName);
  let out =
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<html>\n <head>\n' +
    `  <title>Index of ${escapeHTML(title)}</title>\n </head>\n <body>\n<h1>Index of ${escapeHTML(title)}</h1>\n` +
    '  <table>\n   <tr><th valign="top"><img src="/icons/blank.gif" alt="[ICO]"></th><th><a href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th><th><a href="?C=S;O=A">Size</a></th><th><a href="?C=D;O=A">Description</a></th></tr>\n' +
    '   <tr><th colspan="5"><hr></th></tr>\n';
  if (uriPath !== '/') {
    const parent = uriPath.replace(/[^/]+\/$/, '');
    out += `<tr><td valign="top"><img src="/icons/back.gif" alt="[PARENTDIR]"></td><td><a href="${escapeHTML(parent)}">Parent Directory</a></td><td>&nbsp;</td><td align="right">  - </td><td>&nbsp;</td></tr>\n`;
  }
  for (const e of sorted) {
    // mod_autoindex prefixes `./` when a name contains `:` so that it cannot read as a scheme.
    const href = (e.name.includes(':') ? './' : '') + percentEncode(e.name, /[A-Za-z0-9\-_.!~*'()$&+,;=:@]/) + (e.isDir ? '/' : '');
    const [icon, alt] = e.isDir ? ['folder.gif', '[DIR]'] : e.name.endsWith('.txt') ? ['text.gif', '[TXT]'] : ['unknown.gif', '[   ]'];
    const d = new Date(e.mtimeMs);
    const when = `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
    out += `<tr><td valign="top"><img src="/icons/${icon}" alt="${alt}"></td><td><a href="${escapeHTML(href)}">${escapeHTML(e.name)}${e.isDir ? '/' : ''}</a></td><td align="right">${when}  </td><td align="right">${e.isDir ? '  - ' : apacheSize(e.size)}</td><td>&nbsp;</td></tr>\n`;
  }
  return (
    out +
    '   <tr><th colspan="5"><hr></th></tr>\n</table>\n' +
    `<address>Apache/2.4.62 (Debian) Server at 127.0.0.1 Port ${port}</address>\n</body></html>\n`
  );
};

/** lighttpd's http_list_directory_sizefmt: always one decimal and a unit, from `0.1K`. */
export const lighttpdSize = (size: number): string => {
  const units = ' KMGTPE';
  let unit = 0;
  let value = size;
  if (value < 100) value += 99;
  if (value < 100) value = 0;
  let remain: number;
  for (;;) {
    remain = value % 1024;
    value = Math.floor(value / 1024);
    unit++;
    if (value < 1024) break;
  }
  remain = Math.min(9, Math.floor(remain / 100));
  if (value > 999) {
    value = 0;
    remain = 9;
    unit++;
  }
  return `${value}.${remain}${units[unit]}`;
};

// lighttpd 1.4 mod_dirlisting with its built-in style: directories first, then files, each sorted.
const lighttpdPage = (uriPath: string, entries: ListedEntry[]): string => {
  const date = (ms: number): string => {
    const d = new Date(ms);
    return `${d.getUTCFullYear()}-${MONTHS[d.getUTCMonth()]}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  };
  const encode = (name: string): string => percentEncode(name, /[A-Za-z0-9\-_.~]/);
  let out =
    '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="UTF-8">\n' +
    `<title>Index of ${escapeHTML(uriPath)}</title>\n` +
    '<style type="text/css">\na, a:active {text-decoration: none; color: blue;}\nbody {background-color: #F5F5F5;}\n' +
    'td.s, th.s {text-align: right;}\ndiv.list { background-color: white; padding-top: 10px;}\n</style>\n' +
    '</head>\n<body>\n' +
    `<h2>Index of ${escapeHTML(uriPath)}</h2>\n<div class="list">\n<table summary="Directory Listing" cellpadding="0" cellspacing="0">\n` +
    '<thead><tr><th class="n">Name</th><th class="m">Last Modified</th><th class="s">Size</th><th class="t">Type</th></tr></thead>\n<tbody>\n';
  if (uriPath !== '/') {
    out += '<tr class="d"><td class="n"><a href="../">..</a>/</td><td class="m">&nbsp;</td><td class="s">- &nbsp;</td><td class="t">Directory</td></tr>\n';
  }
  for (const e of entries.filter((x) => x.isDir).sort(byName)) {
    out += `<tr class="d"><td class="n"><a href="${encode(e.name)}/">${escapeHTML(e.name)}</a>/</td><td class="m">${date(e.mtimeMs)}</td><td class="s">- &nbsp;</td><td class="t">Directory</td></tr>\n`;
  }
  for (const e of entries.filter((x) => !x.isDir).sort(byName)) {
    const type = e.name.endsWith('.txt') ? 'text/plain;charset=utf-8' : 'application/octet-stream';
    out += `<tr><td class="n"><a href="${encode(e.name)}">${escapeHTML(e.name)}</a></td><td class="m">${date(e.mtimeMs)}</td><td class="s">${lighttpdSize(e.size)}</td><td class="t">${type}</td></tr>\n`;
  }
  return (
    out +
    '</tbody>\n</table>\n</div>\n<div class="foot">lighttpd/1.4.79</div>\n\n' +
    '<script type="text/javascript">\n// <!--\nfunction init_sort(col, asc) {\n var link = document.createElement("a");\n link.setAttribute("href", "#");\n}\ninit_sort(0, 0);\n// -->\n</script>\n\n' +
    '</body>\n</html>\n'
  );
};

/** The index page `style` would serve at `uriPath` (which ends with `/`). */
export const renderIndex = (style: IndexStyle, uriPath: string, entries: ListedEntry[], port: number): string =>
  style === 'nginx' ? nginxPage(uriPath, entries) : style === 'apache' ? apachePage(uriPath, entries, port) : lighttpdPage(uriPath, entries);

const SERVER_HEADER: Record<IndexStyle, string> = {
  nginx: 'nginx/1.26.3',
  apache: 'Apache/2.4.62 (Debian)',
  lighttpd: 'lighttpd/1.4.79',
};

const listen = (handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<RunningServer> =>
  new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}/`,
        port,
        stop: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });

/** Serves `root` (files with Content-Length and Last-Modified; GET and HEAD) with `style` directory pages. */
export const startIndexServer = async (root: string, style: IndexStyle): Promise<RunningServer> => {
  let port = 0;
  const server = await listen((req, res) => {
    res.setHeader('Server', SERVER_HEADER[style]);
    const fail = (status: number): void => {
      res.writeHead(status, { 'Content-Type': 'text/html' });
      res.end(`<html><body><h1>${status}</h1></body></html>\n`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405);
    const uriPath = (req.url ?? '/').split('?')[0] ?? '/';
    let segments: string[];
    try {
      segments = uriPath.split('/').filter((s) => s !== '').map(decodeURIComponent);
    } catch {
      return fail(400);
    }
    if (segments.some((s) => s === '..' || s === '.' || s.includes('/') || s.includes('\0'))) return fail(400);
    const path = join(root, ...segments);
    let stats: Stats;
    try {
      stats = statSync(path);
    } catch {
      return fail(404);
    }
    if (stats.isDirectory()) {
      if (!uriPath.endsWith('/')) {
        res.writeHead(301, { Location: uriPath + '/', 'Content-Type': 'text/html' });
        res.end();
        return;
      }
      const entries: ListedEntry[] = [];
      for (const name of readdirSync(path)) {
        if (name.startsWith('.')) continue; // all three hide dot files by default
        try {
          const s = statSync(join(path, name));
          entries.push({ name, isDir: s.isDirectory(), size: s.size, mtimeMs: s.mtimeMs });
        } catch {
          // vanished or dangling: servers leave such entries out too
        }
      }
      const body = Buffer.from(renderIndex(style, uriPath, entries, port));
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': stats.size,
      'Last-Modified': new Date(stats.mtimeMs).toUTCString(),
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(path).pipe(res);
  });
  port = server.port;
  return server;
};

/** An HTTP server whose every answer `handler` writes (or never writes). */
export const startRawServer = (handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<RunningServer> => listen(handler);
