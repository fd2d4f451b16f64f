// How a mirror record maps to the fields of its Redis hash: one field per property, named alike, each value a string.
import { defaultSettings, initialState, type Mirror, type MirrorSettings, type MirrorState } from '../../mirrors/mirror.js';
import type { MirrorPatch } from '../store.js';

type Record_ = MirrorSettings & MirrorState;
type Field = keyof Record_;
type Kind = 'boolean' | 'number' | 'list' | 'text';

/**
 * A record with every field, whose values give each field's kind; the compiler insists that defaultSettings and
 * initialState cover every field, so a new field cannot be forgotten here. Also the value of a field that a hash
 * written by older code lacks.
 */
const template: Record_ = { ...defaultSettings(), name: '', httpURL: '', ...initialState(0) };

const kindOf = (value: unknown): Kind =>
  typeof value === 'boolean' ? 'boolean' : typeof value === 'number' ? 'number' : Array.isArray(value) ? 'list' : 'text';

const kinds = new Map<string, Kind>(Object.entries(template).map(([field, value]) => [field, kindOf(value)]));

/** String(n) is the shortest text that reads back as exactly n, fractions and NaN included. */
const encode = (kind: Kind, value: unknown): string => {
  switch (kind) {
    case 'boolean':
      return value ? '1' : '0';
    case 'list':
      return JSON.stringify(value);
    case 'number':
      return String(value);
    case 'text':
      return String(value);
  }
};

const decode = (kind: Kind, text: string): unknown => {
  switch (kind) {
    case 'boolean':
      return text === '1';
    case 'list':
      return JSON.parse(text) as string[];
    case 'number':
      return Number(text);
    case 'text':
      return text;
  }
};

/** Field, value, field, value… of a full record, as HSET takes them. */
export const encodeMirror = (record: Record_): string[] => {
  const out: string[] = [];
  for (const [field, kind] of kinds) out.push(field, encode(kind, record[field as Field]));
  return out;
};

/** Field, value… of the fields `patch` sets; undefined values and unknown keys are ignored. */
export const encodePatch = (patch: MirrorPatch): string[] => {
  const out: string[] = [];
  for (const [field, value] of Object.entries(patch)) {
    const kind = kinds.get(field);
    if (value !== undefined && kind !== undefined) out.push(field, encode(kind, value));
  }
  return out;
};

/** A hash as a script returns it (field, value, …) as HGETALL's reply. */
export const pairsToHash = (pairs: readonly string[]): Record<string, string> => {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) hash[pairs[i]!] = pairs[i + 1]!;
  return hash;
};

/** The mirror stored in a hash (HGETALL's reply), or undefined for an empty reply (no such mirror). */
export const decodeMirror = (id: number, hash: Record<string, string>): Mirror | undefined => {
  if (Object.keys(hash).length === 0) return undefined;
  const mirror: Record<string, unknown> = { id };
  for (const [field, kind] of kinds) {
    const text = hash[field];
    // Decoded from the template's encoding, so that a default list is a fresh array.
    mirror[field] = decode(kind, text ?? encode(kind, template[field as Field]));
  }
  return mirror as unknown as Mirror;
};
