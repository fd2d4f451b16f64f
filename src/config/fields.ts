// Typed reading of YAML nodes with their line numbers: each reader returns a checked value or throws a
// ConfigError naming the file, the line and the key path (`Fallbacks[1].URL`).
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import { closestName } from './suggest.js';
import { ConfigError } from './errors.js';
import { parseDuration } from './duration.js';

/** One value of the file: where it is and what it is called. `node` is null for an empty value. */
export interface Field {
  key: string;
  node: Node | null;
  line: number | undefined;
}

// YAML 1.1 spellings of booleans, which Mirrorbits configs use (`SHA256: On`).
const TRUE_WORDS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSE_WORDS = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);

export class FieldReader {
  constructor(
    readonly source: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  lineOf(node: Node | null | undefined): number | undefined {
    const start = node?.range?.[0];
    return start === undefined ? undefined : this.lines.linePos(start).line;
  }

  fail(field: Pick<Field, 'key' | 'line'>, detail: string): never {
    throw new ConfigError(this.source, field.line, field.key, detail);
  }

  /** Follows aliases and turns a null scalar into null, so readers only see real values. */
  value(node: unknown): Node | null {
    let current = node;
    for (let hops = 0; isAlias(current); hops++) {
      const target: unknown = hops < 32 ? current.resolve(this.doc) : undefined;
      if (target === undefined) {
        throw new ConfigError(this.source, this.lineOf(current), '', `invalid YAML: alias *${current.source} refers to no anchor`);
      }
      current = target;
    }
    if (current === null || current === undefined) return null;
    if (isScalar(current) && current.value === null) return null;
    return isScalar(current) || isMap(current) || isSeq(current) ? current : null;
  }

  /** The field for a value node, placed at the value's own line or, for an empty value, the key's. */
  field(key: string, valueNode: unknown, keyLine: number | undefined): Field {
    const node = this.value(valueNode);
    return { key, node, line: this.lineOf(node) ?? keyLine };
  }

  describe(node: Node | null): string {
    if (node === null) return 'an empty value';
    if (isSeq(node)) return 'a list';
    if (isMap(node)) return 'a mapping';
    if (isScalar(node)) {
      if (typeof node.value === 'string') return JSON.stringify(node.value);
      return node.source ?? String(node.value);
    }
    return 'an unsupported value';
  }

  /**
   * The entries of a mapping, in file order. Keys are matched exactly; an unknown one fails with the
   * closest known name. `ignored` keys are accepted and skipped.
   */
  mapping(field: Field, known: readonly string[], ignored: readonly string[] = []): Field[] {
    const node = field.node;
    if (!isMap(node)) return this.fail(field, `expected a mapping of keys, got ${this.describe(node)}`);
    const prefix = field.key === '' ? '' : `${field.key}.`;
    const seen = new Map<string, number | undefined>();
    const fields: Field[] = [];
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = this.value(pair.key);
      const keyLine = this.lineOf(keyNode) ?? field.line;
      if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
        return this.fail({ key: field.key, line: keyLine }, `keys must be names, got ${this.describe(keyNode)}`);
      }
      const name = keyNode.value;
      const path = prefix + name;
      if (seen.has(name)) {
        const first = seen.get(name);
        return this.fail({ key: path, line: keyLine }, `given twice${first === undefined ? '' : ` (first on line ${first})`}`);
      }
      seen.set(name, keyLine);
      if (ignored.includes(name)) continue;
      if (!known.includes(name)) {
        const guess = closestName(name, [...known, ...ignored]);
        return this.fail({ key: path, line: keyLine }, guess === undefined ? 'unknown key' : `unknown key (did you mean ${guess}?)`);
      }
      fields.push(this.field(path, pair.value, keyLine));
    }
    return fields;
  }

  /** The items of a list, each a field named `key[i]`; an empty value is an empty list. */
  list(field: Field): Field[] {
    const node = field.node;
    if (node === null) return [];
    if (!isSeq(node)) return this.fail(field, `expected a list, got ${this.describe(node)}`);
    return node.items.map((item, i) => this.field(`${field.key}[${i}]`, item, field.line));
  }

  /** Text; a number or boolean counts as the text it was written as (`RedisPassword: 1234`), as in Mirrorbits. */
  text(field: Field): string {
    const node = field.node;
    if (node === null) return '';
    if (!isScalar(node)) return this.fail(field, `expected a text value, got ${this.describe(node)}`);
    if (typeof node.value === 'string') return node.value;
    return node.source ?? String(node.value);
  }

  boolean(field: Field): boolean {
    const node = field.node;
    if (isScalar(node)) {
      if (typeof node.value === 'boolean') return node.value;
      if (typeof node.value === 'string' && TRUE_WORDS.has(node.value)) return true;
      if (typeof node.value === 'string' && FALSE_WORDS.has(node.value)) return false;
    }
    return this.fail(field, `expected true or false (yes/no and on/off are accepted too), got ${this.describe(node)}`);
  }

  /** A finite number; `rule` states the range in the message. */
  number(field: Field, ok: (n: number) => boolean, rule: string): number {
    const node = field.node;
    if (isScalar(node) && typeof node.value === 'number' && Number.isFinite(node.value) && ok(node.value)) {
      return node.value;
    }
    return this.fail(field, `expected ${rule}, got ${this.describe(node)}`);
  }

  integer(field: Field, min: number): number {
    return this.number(field, (n) => Number.isInteger(n) && n >= min, `a whole number ≥ ${min}`);
  }

  /** A duration in ms; plain numbers count `unitMs` units (minutes for Mirrorbits' intervals). */
  duration(field: Field, unitMs: number): number {
    const node = field.node;
    const raw: unknown = isScalar(node) ? node.value : isSeq(node) ? [] : isMap(node) ? {} : null;
    try {
      return parseDuration(raw, field.key, unitMs);
    } catch (error) {
      if (error instanceof ConfigError) throw error.locate(this.source, field.line);
      throw error;
    }
  }

  /** One of a fixed set of words, matched exactly. */
  choice<T extends string>(field: Field, choices: readonly T[]): T {
    const text = isScalar(field.node) && typeof field.node.value === 'string' ? field.node.value : undefined;
    const match = choices.find((c) => c === text);
    if (match !== undefined) return match;
    const list = choices.map((c) => JSON.stringify(c)).join(', ');
    return this.fail(field, `expected one of ${list}, got ${this.describe(field.node)}`);
  }
}
