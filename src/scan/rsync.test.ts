import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScanError } from './listing.js';
import { rsyncCommand } from './rsync.js';

describe('rsyncCommand', () => {
  it('lists recursively with the Mirrorbits options and a UTC clock', () => {
    const command = rsyncCommand('rsync://mirror.example.org/pub/debian/');
    assert.equal(command.program, 'rsync');
    assert.deepEqual(command.args, [
      '-r',
      '--no-motd',
      '--list-only',
      '--exclude=.~tmp~/',
      '--timeout=30',
      '--contimeout=30',
      'rsync://mirror.example.org/pub/debian/',
    ]);
    assert.deepEqual(Object.keys(command.env).sort(), ['PATH', 'RSYNC_PASSWORD', 'TZ']);
    assert.equal(command.env.TZ, 'UTC');
    assert.equal(command.env.RSYNC_PASSWORD, '');
  });

  it('moves credentials from the URL to the environment', () => {
    const command = rsyncCommand('rsync://mirror%40user:s3cr%3At@mirror.example.org:8873/pub/');
    assert.equal(command.args.at(-1), 'rsync://mirror.example.org:8873/pub/');
    assert.ok(!command.args.join(' ').includes('s3cr'), 'password on the command line');
    assert.ok(!command.args.join(' ').includes('mirror@user'), 'user on the command line');
    assert.equal(command.env.USER, 'mirror@user');
    assert.equal(command.env.RSYNC_PASSWORD, 's3cr:t');
    assert.ok(!('HOME' in command.env), 'the rest of the environment is not inherited');
  });

  it('passes the path as written, since rsync does not percent-decode', () => {
    assert.equal(rsyncCommand('rsync://h/pub/caf%C3%A9/').args.at(-1), 'rsync://h/pub/caf%C3%A9/');
    assert.equal(rsyncCommand('rsync://h/pub/sub dir/').args.at(-1), 'rsync://h/pub/sub dir/');
  });

  const bad: [string, RegExp][] = [
    ['http://h/pub/', /not an rsync URL/],
    ['rsync://h/pub\tdir/', /not an rsync URL/],
    ['rsync://h/pub/\n--rsh=evil', /not an rsync URL/],
    ['rsync://user:pw@/pub/', /no host/],
    ['rsync://-e/pub/', /no host/],
  ];
  for (const [url, message] of bad) {
    it(`refuses ${JSON.stringify(url)}`, () => {
      assert.throws(
        () => rsyncCommand(url),
        (err: unknown) => err instanceof ScanError && message.test(err.message) && !err.message.includes(':pw@'),
      );
    });
  }
});
