// Turns the raw request target into a repository path, refusing what is malformed (400) or escapes the repository (403).

export type ParsedPath =
  | { ok: true; path: string; query: string }
  | { ok: false; status: 400 | 403 | 414; message: string };

/** Longer request paths than this are refused: no file system accepts them. */
export const MAX_PATH_LENGTH = 4096;

const decoder = new TextDecoder('utf-8', { fatal: true });

const hexValue = (code: number): number => {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
};

/** Strict percent-decoding to a UTF-8 string; undefined when an escape or the UTF-8 is invalid. */
export const percentDecode = (raw: string): string | undefined => {
  if (!raw.includes('%')) return raw;
  const bytes = new Uint8Array(Buffer.byteLength(raw));
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code === 37) {
      const hi = hexValue(raw.charCodeAt(i + 1));
      const lo = hexValue(raw.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) return undefined;
      bytes[n++] = hi * 16 + lo;
      i += 2;
    } else if (code < 128) {
      bytes[n++] = code;
    } else {
      // Raw non-ASCII in a request line: take its UTF-8 bytes as they came.
      const end = code >= 0xd800 && code <= 0xdbff ? i + 2 : i + 1;
      n += Buffer.from(raw.slice(i, end)).copy(bytes, n);
      i = end - 1;
    }
  }
  try {
    return decoder.decode(bytes.subarray(0, n));
  } catch {
    return undefined;
  }
};

/**
 * Splits the request target into path and query, percent-decodes the path, and resolves dot segments.
 * Decoding happens before resolution, so `%2e%2e/` and `..%2f` are caught like `../`.
 */
export const parseRequestPath = (target: string): ParsedPath => {
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  if (rawPath.length > MAX_PATH_LENGTH * 3) return { ok: false, status: 414, message: 'Request path too long' };
  if (!rawPath.startsWith('/')) return { ok: false, status: 400, message: 'Bad request path' };
  const decoded = percentDecode(rawPath);
  if (decoded === undefined) return { ok: false, status: 400, message: 'Invalid percent-encoding or UTF-8 in path' };
  if (decoded.length > MAX_PATH_LENGTH) return { ok: false, status: 414, message: 'Request path too long' };
  for (let i = 0; i < decoded.length; i++) {
    const c = decoded.charCodeAt(i);
    if (c < 32 || c === 127) return { ok: false, status: 400, message: 'Control character in path' };
  }
  // Most paths have nothing to resolve: no empty, `.` or `..` segment, no backslash, no trailing slash.
  if (!decoded.includes('//') && !decoded.includes('/.') && !decoded.includes('\\') && (decoded.length === 1 || !decoded.endsWith('/'))) {
    return { ok: true, path: decoded, query };
  }
  const out: string[] = [];
  for (const segment of decoded.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length === 0) return { ok: false, status: 403, message: 'Forbidden' };
      out.pop();
      continue;
    }
    if (segment.includes('\\')) {
      // Windows-style separators could escape on a mirror that treats them as such.
      if (segment.split('\\').some((part) => part === '..')) return { ok: false, status: 403, message: 'Forbidden' };
    }
    out.push(segment);
  }
  return { ok: true, path: `/${out.join('/')}`, query };
};

/** Paths made only of characters that encodeURIComponent leaves alone, and `/`: most, and they encode to themselves. */
const UNRESERVED_PATH = /^[A-Za-z0-9\-_.~/]*$/;

/** Percent-encodes a repository path for use in a URL (each segment encoded, `/` kept). */
export const encodePath = (path: string): string =>
  UNRESERVED_PATH.test(path)
    ? path
    : path
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
