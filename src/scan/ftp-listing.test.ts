import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY_MS, MINUTE_MS, parseFtpListDate, parseFtpListing } from './ftp-listing.js';

const now = Date.parse('2026-03-10T08:00:00Z');
const at = (iso: string): number => Date.parse(iso);

describe('parseFtpListDate', () => {
  const cases: [string, { mtimeMs: number; precisionMs: number } | undefined][] = [
    ['Mar 01 12:00', { mtimeMs: at('2026-03-01T12:00:00Z'), precisionMs: MINUTE_MS }],
    ['Mar 10 09:30', { mtimeMs: at('2026-03-10T09:30:00Z'), precisionMs: MINUTE_MS }], // a little ahead: clock skew
    ['Nov 21 22:13', { mtimeMs: at('2025-11-21T22:13:00Z'), precisionMs: MINUTE_MS }], // recent, so last year
    ['nov 21 22:13', { mtimeMs: at('2025-11-21T22:13:00Z'), precisionMs: MINUTE_MS }],
    ['21 Nov 22:13', { mtimeMs: at('2025-11-21T22:13:00Z'), precisionMs: MINUTE_MS }],
    ['Feb 29 10:00', { mtimeMs: at('2024-02-29T10:00:00Z'), precisionMs: MINUTE_MS }], // latest leap year
    ['Jun 07 2024', { mtimeMs: at('2024-06-07T00:00:00Z'), precisionMs: DAY_MS }],
    ['Jun  7  2024', { mtimeMs: at('2024-06-07T00:00:00Z'), precisionMs: DAY_MS }],
    ['7 Jun 2024', { mtimeMs: at('2024-06-07T00:00:00Z'), precisionMs: DAY_MS }],
    ['2024-06-07 12:00', { mtimeMs: at('2024-06-07T12:00:00Z'), precisionMs: MINUTE_MS }],
    ['2024-06-07 12:00:03', { mtimeMs: at('2024-06-07T12:00:03Z'), precisionMs: 1000 }],
    ['06-07-24 12:00PM', { mtimeMs: at('2024-06-07T12:00:00Z'), precisionMs: MINUTE_MS }],
    ['06-07-24 12:05AM', { mtimeMs: at('2024-06-07T00:05:00Z'), precisionMs: MINUTE_MS }],
    ['06-07-98 01:05PM', { mtimeMs: at('1998-06-07T13:05:00Z'), precisionMs: MINUTE_MS }],
    ['06-07-2024 17:05', { mtimeMs: at('2024-06-07T17:05:00Z'), precisionMs: MINUTE_MS }],
    ['Foo 07 2024', undefined],
    ['Feb 30 2024', undefined],
    ['06-07-24 13:05PM', undefined],
    ['yesterday', undefined],
    ['', undefined],
  ];
  for (const [raw, expected] of cases) {
    it(JSON.stringify(raw), () => assert.deepEqual(parseFtpListDate(raw, now), expected));
  }
});

