// Range de-duplication: one count per client (address and user agent) and file while its window is open.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RangeDedup } from './range-dedup.js';

const W = 600_000; // Mirrorbits' default SameDownloadInterval, 600 s
const T = 1_715_083_200_000;
const UA = 'Wget/1.21.4';

describe('RangeDedup', () => {
  it('counts the first range request and not the following ones within the window', () => {
    const dedup = new RangeDedup(W);
    assert.equal(dedup.firstInWindow('192.0.2.1', UA, '/a.iso', T), true);
    assert.equal(dedup.firstInWindow('192.0.2.1', UA, '/a.iso', T), false);
    assert.equal(dedup.firstInWindow('192.0.2.1', UA, '/a.iso', T + W - 1), false);
  });

  it('counts again once a whole window has passed without a request (window edges: W - 1 open, W closed)', () => {
    const steps: [offset: number, counted: boolean][] = [
      [0, true],
      [W, true], // exactly one window later: closed
      [2 * W - 1, false],
      [3 * W - 1, true],
    ];
    const dedup = new RangeDedup(W);
    for (const [offset, counted] of steps) assert.equal(dedup.firstInWindow('192.0.2.1', UA, '/a.iso', T + offset), counted, `at +${offset}`);
  });

  it('restarts the window on every request by default, so that a long download in pieces counts once', () => {
    const dedup = new RangeDedup(W);
    const counted = [0, 1, 2, 3, 4, 5, 6].map((i) => dedup.firstInWindow('192.0.2.1', UA, '/big.iso', T + i * (W - 1)));
    assert.deepEqual(counted, [true, false, false, false, false, false, false]);
    assert.equal(dedup.firstInWindow('192.0.2.1', UA, '/big.iso', T + 6 * (W - 1) + W), true, 'a full window of silence ends it');
  });

  it('with slide: false, counts once per window from the counted request', () => {
    const dedup = new RangeDedup(W, { slide: false });
    const counted = [0, 1, 2, 3].map((i) => dedup.firstInWindow('192.0.2.1', UA, '/big.iso', T + i * (W / 2)));
    assert.deepEqual(counted, [true, false, true, false]);
  });

  it('keeps addresses, user agents and files apart, including strings that join alike', () => {
    const dedup = new RangeDedup(W);
    const keys: [string, string, string][] = [
      ['192.0.2.1', UA, '/a.iso'],
      ['192.0.2.2', UA, '/a.iso'],
      ['192.0.2.1', 'curl/8.5.0', '/a.iso'],
      ['192.0.2.1', UA, '/b.iso'],
      ['2001:db8::1', UA, '/a.iso'],
      ['192.0.2.1', '', '/a.iso'],
      ['a', 'bc', '/x'],
      ['ab', 'c', '/x'],
      ['a', 'b', 'c/x'],
    ];
    for (const key of keys) assert.equal(dedup.firstInWindow(...key, T), true, key.join(' '));
    for (const key of keys) assert.equal(dedup.firstInWindow(...key, T + 1), false, key.join(' '));
    assert.equal(dedup.size, keys.length);
  });

  it('counts every request with a window of 0 (de-duplication off), remembering nothing', () => {
    const dedup = new RangeDedup(0);
    for (let i = 0; i < 3; i++) assert.equal(dedup.firstInWindow('192.0.2.1', UA, '/a.iso', T), true);
    assert.equal(dedup.size, 0);
  });

  it('forgets expired entries as time passes, so that memory follows the clients of the last window', () => {
    const dedup = new RangeDedup(1000);
    for (let i = 0; i < 10_000; i++) dedup.firstInWindow(`10.0.${i >> 8}.${i & 255}`, UA, '/a.iso', T + i / 100);
    assert.equal(dedup.size, 10_000);
    dedup.firstInWindow('192.0.2.1', UA, '/a.iso', T + 1050); // sweeps entries older than T + 50
    assert.ok(dedup.size <= 10_000 - 5000 + 1, `${dedup.size} entries left after a sweep`);
    dedup.firstInWindow('192.0.2.1', UA, '/a.iso', T + 5000);
    assert.equal(dedup.size, 1);
  });

  it('is capped, forgetting the least recently seen first', () => {
    const dedup = new RangeDedup(W, { maxEntries: 3 });
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) dedup.firstInWindow(ip, UA, '/a', T);
    dedup.firstInWindow('10.0.0.1', UA, '/a', T + 1); // seen again: now the most recent
    dedup.firstInWindow('10.0.0.4', UA, '/a', T + 2); // evicts 10.0.0.2
    assert.equal(dedup.size, 3);
    assert.equal(dedup.firstInWindow('10.0.0.1', UA, '/a', T + 3), false);
    assert.equal(dedup.firstInWindow('10.0.0.3', UA, '/a', T + 3), false);
    assert.equal(dedup.firstInWindow('10.0.0.2', UA, '/a', T + 3), true, 'the evicted one counts again');
    assert.equal(dedup.size, 3);
  });

  it('handles 300,000 distinct clients quickly and without collisions among them', () => {
    const dedup = new RangeDedup(W);
    const started = performance.now();
    let counted = 0;
    for (let i = 0; i < 300_000; i++) if (dedup.firstInWindow(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, UA, '/pool/main/file.deb', T)) counted++;
    const elapsed = performance.now() - started;
    assert.equal(counted, 300_000);
    assert.equal(dedup.size, 300_000);
    assert.ok(elapsed < 3000, `300,000 clients took ${Math.round(elapsed)} ms`);
  });
});
