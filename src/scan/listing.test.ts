import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScanError, SkipLog, redactURL, safeRelativePath, scanDeadline, splitCredentials, utcTime } from './listing.js';

describe('safeRelativePath', () => {
  const cases: [string, string | undefined][] = [
    ['a.txt', '/a.txt'],
    ['dir/sub/file.iso', '/dir/sub/file.iso'],
    ['sub dir/f é.txt', '/sub dir/f é.txt'],
    ['./a/./b', '/a/b'],
    ['a//b/', '/a/b'],
    ['日本語/ファイル', '/日本語/ファイル'],
    ['..', undefined],
    ['../etc/passwd', undefined],
    ['a/../../b', undefined],
    ['a/..', undefined],
    ['/etc/passwd', undefined],
    ['\\\\server\\share', undefined],
    ['C:\\Windows', undefined],
    ['C:/Windows', undefined],
    ['a\0b', undefined],
    ['a\nb', undefined],
    ['a\rb', undefined],
    ['a\tb', undefined],
    ['a\u001bb', undefined],
    ['a\u0085b', undefined],
    ['bad\ud800half', undefined],
    ['', undefined],
    ['.', undefined],
    ['./', undefined],
    ['x'.repeat(4096), '/' + 'x'.repeat(4096)],
    ['x'.repeat(4097), undefined],
    ['..foo', '/..foo'],
    ['foo..', '/foo..'],
  ];
  for (const [raw, expected] of cases) {
    it(`${JSON.stringify(raw.length > 40 ? raw.slice(0, 20) + '…' : raw)} → ${expected === undefined ? 'rejected' : JSON.stringify(expected.slice(0, 30))}`, () => {
      assert.equal(safeRelativePath(raw), expected);
    });
  }
});

describe('redactURL', () => {
  const cases: [string, string][] = [
    ['rsync://user:secret@mirror.example.org/pub/', 'rsync://mirror.example.org/pub/'],
    ['ftp://anon@ftp.example.org/pub/', 'ftp://ftp.example.org/pub/'],
    ['https://u:p%40ss@example.org/x/', 'https://example.org/x/'],
    ['http://example.org/x/', 'http://example.org/x/'],
    ['not a url //user:pw@host/x', 'not a url //host/x'],
  ];
  for (const [input, expected] of cases) {
    it(input, () => assert.equal(redactURL(input), expected));
  }
});

describe('ScanError', () => {
  it('names the URL without its password, and the cause', () => {
    const err = new ScanError('rsync://u:hunter2@mirror.example.org/pub/', 'rsync: Error starting client-server protocol (exit 5)');
    assert.equal(err.message, 'rsync://mirror.example.org/pub/: rsync: Error starting client-server protocol (exit 5)');
    assert.equal(err.kind, 'failed');
    assert.ok(!err.message.includes('hunter2'));
    assert.ok(err instanceof Error);
  });
});

describe('splitCredentials', () => {
  it('percent-decodes user and password and removes them from the URL', () => {
    const c = splitCredentials(new URL('ftp://us%20er:p%40ss%3Aword@host:2121/pub/'));
    assert.deepEqual(c, { bare: 'ftp://host:2121/pub/', user: 'us er', password: 'p@ss:word' });
  });
});

describe('SkipLog', () => {
  it('counts everything, keeps 10 examples of at most 200 characters, control characters visible', () => {
    const log = new SkipLog();
    for (let i = 0; i < 25; i++) log.add('unparsable line', `line ${i}\u001b[31m` + 'x'.repeat(1000));
    assert.equal(log.count, 25);
    assert.equal(log.examples.length, 10);
    for (const example of log.examples) {
      assert.ok(example.length <= 200, example);
      assert.ok(example.startsWith('unparsable line: "line '));
      assert.ok(!example.includes('\u001b'));
    }
  });
});

describe('utcTime', () => {
  it('rejects dates that do not exist', () => {
    assert.equal(utcTime(2024, 2, 29, 12, 0, 0), Date.UTC(2024, 1, 29, 12));
    assert.equal(utcTime(2023, 2, 29), undefined);
    assert.equal(utcTime(2024, 13, 1), undefined);
    assert.equal(utcTime(2024, 1, 1, 24), undefined);
  });
});

describe('scanDeadline', () => {
  it('tells a timeout from an abort', async () => {
    const timed = scanDeadline({ timeoutMs: 10 });
    await new Promise((resolve) => timed.signal.addEventListener('abort', resolve));
    assert.equal(timed.failure(), 'timeout');
    timed.dispose();

    const controller = new AbortController();
    const aborted = scanDeadline({ signal: controller.signal, timeoutMs: 10_000 });
    controller.abort();
    assert.equal(aborted.signal.aborted, true);
    assert.equal(aborted.failure(), 'aborted');
    aborted.dispose();
  });
});
