// Mirror commands: add, edit, show, list, enable, disable, remove, logs.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYAML, stringify as toYAML } from 'yaml';
import type { MirrorView } from '../mirrors/view.js';
import type { LogEntry } from '../store/store.js';
import { call, CliError } from './client.js';
import type { Connection } from './client.js';

const ref = (name: string): string => encodeURIComponent(name);

const print = (json: boolean, value: unknown, text: () => string): void => {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
};

export const addMirror = async (conn: Connection, name: string, fields: Record<string, unknown>, enable: boolean, json: boolean): Promise<void> => {
  if (!fields.httpURL) throw new CliError('add: --http URL is required', 2);
  const result = await call<{ mirror: MirrorView; warnings: string[] }>(conn, 'POST', '/api/mirrors', { name, ...fields, enable });
  for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
  const m = result.mirror;
  print(json, result, () =>
    [
      `Mirror '${m.name}' added${m.enabled ? ' and enabled' : ''}.`,
      `  Location: ${m.latitude}, ${m.longitude}  Country: ${m.country.join(' ') || '?'}  Continent: ${m.continent || '?'}  AS: ${m.asn || '?'}`,
      m.enabled ? '' : `Scan it with \`signpost scan ${m.name} --enable\` or enable it with \`signpost enable ${m.name}\`.`,
    ].filter(Boolean).join('\n'),
  );
};

const EDITABLE: [string, string][] = [
  ['Name', 'name'], ['HttpURL', 'httpURL'], ['RsyncURL', 'rsyncURL'], ['FtpURL', 'ftpURL'], ['SponsorName', 'sponsorName'],
  ['SponsorURL', 'sponsorURL'], ['SponsorLogoURL', 'sponsorLogoURL'], ['AdminName', 'adminName'], ['AdminEmail', 'adminEmail'],
  ['CustomData', 'customData'], ['ContinentOnly', 'continentOnly'], ['CountryOnly', 'countryOnly'], ['ASOnly', 'asOnly'],
  ['Score', 'score'], ['Latitude', 'latitude'], ['Longitude', 'longitude'], ['ContinentCode', 'continentCode'],
  ['CountryCodes', 'countryCodes'], ['ExcludedCountryCodes', 'excludedCountryCodes'], ['ASNum', 'asnum'], ['Enabled', 'enabled'],
  ['AllowRedirects', 'allowRedirects'],
];
const VIEW_FIELD: Record<string, string> = { httpURL: 'http', rsyncURL: 'rsync', ftpURL: 'ftp', countryCodes: 'country', continentCode: 'continent', asnum: 'asn', excludedCountryCodes: 'excludedCountries' };
const SEPARATOR = '##### Comments go below this line #####';

const toEditable = (m: MirrorView): string => {
  const doc: Record<string, unknown> = {};
  for (const [yamlKey, field] of EDITABLE) {
    const v = m[VIEW_FIELD[field] ?? field];
    doc[yamlKey] = Array.isArray(v) ? v.join(' ') : v;
  }
  return `# Edit the mirror '${m.name}'; save and quit to apply.\n${toYAML(doc)}${SEPARATOR}\n${String(m.comment ?? '')}`;
};

const fromEditable = (text: string): Record<string, unknown> => {
  const at = text.indexOf(SEPARATOR);
  const head = at < 0 ? text : text.slice(0, at);
  const comment = at < 0 ? undefined : text.slice(at + SEPARATOR.length).replace(/^\n/, '');
  const doc = parseYAML(head) as Record<string, unknown> | null;
  if (!doc || typeof doc !== 'object') throw new CliError('edit: the file is not a YAML mapping');
  const out: Record<string, unknown> = {};
  for (const [yamlKey, value] of Object.entries(doc)) {
    const field = EDITABLE.find(([k]) => k === yamlKey)?.[1];
    if (!field) throw new CliError(`edit: unknown field ${yamlKey}`);
    out[field] = value === null ? '' : value;
  }
  if (comment !== undefined) out.comment = comment;
  return out;
};

