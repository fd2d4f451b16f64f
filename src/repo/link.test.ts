import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveThroughLinks } from './link.js';

test('resolveThroughLinks maps paths through directory and file links, refuses escaping ones', () => {
  const links = new Map<string, string | null>([
    ['/latest', '/releases'],
    ['/releases/current', '/releases/3.0'],
    ['/current.iso', '/releases/3.0/os.iso'],
    ['/outside', null],
    ['/releases/3.0/etc', null],
    ['/self', '/'],
  ]);
  const cases: [string, string | null][] = [
    ['/', '/'],
    ['/plain/file', '/plain/file'],
    ['/latest', '/releases'],
    ['/latest/x', '/releases/x'],
    ['/latest/current/os.iso', '/releases/3.0/os.iso'],
    ['/releases/current/os.iso', '/releases/3.0/os.iso'],
    ['/current.iso', '/releases/3.0/os.iso'],
    ['/latestx/file', '/latestx/file'],
    ['/outside', null],
    ['/outside/passwd', null],
    ['/latest/current/etc/passwd', null],
    ['/self/latest/x', '/releases/x'],
    ['/self', '/'],
  ];
  for (const [path, expected] of cases) assert.equal(resolveThroughLinks(path, links), expected, path);
  assert.equal(resolveThroughLinks('/a/b', new Map()), '/a/b');
});

test('resolveThroughLinks gives up on a cycle instead of looping', () => {
  // The walk never records such a map (targets are real paths), but a corrupt store could hold one.
  const links = new Map<string, string | null>([
    ['/a', '/b'],
    ['/b', '/a'],
  ]);
  assert.equal(resolveThroughLinks('/a/x', links), null);
});
