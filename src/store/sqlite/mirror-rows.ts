// How a mirror record maps to a row of the `mirrors` table, field by field.
import type { Mirror, MirrorSettings, MirrorState } from '../../mirrors/mirror.js';

type Record_ = MirrorSettings & MirrorState;
type Field = keyof Record_;
type KindOf<T> = T extends boolean ? 'boolean' : T extends number ? 'number' : T extends string[] ? 'list' : 'text';

/** A SQLite value as this table stores it. */
export type Cell = string | number;
export type MirrorRow = Record<string, Cell>;

// A mapped type, so the compiler insists on every field, and on a kind that matches the field's type.
const columns: { [K in Field]: { column: string; kind: KindOf<Record_[K]> } } = {
  name: { column: 'name', kind: 'text' },
  httpURL: { column: 'http_url', kind: 'text' },
  rsyncURL: { column: 'rsync_url', kind: 'text' },
  ftpURL: { column: 'ftp_url', kind: 'text' },
  sponsorName: { column: 'sponsor_name', kind: 'text' },
  sponsorURL: { column: 'sponsor_url', kind: 'text' },
  sponsorLogoURL: { column: 'sponsor_logo_url', kind: 'text' },
  adminName: { column: 'admin_name', kind: 'text' },
  adminEmail: { column: 'admin_email', kind: 'text' },
  customData: { column: 'custom_data', kind: 'text' },
  comment: { column: 'comment', kind: 'text' },
  continentOnly: { column: 'continent_only', kind: 'boolean' },
  countryOnly: { column: 'country_only', kind: 'boolean' },
  asOnly: { column: 'as_only', kind: 'boolean' },
  score: { column: 'score', kind: 'number' },
  latitude: { column: 'latitude', kind: 'number' },
  longitude: { column: 'longitude', kind: 'number' },
  continentCode: { column: 'continent_code', kind: 'text' },
  countryCodes: { column: 'country_codes', kind: 'list' },
  excludedCountryCodes: { column: 'excluded_country_codes', kind: 'list' },
  asnum: { column: 'asnum', kind: 'number' },
  enabled: { column: 'enabled', kind: 'boolean' },
  allowRedirects: { column: 'allow_redirects', kind: 'text' },
  httpUp: { column: 'http_up', kind: 'boolean' },
  httpsUp: { column: 'https_up', kind: 'boolean' },
  httpDownReason: { column: 'http_down_reason', kind: 'text' },
  httpsDownReason: { column: 'https_down_reason', kind: 'text' },
  stateSince: { column: 'state_since', kind: 'number' },
  tzOffsetMs: { column: 'tz_offset_ms', kind: 'number' },
  lastSync: { column: 'last_sync', kind: 'number' },
  lastSuccessfulSync: { column: 'last_successful_sync', kind: 'number' },
  lastSuccessfulSyncProtocol: { column: 'last_successful_sync_protocol', kind: 'text' },
  lastSuccessfulSyncPrecisionMs: { column: 'last_successful_sync_precision_ms', kind: 'number' },
  lastModTime: { column: 'last_mod_time', kind: 'number' },
  filesKnown: { column: 'files_known', kind: 'number' },
  traceLagMs: { column: 'trace_lag_ms', kind: 'number' },
  syncing: { column: 'syncing', kind: 'boolean' },
  scanFailures: { column: 'scan_failures', kind: 'number' },
  createdAt: { column: 'created_at', kind: 'number' },
};

type Column = { field: Field; column: string; kind: 'boolean' | 'number' | 'list' | 'text' };
const columnList: readonly Column[] = (Object.keys(columns) as Field[]).map((field) => ({ field, ...columns[field] }));

/** The record's columns, in a fixed order, without `id`. */
export const mirrorColumns: readonly string[] = columnList.map((c) => c.column);

const isField = (key: string): key is Field => Object.hasOwn(columns, key);

const toCell = (kind: Column['kind'], value: unknown): Cell => {
  switch (kind) {
    case 'boolean':
      return value ? 1 : 0;
    // Country codes never hold spaces, so a space-separated list reads back exactly.
    case 'list':
      return (value as readonly string[]).join(' ');
    case 'number':
      return value as number;
    case 'text':
      return value as string;
  }
};

const fromCell = (kind: Column['kind'], cell: Cell): unknown => {
  switch (kind) {
    case 'boolean':
      return cell !== 0;
    case 'list':
      return String(cell).split(' ').filter((code) => code !== '');
    case 'number':
      return Number(cell);
    case 'text':
      return String(cell);
  }
};

/** Row cells (named by column) of a full record. */
export const toRow = (record: Record_): MirrorRow => {
  const row: MirrorRow = {};
  for (const { field, column, kind } of columnList) row[column] = toCell(kind, record[field]);
  return row;
};

/** `row` with the fields `patch` sets (undefined ones and unknown keys ignored) written over it. */
export const patchRow = (row: MirrorRow, patch: Partial<Record_>): MirrorRow => {
  const next: MirrorRow = { ...row };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || !isField(key)) continue;
    const { column, kind } = columns[key];
    next[column] = toCell(kind, value);
  }
  return next;
};

export const fromRow = (row: MirrorRow & { id: number }): Mirror => {
  const mirror: Record<string, unknown> = { id: row.id };
  for (const { field, column, kind } of columnList) mirror[field] = fromCell(kind, row[column]);
  return mirror as unknown as Mirror;
};

export const sameRow = (a: MirrorRow, b: MirrorRow): boolean => mirrorColumns.every((column) => a[column] === b[column]);