describe('parseFtpListing', () => {
  it('reads a vsftpd LIST', () => {
    const raw = [
      'drwxr-xr-x    4 0        0            4096 Mar 01 12:00 .',
      'drwxr-xr-x    3 0        0            4096 Mar 01 12:00 ..',
      '-rw-r--r--    1 0        0               6 Jun 07  2024 a.txt',
      '-rw-r--r--    1 0        0         3000000 Mar 01 12:00 big',
      'drwxr-xr-x    2 0        0            4096 Mar 01 12:00 sub dir',
      'lrwxrwxrwx    1 0        0               5 Mar 01 12:00 link -> a.txt',
      '-rw-r--r--    1 ftp      ftp            12 Mar 01 12:00 name with  spaces.txt',
    ].join('\r\n');
    const result = parseFtpListing(raw, now);
    assert.equal(result.skipped, 0);
    assert.deepEqual(result.entries, [
      { name: 'a.txt', type: 'file', size: 6, mtimeMs: at('2024-06-07T00:00:00Z'), precisionMs: DAY_MS },
      { name: 'big', type: 'file', size: 3000000, mtimeMs: at('2026-03-01T12:00:00Z'), precisionMs: MINUTE_MS },
      { name: 'sub dir', type: 'dir', size: 0, mtimeMs: at('2026-03-01T12:00:00Z'), precisionMs: MINUTE_MS },
      { name: 'link', type: 'link', size: 0, mtimeMs: at('2026-03-01T12:00:00Z'), precisionMs: MINUTE_MS },
      { name: 'name with  spaces.txt', type: 'file', size: 12, mtimeMs: at('2026-03-01T12:00:00Z'), precisionMs: MINUTE_MS },
    ]);
  });

  it('reads an MLSD listing to the second', () => {
    const raw = [
      'type=cdir;modify=20240607120003;perm=el; .',
      'type=pdir;modify=20240607120003;perm=el; ..',
      'type=file;size=1234;modify=20240607120003;perm=r; file.iso',
      'type=dir;modify=20240101000000;perm=el; pool',
      'type=file;size=7;modify=20240607120003.250;UNIX.mode=0644; frac.txt',
    ].join('\r\n');
    const result = parseFtpListing(raw, now);
    assert.equal(result.skipped, 0);
    assert.deepEqual(result.entries, [
      { name: 'file.iso', type: 'file', size: 1234, mtimeMs: at('2024-06-07T12:00:03Z'), precisionMs: 1000 },
      { name: 'pool', type: 'dir', size: 0, mtimeMs: at('2024-01-01T00:00:00Z'), precisionMs: 1000 },
      { name: 'frac.txt', type: 'file', size: 7, mtimeMs: at('2024-06-07T12:00:03.250Z'), precisionMs: 1000 },
    ]);
  });

  it('reads a DOS listing', () => {
    const raw = ['06-07-24  12:00PM       <DIR>          Program Files', '06-07-24  01:05AM              1234 setup.exe'].join('\r\n');
    assert.deepEqual(parseFtpListing(raw, now).entries, [
      { name: 'Program Files', type: 'dir', size: 0, mtimeMs: at('2024-06-07T12:00:00Z'), precisionMs: MINUTE_MS },
      { name: 'setup.exe', type: 'file', size: 1234, mtimeMs: at('2024-06-07T01:05:00Z'), precisionMs: MINUTE_MS },
    ]);
  });

  it('counts lines it cannot trust, and never throws', () => {
    const raw = [
      '-rw-r--r--    1 0        0               6 Jun 07  2024 ok.txt',
      'this is not a listing line',
      '-rw-r--r--    1 0        0               6 Jun 07  2024 ..',
      '-rw-r--r--    1 0        0               6 Jun 07  2024 a/b',
      '-rw-r--r--    1 0        0               6 Jun 07  2024 bell\u0007',
      '-rw-r--r--    1 0        0  99999999999999999999 Jun 07  2024 huge',
      '-rw-r--r--    1 0        0               6 Jun 07  2024 ' + 'x'.repeat(9000),
      'total 42',
      '',
    ].join('\n');
    const result = parseFtpListing(raw, now);
    assert.deepEqual(
      result.entries.map((e) => e.name),
      ['ok.txt'],
    );
    assert.equal(result.skipped, 5);
    assert.ok(result.skippedExamples.some((e) => e.startsWith('unparsable line')));
    assert.ok(result.skippedExamples.some((e) => e.startsWith('unsafe name')));
    assert.ok(result.skippedExamples.some((e) => e.startsWith('invalid size')));
    assert.ok(result.skippedExamples.some((e) => e.startsWith('line longer than 8 KiB')));
  });

  it('gives unknown dates as 0', () => {
    const raw = '-rw-r--r--    1 0        0               6 Foo 99 9999 odd';
    const result = parseFtpListing(raw, now);
    assert.deepEqual(result.entries, [{ name: 'odd', type: 'file', size: 6, mtimeMs: 0, precisionMs: 0 }]);
  });
});
