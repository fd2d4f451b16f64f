import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { CidrSet } from '../geo/ip.js';
import { clientAddress } from './client-address.js';

const request = (peer: string, xff?: string): IncomingMessage =>
  ({ socket: { remoteAddress: peer }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;

describe('clientAddress', () => {
  const trusted = new CidrSet(['127.0.0.0/8', '::1/128', '10.0.0.0/8']);
  const cases: [string, string | undefined, string, boolean, string?][] = [
    ['203.0.113.9', undefined, '203.0.113.9', false],
    ['203.0.113.9', '1.2.3.4', '203.0.113.9', false], // untrusted peer: header ignored
    ['127.0.0.1', '1.2.3.4', '1.2.3.4', true],
    ['::ffff:127.0.0.1', '1.2.3.4', '1.2.3.4', true],
    ['::1', '2001:db8::1', '2001:db8::1', true],
    ['127.0.0.1', '1.2.3.4, 10.0.0.2', '1.2.3.4', true], // trusted hops are skipped from the right
    ['127.0.0.1', '6.6.6.6, 1.2.3.4, 10.0.0.2', '1.2.3.4', true], // the left-most entry is the client's to forge
    ['127.0.0.1', '10.0.0.3, 10.0.0.2', '10.0.0.3', true], // all trusted: the left-most
    ['127.0.0.1', '[2001:db8::2]', '2001:db8::2', true],
    ['127.0.0.1', 'garbage', '127.0.0.1', true, 'garbage'],
    ['127.0.0.1', '1.2.3.4, garbage', '127.0.0.1', true, 'garbage'],
  ];
  for (const [peer, xff, ip, via, invalid] of cases) {
    it(`${peer} / ${xff ?? '-'} -> ${ip}`, () => {
      const got = clientAddress(request(peer, xff), trusted);
      assert.equal(got.ip, ip);
      assert.equal(got.viaTrustedProxy, via);
      assert.equal(got.invalidForwarded, invalid);
    });
  }
});
