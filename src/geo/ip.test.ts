import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { describe, it } from 'node:test';
import { CidrError, CidrSet, formatIP, normalizeIP, parseIP } from './ip.js';

describe('parseIP', () => {
  const cases: [string, 4 | 6 | undefined, string?][] = [
    ['1.2.3.4', 4, '1.2.3.4'],
    ['0.0.0.0', 4, '0.0.0.0'],
    ['255.255.255.255', 4, '255.255.255.255'],
    ['01.2.3.4', undefined],
    ['1.2.3.04', undefined],
    ['1.2.3', undefined],
    ['1.2.3.4.5', undefined],
    ['256.1.1.1', undefined],
    [' 1.2.3.4', undefined],
    ['1.2.3.4 ', undefined],
    ['1.2.3.4%eth0', undefined],
    ['', undefined],
    ['::', 6, '::'],
    ['::1', 6, '::1'],
    ['1::', 6, '1::'],
    ['2001:DB8::0001', 6, '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', 6, '2001:db8::1:0:0:1'],
    ['2001:0:0:1:0:0:0:1', 6, '2001:0:0:1::1'],
    ['1:2:3:4:5:6:7:8', 6, '1:2:3:4:5:6:7:8'],
    ['1:2:3:4:5:6:7::', 6, '1:2:3:4:5:6:7:0'],
    ['fe80::1%eth0', 6, 'fe80::1'],
    ['::ffff:1.2.3.4', 6, '::ffff:102:304'],
    ['::1.2.3.4', 6, '::102:304'],
    ['1:2:3:4:5:6:1.2.3.4', 6, '1:2:3:4:5:6:102:304'],
    ['fe80::1%', undefined],
    ['fe80::1%eth0%1', undefined],
    ['1:2:3:4:5:6:7:8:9', undefined],
    ['1::2::3', undefined],
    ['[::1]', undefined],
    ['::ffff:1.2.3', undefined],
    ['::ffff:01.2.3.4', undefined],
    ['1:2:3:4:5:6:7:1.2.3.4', undefined],
    ['12345::', undefined],
    [':1::', undefined],
    ['1::2:', undefined],
    [':::', undefined],
    ['g::1', undefined],
  ];
  for (const [text, family, formatted] of cases) {
    it(`${JSON.stringify(text)} → ${family ?? 'invalid'}`, () => {
      const parsed = parseIP(text);
      assert.equal(parsed?.family, family);
      assert.equal(isIP(text) === 0 ? undefined : isIP(text), family, 'agrees with net.isIP');
      if (parsed !== undefined) {
        assert.equal(parsed.bytes.length, family === 4 ? 4 : 16);
        assert.equal(formatIP(parsed), formatted);
      }
    });
  }

  it('accepts exactly what net.isIP accepts, and agrees with the URL parser on the bytes (fuzzed)', () => {
    // Deterministic pseudo-random strings built from the pieces that make addresses tricky.
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pieces = ['0', '1', 'f', 'F', 'a', ':', '::', '.', '%', 'g', '255', '256', '01', 'ffff', '12345', '1.2.3.4', '9', '00', 'eth0'];
    let checked = 0;
    for (let t = 0; t < 40000; t++) {
      let text = '';
      if (t % 2 === 0) {
        const length = 1 + random(12);
        for (let i = 0; i < length; i++) text += pieces[random(pieces.length)];
      } else {
        const groups: string[] = [];
        for (let i = 0, n = 1 + random(9); i < n; i++) groups.push(random(5) === 0 ? '' : random(0x10000).toString(16).padStart(random(5), '0'));
        text = groups.join(':');
        if (random(4) === 0) text += `:${random(300)}.${random(256)}.${random(256)}.${random(256)}`;
      }
      const parsed = parseIP(text);
      assert.equal(parsed !== undefined, isIP(text) !== 0, `parseIP and net.isIP disagree on ${JSON.stringify(text)}`);
      if (parsed?.family === 6 && !text.includes('%')) {
        const viaUrl = parseIP(new URL(`http://[${text}]/`).hostname.slice(1, -1));
        assert.deepEqual(parsed.bytes, viaUrl?.bytes, `bytes of ${text}`);
        checked++;
      }
    }
    assert.ok(checked > 1000, `only ${checked} valid IPv6 addresses generated`);
  });
});