export const editMirror = async (conn: Connection, name: string, fields: Record<string, unknown>, json: boolean): Promise<void> => {
  let patch = fields;
  const current = await call<MirrorView>(conn, 'GET', `/api/mirrors/${ref(name)}`);
  if (Object.keys(fields).length === 0) {
    const dir = mkdtempSync(join(tmpdir(), 'signpost-edit-'));
    const file = join(dir, `${current.name}.yaml`);
    try {
      const before = toEditable(current);
      writeFileSync(file, before);
      const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
      const run = spawnSync(`${editor} "${file}"`, { stdio: 'inherit', shell: true });
      if (run.status !== 0) throw new CliError(`edit: the editor (${editor}) exited with status ${run.status ?? 'unknown'}`);
      const after = readFileSync(file, 'utf8');
      const digest = (s: string): string => createHash('sha256').update(s).digest('hex');
      if (digest(before) === digest(after)) {
        process.stdout.write('Aborted: settings are unmodified\n');
        return;
      }
      patch = fromEditable(after);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const result = await call<{ mirror: MirrorView; changed: string[] }>(conn, 'PATCH', `/api/mirrors/${ref(current.name)}`, patch);
  print(json, result, () => (result.changed.length ? `Mirror '${result.mirror.name}' edited: ${result.changed.join(', ')}` : `Mirror '${result.mirror.name}' unchanged`));
};

export const showMirror = async (conn: Connection, name: string, json: boolean): Promise<void> => {
  const m = await call<MirrorView>(conn, 'GET', `/api/mirrors/${ref(name)}`);
  print(json, m, () =>
    Object.entries(m)
      .map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null && !Array.isArray(v) ? JSON.stringify(v) : Array.isArray(v) ? v.join(' ') : String(v ?? '')}`)
      .join('\n'),
  );
};

export const listMirrors = async (conn: Connection, filter: { enabled?: boolean; disabled?: boolean; down?: boolean; state?: boolean }, json: boolean): Promise<void> => {
  let mirrors = await call<MirrorView[]>(conn, 'GET', '/api/mirrors');
  if (filter.enabled) mirrors = mirrors.filter((m) => m.enabled);
  if (filter.disabled) mirrors = mirrors.filter((m) => !m.enabled);
  if (filter.down) mirrors = mirrors.filter((m) => m.enabled && m.state !== 'up');
  print(json, mirrors, () => {
    const rows = mirrors.map((m) => [
      m.name,
      m.state,
      ...(filter.state ? [m.since ?? '-', [m.reason, ...((m.flags as string[] | undefined) ?? [])].filter(Boolean).join('; ')] : []),
      m.http,
      `${m.country.join(' ') || '?'} (${m.continent || '?'})`,
      String(m.files ?? 0),
    ]);
    const header = ['NAME', 'STATE', ...(filter.state ? ['SINCE', 'REASON'] : []), 'HTTP', 'LOCATION', 'FILES'];
    const all = [header, ...rows];
    const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
    return all.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
  });
};

export const setEnabled = async (conn: Connection, name: string, enabled: boolean, json: boolean): Promise<void> => {
  const result = await call<{ mirror: MirrorView }>(conn, 'POST', `/api/mirrors/${ref(name)}/${enabled ? 'enable' : 'disable'}`);
  print(json, result, () => `Mirror '${result.mirror.name}' ${enabled ? 'enabled' : 'disabled'}`);
};

export const removeMirror = async (conn: Connection, name: string, force: boolean, json: boolean): Promise<void> => {
  const m = await call<MirrorView>(conn, 'GET', `/api/mirrors/${ref(name)}`);
  if (!force) {
    if (!process.stdin.isTTY) throw new CliError(`remove: confirmation needed; use --force to remove '${m.name}'`, 2);
    process.stdout.write(`Remove mirror '${m.name}' and everything known about it? [y/N] `);
    const answer = await new Promise<string>((resolve) => process.stdin.once('data', (d) => resolve(String(d).trim())));
    process.stdin.pause();
    if (!/^y(es)?$/i.test(answer)) {
      process.stdout.write('Aborted\n');
      return;
    }
  }
  const result = await call<{ removed: string }>(conn, 'DELETE', `/api/mirrors/${ref(m.name)}`);
  print(json, result, () => `Mirror '${result.removed}' removed`);
};

export const showLogs = async (conn: Connection, name: string, n: number, json: boolean): Promise<void> => {
  const result = await call<{ mirror: string; entries: LogEntry[] }>(conn, 'GET', `/api/mirrors/${ref(name)}/logs?n=${n}`);
  print(json, result, () => result.entries.map((e) => `${new Date(e.time).toISOString()}  ${e.message}`).join('\n') || '(no events)');
};
