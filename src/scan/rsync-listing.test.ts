import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRsyncLine, parseRsyncListing, unescapeRsyncName } from './rsync-listing.js';

const at = (iso: string): number => Date.parse(iso);

describe('parseRsyncLine', () => {
  const files: [string, string, { path: string; size: number; mtimeMs: number }][] = [
    [
      'thousands commas',
      '-rw-r--r--      1,234,567 2024/06/07 12:00:03 path/to/file',
      { path: '/path/to/file', size: 1234567, mtimeMs: at('2024-06-07T12:00:03Z') },
    ],
    ['no commas', '-rw-r--r--        1234567 2024/06/07 12:00:03 f.iso', { path: '/f.iso', size: 1234567, mtimeMs: at('2024-06-07T12:00:03Z') }],
    ['dots as separators', '-rw-r--r--      1.234.567 2024/06/07 12:00:03 f', { path: '/f', size: 1234567, mtimeMs: at('2024-06-07T12:00:03Z') }],
    ['small file', '-rw-r--r--              6 2024/06/07 12:00:03 a.txt', { path: '/a.txt', size: 6, mtimeMs: at('2024-06-07T12:00:03Z') }],
    ['empty file', '-rw-r--r--              0 1999/12/31 23:59:59 empty', { path: '/empty', size: 0, mtimeMs: at('1999-12-31T23:59:59Z') }],
    [
      'spaces in names',
      '-rw-r--r--          4,096 2024/06/07 12:00:03 sub dir/my file  .txt',
      { path: '/sub dir/my file  .txt', size: 4096, mtimeMs: at('2024-06-07T12:00:03Z') },
    ],
    [
      'a name starting with a space',
      '-rw-r--r--              1 2024/06/07 12:00:03  leading',
      { path: '/ leading', size: 1, mtimeMs: at('2024-06-07T12:00:03Z') },
    ],
    [
      'escaped UTF-8',
      '-rw-r--r--              2 2026/11/21 22:13:11 sub dir/f\\#303\\#251 ile.txt',
      { path: '/sub dir/fé ile.txt', size: 2, mtimeMs: at('2026-11-21T22:13:11Z') },
    ],
    [
      'raw UTF-8 (rsync -8)',
      '-rw-r--r--              2 2026/11/21 22:13:11 日本/データ.bin',
      { path: '/日本/データ.bin', size: 2, mtimeMs: at('2026-11-21T22:13:11Z') },
    ],
    [
      'setuid and sticky bits',
      '-rwsr-xr-T            100 2024/06/07 12:00:03 bin/tool',
      { path: '/bin/tool', size: 100, mtimeMs: at('2024-06-07T12:00:03Z') },
    ],
    [
      'huge file',
      '-rw-r--r-- 10,995,116,277,760 2024/06/07 12:00:03 disk.img',
      { path: '/disk.img', size: 10995116277760, mtimeMs: at('2024-06-07T12:00:03Z') },
    ],
  ];
  for (const [name, line, file] of files) {
    it(`file: ${name}`, () => assert.deepEqual(parseRsyncLine(line), { kind: 'file', file }));
  }

  const ignored: [string, string][] = [
    ['directory', 'drwxr-xr-x          4,096 2024/06/07 12:00:03 sub dir'],
    ['the base directory', 'drwxr-xr-x          4,096 2024/06/07 12:00:03 .'],
    ['symlink', 'lrwxrwxrwx              5 2024/06/07 12:00:03 link'],
    ['symlink with target', 'lrwxrwxrwx              5 2024/06/07 12:00:03 link -> a.txt'],
    ['device', 'crw-rw-rw-          1,003 2024/06/07 12:00:03 null'],
    ['fifo', 'prw-r--r--              0 2024/06/07 12:00:03 pipe'],
    ['blank line', ''],
    ['spaces only', '    '],
  ];
  for (const [name, line] of ignored) {
    it(`ignored: ${name}`, () => assert.deepEqual(parseRsyncLine(line), { kind: 'ignored' }));
  }

  const skipped: [string, string, string][] = [
    ['garbage', 'hello world', 'unparsable line'],
    ['module list line', 'pub            Public files', 'unparsable line'],
    ['MOTD text', 'Welcome to the mirror! 2024/06/07 12:00:03', 'unparsable line'],
    ['missing name', '-rw-r--r--              6 2024/06/07 12:00:03', 'unparsable line'],
    ['bad permissions', '-rw-r--r-Z              6 2024/06/07 12:00:03 a', 'unparsable line'],
    ['bad comma grouping', '-rw-r--r--         12,34 2024/06/07 12:00:03 a', 'unparsable line'],
    ['negative size', '-rw-r--r--             -6 2024/06/07 12:00:03 a', 'unparsable line'],
    ['13th month', '-rw-r--r--              6 2024/13/07 12:00:03 a', 'invalid date'],
    ['30 February', '-rw-r--r--              6 2024/02/30 12:00:03 a', 'invalid date'],
    ['25 o’clock', '-rw-r--r--              6 2024/02/03 25:00:03 a', 'invalid date'],
    ['size beyond 2^53', '-rw-r--r-- 99999999999999999999 2024/06/07 12:00:03 a', 'size out of range'],
    ['parent escape', '-rw-r--r--              6 2024/06/07 12:00:03 ../../etc/passwd', 'unsafe path'],
    ['inner ..', '-rw-r--r--              6 2024/06/07 12:00:03 a/../../b', 'unsafe path'],
    ['absolute path', '-rw-r--r--              6 2024/06/07 12:00:03 /etc/passwd', 'unsafe path'],
    ['escaped newline in name', '-rw-r--r--              2 2026/11/21 22:13:11 d2/new\\#012line', 'unsafe path'],
    ['escaped NUL', '-rw-r--r--              2 2026/11/21 22:13:11 a\\#000b', 'unsafe path'],
    ['escaped invalid UTF-8', '-rw-r--r--              2 2026/11/21 22:13:11 caf\\#351', 'name is not UTF-8'],
    ['escape beyond a byte', '-rw-r--r--              2 2026/11/21 22:13:11 a\\#777', 'name is not UTF-8'],
    ['10 KB line', '-rw-r--r--              6 2024/06/07 12:00:03 ' + 'a'.repeat(10 * 1024), 'line longer than 8 KiB'],
  ];
  for (const [name, line, reason] of skipped) {
    it(`skipped: ${name}`, () => assert.deepEqual(parseRsyncLine(line), { kind: 'skipped', reason }));
  }
});

