// Who is asking: the socket peer, or the right-most untrusted X-Forwarded-For entry when the peer is a trusted proxy.
import type { IncomingMessage } from 'node:http';
import { normalizeIP } from '../geo/ip.js';
import type { CidrSet } from '../geo/ip.js';

export interface ClientAddress {
  ip: string;
  /** The request came through a trusted proxy (so X-Forwarded-Proto may be believed). */
  viaTrustedProxy: boolean;
  /** Set when a trusted proxy sent an X-Forwarded-For entry that is not an IP address. */
  invalidForwarded?: string;
}

export const clientAddress = (req: IncomingMessage, trusted: CidrSet): ClientAddress => {
  const peer = normalizeIP(req.socket.remoteAddress ?? '') ?? '';
  const header = req.headers['x-forwarded-for'];
  if (!header || !trusted.has(peer)) return { ip: peer, viaTrustedProxy: false };
  const hops = (Array.isArray(header) ? header.join(',') : header).split(',');
  // Walk from the right: each trusted hop vouches for the one before it; the first untrusted one is the client.
  for (let i = hops.length - 1; i >= 0; i--) {
    const candidate = normalizeIP(hops[i]?.trim() ?? '');
    if (candidate === undefined) return { ip: peer, viaTrustedProxy: true, invalidForwarded: (hops[i] ?? '').trim().slice(0, 64) };
    if (!trusted.has(candidate) || i === 0) return { ip: candidate, viaTrustedProxy: true };
  }
  return { ip: peer, viaTrustedProxy: true };
};
