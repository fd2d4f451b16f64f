// Entry point of the configuration: locate the file, read it, parse and validate it, or fall back to
// the built-in defaults. Re-exports the module's public pieces so callers import from one place.
import { readFileSync } from 'node:fs';
import type { Config } from './config.js';
import { defaultConfig } from './defaults.js';
import { ConfigError } from './errors.js';
import { locateConfig } from './locate.js';
import { parseConfig } from './parse.js';

export type { Config } from './config.js';
export { defaultConfig } from './defaults.js';
export { durationText, parseDuration } from './duration.js';
export { ConfigError } from './errors.js';
export { locateConfig, SYSTEM_CONFIG_PATHS } from './locate.js';
export { knownKeys, parseConfig, plannedKeys } from './parse.js';

/** The text of a configuration file; an unreadable file is a ConfigError naming it. */
export const readConfigText = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw new ConfigError(file, undefined, '', `cannot read the configuration file (${reason})`);
  }
};

/** The configuration in force for this process (daemon start, reload, or a CLI command). */
export const loadConfig = (
  explicit: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Config => {
  const file = locateConfig(explicit, env, cwd);
  if (file === undefined) return defaultConfig(cwd);
  const text = readConfigText(file);
  return parseConfig(text, file);
};
