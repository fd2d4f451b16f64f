// Where the built-in templates and static files live: `web/` at the project root, found from this module in src/ or dist/src/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const findWebRoot = (start: string): string => {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'web', 'templates'))) return join(dir, 'web');
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Signpost's web/ folder (templates and static files) was not found above ${start}`);
    dir = parent;
  }
};

let cached: string | undefined;

/** Absolute path of the `web/` folder shipped with Signpost. */
export const webRoot = (): string => (cached ??= findWebRoot(dirname(fileURLToPath(import.meta.url))));
