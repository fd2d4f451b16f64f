// Reads the directory index pages that nginx, Apache and lighttpd generate (and look-alikes) into
// entries; pure, linear in the page size, and indifferent to broken or hostile HTML.
//
// Rather than one parser per server, every link is taken with the text that follows it up to the next
// link: the first date in that text is the entry's time and the token after the date its size. All three
// servers (and Apache's table and <pre> layouts) put name, date and size in that order.
import { SkipLog, monthNumber, safeRelativePath, utcTime } from './listing.js';

export interface IndexEntry {
  /** Percent-decoded, entity-decoded name of an immediate child of the page's directory. */
  name: string;
  isDir: boolean;
  /** Bytes; approximate (Apache's `1.2K`, lighttpd's `1.2K`) when `sizeExact` is false. */
  size?: number;
  sizeExact: boolean;
  /** Unix ms, read as UTC. */
  mtimeMs?: number;
  /** 1000 when the page shows seconds, 60000 when it shows minutes. */
  mtimePrecisionMs?: number;
}

export interface IndexPage {
  entries: IndexEntry[];
  skipped: number;
  skippedExamples: string[];
}

/** Text after a link that is looked at for its date and size. */
const MAX_TAIL = 2048;
/** A link tag longer than this is not from a directory index. */
const MAX_TAG = 16384;

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Decodes the character references a directory index uses; unknown ones are left as they are. */
export const decodeEntities = (text: string): string =>
  text.includes('&')
    ? text.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g, (whole, body: string) => {
        if (body.startsWith('#')) {
          const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
          if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return whole;
          return String.fromCodePoint(code);
        }
        return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
      })
    : text;

const HREF = /(?:^|\s)href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i;
const CLOSE_A = /<\/a\s*>/i;
const ROW_END = /<\/tr\s*>|<tr[\s>]/i;

interface Found {
  mtimeMs: number;
  precisionMs: number;
  end: number;
}

// Date layouts of directory indexes: Apache 2.4 `2026-11-21 12:00`, nginx and Apache 2.2 `21-Nov-2026 12:00`,
// lighttpd `2026-Nov-21 12:00:03`; seconds optional in all.
const DATE_PATTERNS: { re: RegExp; read: (m: RegExpExecArray) => [number, number | undefined, number] }[] = [
  { re: /(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?/, read: (m) => [Number(m[1]), Number(m[2]), Number(m[3])] },
  { re: /(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2})(?::(\d{2}))?/, read: (m) => [Number(m[3]), monthNumber(m[2] ?? ''), Number(m[1])] },
  { re: /(\d{4})-([A-Za-z]{3})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?/, read: (m) => [Number(m[1]), monthNumber(m[2] ?? ''), Number(m[3])] },
];

