// Finds the configuration file (SPEC §1): --config, $SIGNPOST_CONFIG, ./signpost.yaml, then the system-wide
// files. A path the operator named must exist; the conventional places are simply skipped when absent.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from './errors.js';

/** System-wide places, in lookup order; Mirrorbits' own file comes last so a Mirrorbits host works as is. */
export const SYSTEM_CONFIG_PATHS: readonly string[] = ['/etc/signpost/signpost.yaml', '/etc/mirrorbits.conf'];

const kind = (file: string): 'file' | 'other' | 'missing' => {
  try {
    return statSync(file).isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
};

const named = (given: string, origin: string, cwd: string): string => {
  const file = resolve(cwd, given);
  const found = kind(file);
  if (found === 'missing') throw new ConfigError(given, undefined, '', `no such configuration file (named by ${origin})`);
  if (found === 'other') throw new ConfigError(given, undefined, '', `not a regular file (named by ${origin})`);
  return file;
};

/**
 * The absolute path of the configuration file to read, or undefined when there is none (built-in defaults).
 * `systemPaths` exists for tests; callers keep the default.
 */
export const locateConfig = (
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
  systemPaths: readonly string[] = SYSTEM_CONFIG_PATHS,
): string | undefined => {
  if (explicit !== undefined && explicit !== '') return named(explicit, '--config', cwd);
  const fromEnv = env['SIGNPOST_CONFIG'];
  if (fromEnv !== undefined && fromEnv !== '') return named(fromEnv, '$SIGNPOST_CONFIG', cwd);
  for (const candidate of [resolve(cwd, 'signpost.yaml'), ...systemPaths]) {
    if (kind(candidate) === 'file') return candidate;
  }
  return undefined;
};
