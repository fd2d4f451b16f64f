// IP address parsing, normalisation and CIDR sets (TrustedProxies), shared by the GeoIP readers
// and the HTTP layer. Syntax is exactly what node:net accepts; these add the bytes and the rules.

export interface ParsedIP {
  family: 4 | 6;
  /** 4 bytes for IPv4, 16 for IPv6, network order. */
  bytes: Uint8Array;
}

/** An IPv4 address as an unsigned 32-bit number. */
export const ipv4Number = (b: Uint8Array): number => ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;

const DIGIT_0 = 48;
const DIGIT_9 = 57;
const DOT = 46;
const COLON = 58;

/** Dotted quad in text[from, to) into out[at..at+4); as strict as net.isIP (no leading zeros). */
export const parseIPv4Into = (text: string, from: number, to: number, out: Uint8Array, at: number): boolean => {
  let octet = 0;
  let digits = 0;
  let index = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= DIGIT_0 && c <= DIGIT_9) {
      if (digits === 1 && octet === 0) return false;
      octet = octet * 10 + (c - DIGIT_0);
      if (++digits > 3 || octet > 255) return false;
    } else if (c === DOT && digits > 0 && index < 3) {
      out[at + index++] = octet;
      octet = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  if (index !== 3 || digits === 0) return false;
  out[at + 3] = octet;
  return true;
};

const hexValue = (c: number): number => {
  if (c >= DIGIT_0 && c <= DIGIT_9) return c - DIGIT_0;
  const lower = c | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
};

/** The groups parseIPv6Into reads: one array for all calls (it runs for every IPv6 client and is never reentered). */
const groups = new Uint16Array(8);

/**
 * IPv6 text in text[from, to) (no zone) into out[0..16), accepting exactly what net.isIPv6 does:
 * 1-4 hex digits a group, at most one "::" standing for one group or more, an optional dotted
 * quad as the last two groups.
 */
export const parseIPv6Into = (text: string, from: number, to: number, out: Uint8Array): boolean => {
  const words = groups;
  let count = 0;
  let gap = -1;
  let i = from;
  if (text.charCodeAt(i) === COLON) {
    if (text.charCodeAt(i + 1) !== COLON) return false;
    gap = 0;
    i += 2;
  }
  while (i < to) {
    const groupStart = i;
    let value = 0;
    while (i < to && i - groupStart < 5) {
      const h = hexValue(text.charCodeAt(i));
      if (h < 0) break;
      value = value * 16 + h;
      i++;
    }
    if (i < to && text.charCodeAt(i) === DOT) {
      if (count > 6 || !parseIPv4Into(text, groupStart, to, out, 12)) return false;
      words[count++] = (out[12]! << 8) | out[13]!;
      words[count++] = (out[14]! << 8) | out[15]!;
      break;
    }
    const digits = i - groupStart;
    if (digits === 0 || digits > 4 || count === 8) return false;
    words[count++] = value;
    if (i === to) break;
    if (text.charCodeAt(i) !== COLON) return false;
    i++;
    if (text.charCodeAt(i) === COLON) {
      if (gap !== -1) return false;
      gap = count;
      i++;
    } else if (i === to) {
      return false;
    }
  }
  if (gap === -1 ? count !== 8 : count > 7) return false;
  const tail = gap === -1 ? 0 : count - gap;
  out.fill(0);
  for (let k = 0; k < count; k++) {
    const slot = gap !== -1 && k >= gap ? 8 - tail + (k - gap) : k;
    out[2 * slot] = words[k]! >> 8;
    out[2 * slot + 1] = words[k]! & 0xff;
  }
  return true;
};

/** Characters net.isIPv6 allows in a zone ("%eth0"). */
const validZone = (text: string, from: number): boolean => {
  if (from >= text.length) return false;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const ok = (c >= DIGIT_0 && c <= DIGIT_9) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c === 45 || c === DOT || c === COLON;
    if (!ok) return false;
  }
  return true;
};

/** Parses an address exactly as strict as `net.isIP` (no brackets; an IPv6 zone is accepted and dropped). */
export const parseIP = (text: string): ParsedIP | undefined => {
  if (text.indexOf(':') === -1) {
    const bytes = new Uint8Array(4);
    return parseIPv4Into(text, 0, text.length, bytes, 0) ? { family: 4, bytes } : undefined;
  }
  const zone = text.indexOf('%');
  if (zone !== -1 && !validZone(text, zone + 1)) return undefined;
  const bytes = new Uint8Array(16);
  return parseIPv6Into(text, 0, zone === -1 ? text.length : zone, bytes) ? { family: 6, bytes } : undefined;
};