const findDate = (text: string): Found | undefined => {
  let best: Found | undefined;
  let bestIndex = Infinity;
  for (const { re, read } of DATE_PATTERNS) {
    const m = re.exec(text);
    if (!m || m.index >= bestIndex) continue;
    const [year, month, day] = read(m);
    if (month === undefined) continue;
    const t = utcTime(year, month, day, Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
    if (t === undefined) continue;
    bestIndex = m.index;
    best = { mtimeMs: t, precisionMs: m[6] === undefined ? 60_000 : 1000, end: m.index + m[0].length };
  }
  return best;
};

const UNITS = 'KMGTPE';

/** Size column text: `1234` or `1,234` exact; `1.2K`, `12M`, `3.4 GiB` approximate; `-` none. */
export const parseIndexSize = (token: string): { size: number; exact: boolean } | undefined => {
  if (/^\d+$/.test(token) || /^\d{1,3}(?:,\d{3})+$/.test(token)) {
    const size = Number(token.replace(/,/g, ''));
    return Number.isSafeInteger(size) ? { size, exact: true } : undefined;
  }
  const m = /^(\d+(?:\.\d+)?) ?([KMGTPE])(?:i?B)?$/i.exec(token);
  if (!m) return undefined;
  const size = Math.round(Number(m[1]) * 1024 ** (UNITS.indexOf((m[2] ?? 'K').toUpperCase()) + 1));
  return Number.isSafeInteger(size) ? { size, exact: false } : undefined;
};

/** Date and size from the text that follows a link. */
const readTail = (tailHTML: string): Pick<IndexEntry, 'size' | 'sizeExact' | 'mtimeMs' | 'mtimePrecisionMs'> => {
  const text = decodeEntities(tailHTML.replace(/<[^>]*>?/g, ' ')).replace(/\s+/g, ' ');
  const date = findDate(text);
  if (!date) return { sizeExact: false };
  const rest = text.slice(date.end).trim();
  const unitToken = /^(\d+(?:\.\d+)? ?[KMGTPE](?:i?B)?)(?:\s|$)/i.exec(rest);
  const token = unitToken ? unitToken[1] ?? '' : rest.split(' ')[0] ?? '';
  const size = parseIndexSize(token);
  return {
    mtimeMs: date.mtimeMs,
    mtimePrecisionMs: date.precisionMs,
    sizeExact: size?.exact ?? false,
    ...(size ? { size: size.size } : {}),
  };
};

/** Schemes a link may really mean; any other `name:` prefix is taken as part of a file name. */
const OTHER_SCHEMES = new Set([
  'about', 'blob', 'data', 'file', 'ftp', 'ftps', 'git', 'irc', 'javascript', 'magnet', 'mailto',
  'news', 'rsync', 'sftp', 'ssh', 'tel', 'urn', 'vbscript', 'ws', 'wss',
]);

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * The entries of the directory index `html` served at `pageURL`. Only links to immediate children count:
 * sort links (`?C=N;O=D`), the parent, the root, other directories and other hosts are ignored; a child
 * link whose name cannot be trusted is counted as skipped.
 */
export const parseIndexPage = (html: string, pageURL: string): IndexPage => {
  const page = new URL(pageURL);
  page.search = '';
  page.hash = '';
  const dirPath = page.pathname.slice(0, page.pathname.lastIndexOf('/') + 1);
  const skips = new SkipLog();
  const byName = new Map<string, IndexEntry>();

  // Positions of every `<a ` first, so each link's text is looked for only up to the next link: the
  // work stays linear even when a page has no closing tags at all.
  const starts: number[] = [];
  const anchor = /<a[\s>]/gi;
  for (let m = anchor.exec(html); m; m = anchor.exec(html)) starts.push(m.index);

  for (let k = 0; k < starts.length; k++) {
    const start = starts[k] as number;
    const end = starts[k + 1] ?? html.length;
    const region = html.slice(start, Math.min(end, start + MAX_TAG + MAX_TAIL));
    const tagEnd = region.indexOf('>');
    if (tagEnd < 0 || tagEnd > MAX_TAG) {
      if (HREF.test(region.slice(0, 512))) skips.add('malformed link', region.slice(0, 200));
      continue;
    }
    const href = HREF.exec(region.slice(0, tagEnd + 1));
    if (!href) continue;
    const rawHref = decodeEntities(href[1] ?? href[2] ?? href[3] ?? '').trim();
    if (rawHref === '' || rawHref.startsWith('#') || rawHref.startsWith('?')) continue;

    let target: URL;
    try {
      target = new URL(rawHref, page);
      // nginx does not escape `:`, so a file named `foo:bar` is linked as if `foo` were a scheme.
      const scheme = target.protocol.slice(0, -1).toLowerCase();
      if (scheme !== 'http' && scheme !== 'https' && !OTHER_SCHEMES.has(scheme) && !rawHref.includes('//')) {
        target = new URL('./' + rawHref, page);
      }
    } catch {
      skips.add('unparsable link', rawHref);
      continue;
    }
    if (target.origin !== page.origin || target.origin === 'null') continue;
    if (target.search !== '' || target.hash !== '') continue;
    if (!target.pathname.startsWith(dirPath)) continue;
    const rest = target.pathname.slice(dirPath.length);
    const isDir = rest.endsWith('/');
    const segment = isDir ? rest.slice(0, -1) : rest;
    if (segment === '' || segment.includes('/')) continue;
    let name: string;
    try {
      name = decodeURIComponent(segment);
    } catch {
      skips.add('bad percent-encoding', rawHref);
      continue;
    }
    if (name === '.' || name === '..') continue;
    if (name.includes('/') || CONTROL.test(name) || safeRelativePath(name) !== '/' + name) {
      skips.add('unsafe name', rawHref);
      continue;
    }

    const close = CLOSE_A.exec(region.slice(tagEnd + 1));
    const tailStart = close ? tagEnd + 1 + close.index + close[0].length : tagEnd + 1;
    let tail = region.slice(tailStart, tailStart + MAX_TAIL);
    const rowEnd = ROW_END.exec(tail);
    if (rowEnd) tail = tail.slice(0, rowEnd.index);
    const info = readTail(tail);

    const key = (isDir ? 'd:' : 'f:') + name;
    const known = byName.get(key);
    if (known) {
      // Icons wrapped in the same link (Apache IconsAreLinks) come first and carry no date or size.
      if (known.mtimeMs === undefined && info.mtimeMs !== undefined) Object.assign(known, info);
      continue;
    }
    byName.set(key, { name, isDir, ...info });
  }
  return { entries: [...byName.values()], skipped: skips.count, skippedExamples: skips.examples };
};
