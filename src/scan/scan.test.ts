import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScanError } from './listing.js';
import { scanMirror } from './scan.js';

describe('scanMirror', () => {
  const refused: [string, RegExp][] = [
    ['gopher://mirror.example.org/pub/', /cannot scan gopher:\/\//],
    ['mirror.example.org/pub/', /without a scheme/],
    ['file:///srv/mirror/', /cannot scan file:\/\//],
  ];
  for (const [url, message] of refused) {
    it(`refuses ${url}`, async () => {
      await assert.rejects(scanMirror(url), (err: unknown) => err instanceof ScanError && message.test(err.message));
    });
  }

  it('refuses a malformed FTP or HTTP URL with a ScanError', async () => {
    await assert.rejects(scanMirror('ftp://[bad/'), ScanError);
    await assert.rejects(scanMirror('http://[bad/'), ScanError);
  });

  it('fails at once when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      scanMirror('rsync://127.0.0.1:1/pub/', { signal: controller.signal }),
      (err: unknown) => err instanceof ScanError && err.kind === 'aborted',
    );
  });
});