describe('unescapeRsyncName', () => {
  it('restores a literal backslash-hash that rsync escaped', () => {
    assert.equal(unescapeRsyncName('a\\#134#001b'), 'a\\#001b');
    assert.equal(unescapeRsyncName('plain'), 'plain');
  });
});

describe('parseRsyncListing', () => {
  it('keeps the files, ignores directories and symlinks, counts the rest with examples', () => {
    const text = [
      'drwxr-xr-x          4,096 2026/11/21 22:13:11 .',
      '-rw-r--r--              6 2024/06/07 12:00:03 a.txt',
      '-rw-r--r--      3,000,000 2026/11/21 22:13:11 big',
      'lrwxrwxrwx              5 2026/11/21 22:13:11 link',
      'drwxr-xr-x          4,096 2026/11/21 22:13:11 d2',
      '-rw-r--r--              2 2026/11/21 22:13:11 d2/new\\#012line',
      'garbage \u001b[2J line',
      '-rw-r--r--              2 2026/11/21 22:13:11 ../escape',
      '',
    ].join('\n');
    const result = parseRsyncListing(text);
    assert.deepEqual(result.files, [
      { path: '/a.txt', size: 6, mtimeMs: at('2024-06-07T12:00:03Z') },
      { path: '/big', size: 3_000_000, mtimeMs: at('2026-11-21T22:13:11Z') },
    ]);
    assert.equal(result.skipped, 3);
    assert.equal(result.skippedExamples.length, 3);
    assert.match(result.skippedExamples[1] ?? '', /^unparsable line: "garbage \\u001b\[2J line"$/);
  });

  it('survives a flood of hostile lines', () => {
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) lines.push(i % 2 ? '\u0000'.repeat(100) : `-rw-r--r-- ${i} 2024/06/07 12:00:03 f${i}`);
    lines.push('x'.repeat(1_000_000));
    const result = parseRsyncListing(lines.join('\n'));
    assert.equal(result.files.length, 10_000);
    assert.equal(result.skipped, 10_001);
    assert.equal(result.skippedExamples.length, 10);
  });
});
