// Validation and normalisation of what an operator gives for a mirror (names, URLs, codes), with errors naming the field.
import { isIP } from 'node:net';
import type { MirrorSettings, RedirectPolicy } from './mirror.js';

export class MirrorInputError extends Error {
  override name = 'MirrorInputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const validateName = (name: string): string => {
  if (!NAME.test(name)) {
    throw new MirrorInputError(
      'name',
      `"${truncate(name)}" is not a valid mirror name (1-64 letters, digits, '.', '_' or '-', starting with a letter or digit)`,
    );
  }
  return name;
};

const truncate = (text: string, max = 60): string => (text.length > max ? `${text.slice(0, max)}…` : text);

const checkHost = (field: string, raw: string, url: URL): void => {
  if (!url.hostname) throw new MirrorInputError(field, `"${truncate(raw)}" has no host`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return;
  if (!/^[A-Za-z0-9]([A-Za-z0-9-]{0,62}\.?)*$/.test(host) || host.length > 253) {
    throw new MirrorInputError(field, `"${truncate(raw)}" has an invalid host name "${truncate(host)}"`);
  }
};

const parse = (field: string, raw: string, withScheme: string): URL => {
  try {
    return new URL(withScheme);
  } catch {
    throw new MirrorInputError(field, `"${truncate(raw)}" is not a valid URL`);
  }
};

const withSlash = (url: string): string => (url.endsWith('/') ? url : `${url}/`);

/** `http://`, `https://` or scheme-less (meaning both); returns the URL with a trailing slash, scheme kept as given. */
export const normalizeHttpURL = (raw: string): string => {
  const field = 'http';
  const text = raw.trim();
  if (!text) throw new MirrorInputError(field, 'an HTTP URL is required');
  if (/\s/.test(text)) throw new MirrorInputError(field, `"${truncate(text)}" contains white space`);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
    throw new MirrorInputError(field, `"${truncate(text)}" must start with http:// or https:// or have no scheme`);
  }
  const url = parse(field, text, scheme ? text : `http://${text}`);
  if (url.username || url.password) throw new MirrorInputError(field, 'credentials are not allowed in the HTTP URL');
  if (url.search || url.hash) throw new MirrorInputError(field, `"${truncate(text)}" must not have a query or fragment`);
  checkHost(field, text, url);
  const rest = `${url.host}${url.pathname}`;
  return withSlash(scheme ? `${scheme}://${rest}` : rest);
};

const normalizeScanURL = (field: 'rsync' | 'ftp', raw: string, schemes: string[]): string => {
  const text = raw.trim();
  if (!text) return '';
  const url = parse(field, text, text);
  const scheme = url.protocol.slice(0, -1);
  if (!schemes.includes(scheme)) {
    throw new MirrorInputError(field, `"${truncate(text)}" must start with ${schemes.map((s) => `${s}://`).join(' or ')}`);
  }
  checkHost(field, text, url);
  return withSlash(text);
};

export const normalizeRsyncURL = (raw: string): string => normalizeScanURL('rsync', raw, ['rsync', 'rsyncs']);
export const normalizeFtpURL = (raw: string): string => normalizeScanURL('ftp', raw, ['ftp']);

export const normalizeCountries = (field: string, raw: string | readonly string[]): string[] => {
  const list = (typeof raw === 'string' ? raw.split(/[\s,]+/) : [...raw]).map((c) => c.trim().toUpperCase()).filter(Boolean);
  for (const code of list) {
    if (!/^[A-Z]{2}$/.test(code)) throw new MirrorInputError(field, `"${truncate(code)}" is not a two-letter country code`);
  }
  return [...new Set(list)];
};

const CONTINENTS = new Set(['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA']);

export const normalizeContinent = (raw: string): string => {
  const code = raw.trim().toUpperCase();
  if (code && !CONTINENTS.has(code)) {
    throw new MirrorInputError('continent', `"${truncate(raw)}" is not a continent code (AF, AN, AS, EU, NA, OC, SA)`);
  }
  return code;
};

const number = (field: string, value: unknown, min: number, max: number, integer: boolean): number => {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new MirrorInputError(field, `expected ${integer ? 'an integer' : 'a number'} between ${min} and ${max}, got "${truncate(String(value))}"`);
  }
  return n;
};

export const normalizeRedirectPolicy = (value: unknown): RedirectPolicy => {
  if (value === null || value === undefined || value === 'default' || value === '') return 'default';
  if (value === true || value === 'yes' || value === 'true') return 'yes';
  if (value === false || value === 'no' || value === 'false') return 'no';
  throw new MirrorInputError('allowRedirects', `expected yes, no or default, got "${truncate(String(value))}"`);
};

const text = (field: string, value: unknown, max = 1024): string => {
  if (typeof value !== 'string') throw new MirrorInputError(field, 'expected a string');
  if (value.length > max) throw new MirrorInputError(field, `longer than ${max} characters`);
  return value;
};

const bool = (field: string, value: unknown): boolean => {
  if (typeof value === 'boolean') return value;
  throw new MirrorInputError(field, `expected true or false, got "${truncate(String(value))}"`);
};

/**
 * Validates a patch of mirror settings as received from the CLI / admin API (JSON). Unknown fields are refused so
 * that a typo never silently does nothing.
 */
export const validateSettingsPatch = (input: Record<string, unknown>): Partial<MirrorSettings> => {
  const out: Partial<MirrorSettings> = {};
  for (const [key, value] of Object.entries(input)) {
    switch (key) {
      case 'name': out.name = validateName(text(key, value, 64)); break;
      case 'httpURL': out.httpURL = normalizeHttpURL(text('http', value)); break;
      case 'rsyncURL': out.rsyncURL = normalizeRsyncURL(text('rsync', value)); break;
      case 'ftpURL': out.ftpURL = normalizeFtpURL(text('ftp', value)); break;
      case 'sponsorName': case 'sponsorURL': case 'sponsorLogoURL': case 'adminName': case 'adminEmail':
        out[key] = text(key, value, 512); break;
      case 'customData': case 'comment': out[key] = text(key, value, 65536); break;
      case 'continentOnly': case 'countryOnly': case 'asOnly': case 'enabled': out[key] = bool(key, value); break;
      case 'score': out.score = number(key, value, -1000, 1000, true); break;
      case 'latitude': out.latitude = number(key, value, -90, 90, false); break;
      case 'longitude': out.longitude = number(key, value, -180, 180, false); break;
      case 'continentCode': out.continentCode = normalizeContinent(text(key, value, 8)); break;
      case 'countryCodes': case 'excludedCountryCodes':
        out[key] = normalizeCountries(key, Array.isArray(value) ? value.map(String) : text(key, value)); break;
      case 'asnum': out.asnum = number(key, value, 0, 4294967295, true); break;
      case 'allowRedirects': out.allowRedirects = normalizeRedirectPolicy(value); break;
      default: throw new MirrorInputError(key, 'unknown mirror field');
    }
  }
  return out;
};