describe('normalizeIP', () => {
  const cases: [string, string | undefined][] = [
    ['1.2.3.4', '1.2.3.4'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::FFFF:102:304', '1.2.3.4'],
    ['[::ffff:1.2.3.4]', '1.2.3.4'],
    ['[2001:DB8::1]', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['[fe80::1%eth0]', 'fe80::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['::1.2.3.4', '::102:304'],
    ['64:ff9b::1.2.3.4', '64:ff9b::102:304'],
    ['[1.2.3.4]', '1.2.3.4'],
    ['[]', undefined],
    ['[::1', undefined],
    ['::1]', undefined],
    ['1.2.3.4:80', undefined],
    ['localhost', undefined],
    ['', undefined],
  ];
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text)} → ${expected}`, () => assert.equal(normalizeIP(text), expected));
  }
});

describe('CidrSet', () => {
  const set = new CidrSet(['127.0.0.0/8', '::1/128', '10.1.2.3', '2001:db8:abcd::/48', '::ffff:192.168.0.0/112', '172.16.0.0/12', 'fe80::/10']);
  const cases: [string, boolean][] = [
    ['127.0.0.1', true],
    ['127.255.255.255', true],
    ['128.0.0.0', false],
    ['::ffff:127.0.0.1', true],
    ['[::ffff:127.0.0.1]', true],
    ['::1', true],
    ['[::1]', true],
    ['::2', false],
    ['10.1.2.3', true],
    ['10.1.2.4', false],
    ['2001:db8:abcd:ffff::1', true],
    ['2001:db8:abce::1', false],
    ['192.168.3.4', true],
    ['::ffff:192.168.3.4', true],
    ['192.169.0.1', false],
    ['172.31.255.255', true],
    ['172.32.0.0', false],
    ['fe80::1%eth0', true],
    ['febf:ffff::1', true],
    ['fec0::1', false],
    ['not an ip', false],
    ['', false],
  ];
  for (const [ip, expected] of cases) {
    it(`${JSON.stringify(ip)} ${expected ? 'in' : 'not in'} the set`, () => assert.equal(set.has(ip), expected));
  }

  it('matches everything with /0 and nothing when empty', () => {
    const all = new CidrSet(['0.0.0.0/0', '::/0']);
    assert.ok(all.has('8.8.8.8') && all.has('2001:4860::1') && all.has('::ffff:8.8.8.8'));
    assert.equal(new CidrSet([]).has('127.0.0.1'), false);
    assert.equal(new CidrSet(['0.0.0.0/0']).has('::1'), false, 'IPv4 networks do not cover IPv6');
  });

  it('accepts host bits set, as Go net.ParseCIDR does', () => {
    assert.ok(new CidrSet(['10.1.2.3/8']).has('10.200.0.1'));
    assert.ok(new CidrSet(['2001:db8::1/32']).has('2001:db8:ffff::'));
  });

  const invalid: [string, RegExp][] = [
    ['10.0.0.0/33', /prefix length must be a number from 0 to 32/],
    ['::/129', /from 0 to 128/],
    ['10.0.0.0/', /prefix length/],
    ['10.0.0.0/8/8', /prefix length/],
    ['10.0.0.0/08', /prefix length/],
    ['10.0.0.0/-1', /prefix length/],
    ['10.0.0/8', /"10.0.0" is not an IP address/],
    ['fe80::1%eth0/64', /is not an IP address/],
    ['example.com/24', /is not an IP address/],
    ['', /is not an IP address/],
  ];
  for (const [cidr, message] of invalid) {
    it(`refuses ${JSON.stringify(cidr)}, naming it`, () => {
      assert.throws(
        () => new CidrSet(['127.0.0.0/8', cidr]),
        (error: unknown) => error instanceof CidrError && error.cidr === cidr && message.test(error.message) && error.message.includes(`"${cidr}"`),
      );
    });
  }
});
