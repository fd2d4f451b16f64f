// Locations tests need: the project root (found from this file, in src or dist) and the fixtures.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const findRoot = (start: string): string => {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
};

export const projectRoot = findRoot(dirname(fileURLToPath(import.meta.url)));
export const fixtures = join(projectRoot, 'test', 'fixtures');
export const geoipFixtures = join(fixtures, 'geoip');

/** A fresh temporary directory, removed by the returned function. */
export const tempDir = (prefix = 'signpost-test-'): { path: string; remove: () => void } => {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
};
