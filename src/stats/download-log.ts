// The download log (LogDir/downloads.log): one line per answered download request, Mirrorbits' fields, written
// through a buffered stream so the request path never waits on the disk; reopened for logrotate.
import { createWriteStream, mkdirSync, statSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export interface DownloadLine {
  type: 'REDIRECT' | 'JSON';
  status: number;
  method: string;
  path: string;
  ip: string;
  mirror?: { name: string; asn: number; distanceKm: number; countries: readonly string[]; fallback?: boolean };
  clientASN?: number;
  error?: string;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `2026/11/21 22:08:16.123456` in UTC (Mirrorbits writes local time; UTC is unambiguous in logs). */
export const logTime = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}000`;
};

/** One line, without its newline. Paths are quoted with `"` and `\` escaped so a hostile name cannot forge a line. */
export const formatLine = (line: DownloadLine, now = Date.now()): string => {
  const path = JSON.stringify(line.path);
  let out = `${logTime(now)} ${line.type} ${line.status} ${line.method} ${path} ip:${line.ip}`;
  const m = line.mirror;
  if (m) {
    const same = m.asn !== 0 && m.asn === line.clientASN ? 'same' : '';
    out += ` mirror:${m.name}${m.fallback ? ' fallback:true' : ''} ${same}asn:${m.asn} distance:${m.distanceKm.toFixed(2)}km countries:${m.countries.join(',')}`;
  } else if (line.error) {
    out += ` error:${line.error}`;
  }
  return out;
};

export class DownloadLog {
  private stream: WriteStream | undefined;
  readonly file: string;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'downloads.log');
    this.open();
  }

  private open(): void {
    let empty = true;
    try {
      empty = statSync(this.file).size === 0;
    } catch {
      // new file
    }
    const stream = createWriteStream(this.file, { flags: 'a', mode: 0o664 });
    stream.on('error', () => undefined); // a full disk must not take the redirector down; lines are lost, not requests
    if (empty) {
      stream.write(`# Log file created at: ${logTime(Date.now()).slice(0, 19)} UTC\n# Running on machine: ${hostname()}\n# Format: docs/statistics.md\n`);
    }
    this.stream = stream;
  }

  write(line: DownloadLine): void {
    this.stream?.write(`${formatLine(line)}\n`);
  }

  /** Closes and reopens the file (after logrotate moved it away). */
  async reopen(): Promise<void> {
    await this.close();
    this.open();
  }

  close(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    if (!stream) return Promise.resolve();
    return new Promise((resolve) => stream.end(() => resolve()));
  }
}
