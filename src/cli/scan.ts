// `signpost scan` and `signpost refresh`: run in the daemon, return once the result is visible to the request path.
import type { MirrorView } from '../mirrors/view.js';
import type { RefreshSummary } from '../repo/refresh.js';
import type { ScanSummary } from '../scan/mirror-scan.js';
import { call, CliError } from './client.js';
import type { Connection } from './client.js';

/** While waiting on a terminal, show that something is happening. */
const withProgress = async <T>(label: string, work: Promise<T>): Promise<T> => {
  if (!process.stderr.isTTY) return work;
  const started = Date.now();
  const timer = setInterval(() => process.stderr.write(`\r${label} ${Math.round((Date.now() - started) / 1000)}s`), 250);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    process.stderr.write('\r\x1b[K');
  }
};

const describe = (s: ScanSummary): string =>
  `${s.mirror}: ${s.listed} files listed over ${s.protocol} (${s.known} known), ${s.added} added, ${s.changed} changed, ${s.removed} removed` +
  (s.skipped ? `, ${s.skipped} listing entries skipped` : '') +
  (s.enabled ? '' : ' (mirror disabled)');

export const scan = async (conn: Connection, name: string | undefined, options: { enable: boolean; protocol?: string }, json: boolean): Promise<number> => {
  const names = name !== undefined ? [name] : (await call<MirrorView[]>(conn, 'GET', '/api/mirrors')).map((m) => m.name);
  const results: (ScanSummary | { mirror: string; error: string })[] = [];
  let failed = 0;
  for (const n of names) {
    try {
      const summary = await withProgress(`Scanning ${n}…`, call<ScanSummary>(conn, 'POST', `/api/mirrors/${encodeURIComponent(n)}/scan`, options));
      results.push(summary);
      if (!json) process.stdout.write(`${describe(summary)}\n`);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      if (name !== undefined) throw error;
      failed++;
      results.push({ mirror: n, error: error.message });
      process.stderr.write(`signpost: ${n}: ${error.message}\n`);
    }
  }
  if (json) process.stdout.write(`${JSON.stringify(name !== undefined ? results[0] : results, null, 2)}\n`);
  return failed > 0 ? 1 : 0;
};

export const refresh = async (conn: Connection, rehash: boolean, json: boolean): Promise<void> => {
  const s = await withProgress('Refreshing the repository…', call<RefreshSummary>(conn, 'POST', '/api/refresh', { rehash }));
  const text =
    s.doneBy !== undefined
      ? `Repository: ${s.files} files, refreshed by node ${s.doneBy} while this one waited ${s.durationMs} ms`
      : `Repository: ${s.files} files, ${s.hashed} hashed, ${s.added} added, ${s.changed} changed, ${s.removed} removed (${s.durationMs} ms)`;
  process.stdout.write(json ? `${JSON.stringify(s, null, 2)}\n` : `${text}\n`);
};
