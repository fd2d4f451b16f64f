// `signpost export`: the mirror list for other tools — mirmon's mirror list, JSON, or CSV.
import type { MirrorView } from '../mirrors/view.js';

export type ExportFormat = 'mirmon' | 'json' | 'csv';

/** mirmon's list: `<country> <url> <contact>` per URL (a scheme-less HTTP URL gives an http and an https line). */
export const toMirmon = (mirrors: readonly MirrorView[]): string => {
  const lines: string[] = [];
  for (const m of mirrors) {
    const cc = (m.country[0] ?? 'xx').toLowerCase();
    const contact = String(m.adminEmail ?? '');
    const urls = /^https?:\/\//.test(m.http) ? [m.http] : [`http://${m.http}`, `https://${m.http}`];
    for (const url of [...urls, m.rsync, m.ftp].filter(Boolean)) {
      // Credentials never leave the daemon's admin view through an export.
      lines.push(`${cc} ${url.replace(/^([a-z]+:\/\/)[^/@]*@/i, '$1')} ${contact}`.trimEnd());
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
};

const CSV_FIELDS = ['name', 'enabled', 'state', 'http', 'rsync', 'ftp', 'country', 'continent', 'asn', 'latitude', 'longitude', 'score', 'sponsorName', 'adminName', 'adminEmail'] as const;

const csvCell = (value: unknown): string => {
  const text = Array.isArray(value) ? value.join(' ') : value === null || value === undefined ? '' : String(value);
  // RFC 4180 quoting; a leading =,+,-,@ is prefixed so a spreadsheet never runs a mirror's field as a formula.
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export const toCSV = (mirrors: readonly MirrorView[]): string =>
  [CSV_FIELDS.join(','), ...mirrors.map((m) => CSV_FIELDS.map((f) => csvCell(f === 'rsync' || f === 'ftp' ? String(m[f]).replace(/^([a-z]+:\/\/)[^/@]*@/i, '$1') : m[f])).join(','))].join('\r\n') + '\r\n';

export const exportMirrors = (mirrors: readonly MirrorView[], format: ExportFormat): string =>
  format === 'mirmon' ? toMirmon(mirrors) : format === 'csv' ? toCSV(mirrors) : `${JSON.stringify(mirrors, null, 2)}\n`;
