// `signpost stats file PATTERN | mirror NAME [--from --to] [--json]` and `signpost export`.
import type { MirrorView } from '../mirrors/view.js';
import { call, CliError } from './client.js';
import type { Connection } from './client.js';
import { exportMirrors } from './export.js';
import type { ExportFormat } from './export.js';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
export const humanBytes = (n: number): string => {
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
};

const query = (range: { from?: string; to?: string }, extra: Record<string, string> = {}): string => {
  const params = new URLSearchParams(extra);
  if (range.from) params.set('from', range.from);
  if (range.to) params.set('to', range.to);
  const text = params.toString();
  return text ? `?${text}` : '';
};

export const stats = async (conn: Connection, args: string[], range: { from?: string; to?: string }, json: boolean): Promise<void> => {
  const [what, target] = args;
  if (args.length !== 2 || (what !== 'file' && what !== 'mirror')) throw new CliError('stats: expected `stats file PATTERN` or `stats mirror NAME`', 2);
  if (what === 'file') {
    const r = await call<{ from: string; to: string; files: { path: string; downloads: number }[]; total: number }>(conn, 'GET', `/api/stats/files${query(range, { pattern: target! })}`);
    process.stdout.write(
      json ? `${JSON.stringify(r, null, 2)}\n` : `${r.files.map((f) => `${String(f.downloads).padStart(10)}  ${f.path}`).join('\n')}${r.files.length ? '\n' : ''}${String(r.total).padStart(10)}  total (${r.from} to ${r.to})\n`,
    );
    return;
  }
  const r = await call<{ from: string; to: string; mirror: string; downloads: number; bytes: number }>(conn, 'GET', `/api/stats/mirrors/${encodeURIComponent(target!)}${query(range)}`);
  process.stdout.write(json ? `${JSON.stringify(r, null, 2)}\n` : `${r.mirror} (${r.from} to ${r.to}): ${r.downloads} downloads, ${humanBytes(r.bytes)}\n`);
};

export const exportCommand = async (conn: Connection, format: string): Promise<void> => {
  if (!['mirmon', 'json', 'csv'].includes(format)) throw new CliError(`export: --format must be mirmon, json or csv, got "${format}"`, 2);
  const mirrors = await call<MirrorView[]>(conn, 'GET', '/api/mirrors');
  process.stdout.write(exportMirrors(mirrors, format as ExportFormat));
};
