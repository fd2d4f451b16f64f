// Signpost's version, read once from package.json.
import { readFileSync } from 'node:fs';

const read = (): string => {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      // try the next location (src/ under tsx, dist/src/ when compiled)
    }
  }
  return '0.0.0';
};

export const VERSION = read();
