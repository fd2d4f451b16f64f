// Syntax of the address-like configuration values (listen addresses, CIDRs, fallback URLs, codes).
// Each check returns the normalised value, or undefined when the text does not fit.
import { isIP, isIPv4, isIPv6 } from 'node:net';

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

const validPort = (port: string): boolean => /^\d{1,5}$/.test(port) && Number(port) <= 65535;

export const HOST_PORT_EXPECTED = 'expected "host:port", ":port" or "[ipv6]:port"';
export const LISTEN_EXPECTED = 'expected "host:port", ":port", "[ipv6]:port" or "unix:/path"';

/** `host:port`, `:port` (all interfaces) or `[ipv6]:port`; host is a name, an IPv4 or a bracketed IPv6 address. */
export const checkHostPort = (text: string): string | undefined => {
  const bracketed = /^\[([^\]]+)\]:([^:]*)$/.exec(text);
  if (bracketed) return isIPv6(bracketed[1] ?? '') && validPort(bracketed[2] ?? '') ? text : undefined;
  const plain = /^([^:[\]\s]*):([^:]*)$/.exec(text);
  if (!plain) return undefined;
  const host = plain[1] ?? '';
  const hostOk = host === '' || isIPv4(host) || (HOSTNAME.test(host) && !/^[\d.]+$/.test(host));
  return hostOk && validPort(plain[2] ?? '') ? text : undefined;
};

/** A listen address: as checkHostPort, or `unix:` followed by a socket path. */
export const checkListenAddress = (text: string): string | undefined => {
  if (text.startsWith('unix:')) return text.length > 'unix:'.length && !/\s/.test(text) ? text : undefined;
  return checkHostPort(text);
};

/** An IPv4 or IPv6 network in CIDR form; a bare address becomes a single-address network. */
export const checkCIDR = (text: string): string | undefined => {
  const [address = '', bits, ...rest] = text.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return undefined;
  const max = family === 4 ? 32 : 128;
  if (bits === undefined) return `${address}/${max}`;
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return undefined;
  return `${address}/${Number(bits)}`;
};

export type URLCheck = { url: string } | { problem: string };

/**
 * A fallback mirror's base URL: `http://`, `https://` or scheme-less (`host/path`, meaning either
 * protocol, as Mirrorbits). The scheme is lower-cased and a trailing `/` added.
 */
export const checkMirrorURL = (text: string): URLCheck => {
  const expected = 'expected an http://, https:// or scheme-less URL such as "mirror.example.org/pub/"';
  if (text === '' || /\s/.test(text)) return { problem: `${expected}, got ${JSON.stringify(text)}` };
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text);
  let absolute: string;
  let normalised: string;
  if (scheme) {
    const name = (scheme[1] ?? '').toLowerCase();
    if (name !== 'http' && name !== 'https') {
      return { problem: `only http://, https:// or scheme-less URLs are allowed, got ${JSON.stringify(text)}` };
    }
    normalised = name + text.slice(name.length);
    // WHATWG URL parsing would quietly read "http:///pub" as host "pub".
    if (text.slice(scheme[0].length).startsWith('/')) return { problem: `${expected}, got ${JSON.stringify(text)}` };
    absolute = normalised;
  } else {
    if (text.startsWith('/') || text.includes('://')) return { problem: `${expected}, got ${JSON.stringify(text)}` };
    normalised = text;
    absolute = `http://${text}`;
  }
  let parsed: URL;
  try {
    parsed = new URL(absolute);
  } catch {
    return { problem: `${expected}, got ${JSON.stringify(text)}` };
  }
  if (parsed.hostname === '' || parsed.search !== '' || parsed.hash !== '') {
    return { problem: `${expected} (a host and a path, no query or fragment), got ${JSON.stringify(text)}` };
  }
  return { url: normalised.endsWith('/') ? normalised : `${normalised}/` };
};

export const CONTINENTS: readonly string[] = ['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA'];

/** ISO 3166 alpha-2 shape, upper-cased (the list of countries itself is the GeoIP data's business). */
export const checkCountryCode = (text: string): string | undefined =>
  /^[A-Za-z]{2}$/.test(text) ? text.toUpperCase() : undefined;

/** One of the seven continent codes GeoIP databases use, upper-cased. */
export const checkContinentCode = (text: string): string | undefined =>
  CONTINENTS.includes(text.toUpperCase()) ? text.toUpperCase() : undefined;
