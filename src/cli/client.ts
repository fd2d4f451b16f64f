// The CLI's client of the admin API: finds the daemon (flags, environment, config file) and turns answers into values or one-line errors.
import type { Config } from '../config/config.js';
import { loadConfig } from '../config/load.js';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface Connection {
  base: string;
  token: string;
}

const toURL = (address: string): string => {
  if (/^https?:\/\//.test(address)) return address.replace(/\/+$/, '');
  const host = address.startsWith(':') ? `127.0.0.1${address}` : address.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:');
  return `http://${host}`;
};

export const connection = (flags: { config?: string; admin?: string; token?: string }, env = process.env): Connection => {
  let config: Config | undefined;
  const needConfig = (flags.admin ?? env.SIGNPOST_ADMIN) === undefined || (flags.token ?? env.SIGNPOST_TOKEN) === undefined;
  if (needConfig) config = loadConfig(flags.config);
  const admin = flags.admin ?? env.SIGNPOST_ADMIN ?? config?.adminListenAddress ?? '127.0.0.1:3391';
  const token = flags.token ?? env.SIGNPOST_TOKEN ?? config?.adminToken ?? '';
  return { base: toURL(admin), token };
};

export const call = async <T>(conn: Connection, method: string, path: string, body?: unknown): Promise<T> => {
  let response: Response;
  try {
    response = await fetch(conn.base + path, {
      method,
      headers: { ...(conn.token ? { authorization: `Bearer ${conn.token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch (error) {
    const inner = (error as { cause?: { code?: string; errors?: { code?: string }[] } }).cause;
    const cause = inner?.code ?? inner?.errors?.[0]?.code ?? (error as Error).message;
    throw new CliError(`cannot reach the Signpost daemon at ${conn.base} (${cause}); is \`signpost daemon\` running?`);
  }
  const text = await response.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError(`unexpected answer from ${conn.base}${path}: HTTP ${response.status}`);
  }
  if (!response.ok) {
    const message = (value as { error?: string }).error ?? `HTTP ${response.status}`;
    throw new CliError(message);
  }
  return value as T;
};