/** True for ::ffff:a.b.c.d, the IPv4-mapped IPv6 form dual-stack sockets report. */
export const isMappedIPv4 = (b: Uint8Array): boolean => {
  if (b.length !== 16 || b[10] !== 0xff || b[11] !== 0xff) return false;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return true;
};

/** RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero groups as "::". */
export const formatIPv6 = (b: Uint8Array): string => {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (list: number[]): string => list.map((g) => g.toString(16)).join(':');
  if (bestAt === -1) return hex(groups);
  return `${hex(groups.slice(0, bestAt))}::${hex(groups.slice(bestAt + bestLen))}`;
};

/** IPv4-mapped IPv6 (::ffff:a.b.c.d) as the IPv4 address it carries; anything else unchanged. */
export const canonicalIP = (ip: ParsedIP): ParsedIP => {
  if (ip.family === 6 && isMappedIPv4(ip.bytes)) return { family: 4, bytes: ip.bytes.slice(12) };
  return ip;
};

export const formatIP = (ip: ParsedIP): string => (ip.family === 4 ? ip.bytes.join('.') : formatIPv6(ip.bytes));

const unbracket = (text: string): string => (text.length > 2 && text.charCodeAt(0) === 91 && text.endsWith(']') ? text.slice(1, -1) : text);

/** The address a GeoIP lookup should use: brackets and zone dropped, IPv4-mapped IPv6 as IPv4. */
export const lookupAddress = (text: string): ParsedIP | undefined => {
  const parsed = parseIP(unbracket(text));
  return parsed === undefined ? undefined : canonicalIP(parsed);
};

/**
 * One canonical text per address, or undefined when it is not one: "[…]" brackets and an IPv6
 * zone are dropped, ::ffff:a.b.c.d becomes a.b.c.d, IPv6 is written as RFC 5952 says.
 */
export const normalizeIP = (text: string): string | undefined => {
  const address = lookupAddress(text);
  return address === undefined ? undefined : formatIP(address);
};

/** An entry of a CidrSet that is not an address or network; `cidr` is the text at fault. */
export class CidrError extends Error {
  constructor(readonly cidr: string, reason: string) {
    super(`invalid CIDR "${cidr}": ${reason}`);
    this.name = 'CidrError';
  }
}

interface Network {
  bytes: Uint8Array;
  prefix: number;
}

const inNetwork = (net: Network, bytes: Uint8Array): boolean => {
  const whole = net.prefix >> 3;
  for (let i = 0; i < whole; i++) if (net.bytes[i] !== bytes[i]) return false;
  const rest = net.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (net.bytes[whole]! & mask) === (bytes[whole]! & mask);
};

/**
 * A set of networks ("10.0.0.0/8", "::1/128", a bare address = one host). IPv4 networks also
 * match their IPv4-mapped IPv6 form and ::ffff:a.b.c.d/n (n ≥ 96) is taken as an IPv4 network.
 */
export class CidrSet {
  private readonly v4: Network[] = [];
  private readonly v6: Network[] = [];

  constructor(cidrs: string[]) {
    for (const cidr of cidrs) this.add(cidr);
  }

  get size(): number {
    return this.v4.length + this.v6.length;
  }

  private add(cidr: string): void {
    const slash = cidr.indexOf('/');
    const addressText = slash === -1 ? cidr : cidr.slice(0, slash);
    const parsed = parseIP(addressText);
    if (parsed === undefined || addressText.includes('%')) throw new CidrError(cidr, `"${addressText}" is not an IP address`);
    const bits = parsed.family === 4 ? 32 : 128;
    let prefix = bits;
    if (slash !== -1) {
      const prefixText = cidr.slice(slash + 1);
      if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > bits) {
        throw new CidrError(cidr, `prefix length must be a number from 0 to ${bits}`);
      }
      prefix = Number(prefixText);
    }
    if (parsed.family === 6 && prefix >= 96 && isMappedIPv4(parsed.bytes)) {
      this.v4.push({ bytes: parsed.bytes.slice(12), prefix: prefix - 96 });
    } else {
      (parsed.family === 4 ? this.v4 : this.v6).push({ bytes: parsed.bytes, prefix });
    }
  }

  /** Whether an address (any form normalizeIP accepts) lies in one of the networks; false for non-addresses. */
  has(ip: string): boolean {
    const address = lookupAddress(ip);
    if (address === undefined) return false;
    const { family, bytes } = address;
    const list = family === 4 ? this.v4 : this.v6;
    for (const net of list) if (inNetwork(net, bytes)) return true;
    return false;
  }
}
