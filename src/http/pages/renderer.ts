// Renders the pages from mustache templates: Signpost's own in web/templates/, each replaceable by a file of the same
// name in the `Templates` directory. A broken or unreadable override is reported and the built-in one used instead.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import Mustache from 'mustache';
import { webRoot } from './web-root.js';

export type PageName = 'mirrorlist' | 'mirrorstats';

/** The template every page is wrapped in; it receives the page's view plus `content`, the rendered page body. */
export const LAYOUT = 'layout';

const EXTENSION = '.mustache';
/** Mirrorbits' Go templates, which Signpost cannot read: worth a word to an operator who kept `Templates` as it was. */
const MIRRORBITS_TEMPLATES = ['base.html', 'mirrorlist.html', 'mirrorstats.html'];

type TemplateSet = Map<string, string>;

const readTemplates = (dir: string, problems: string[]): TemplateSet => {
  const set: TemplateSet = new Map();
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(EXTENSION)).sort();
  } catch (error) {
    problems.push(`Templates: cannot read the directory ${dir}: ${(error as Error).message}; using the built-in templates`);
    return set;
  }
  for (const file of names) {
    const path = join(dir, file);
    try {
      const text = readFileSync(path, 'utf8');
      Mustache.parse(text);
      set.set(basename(file, EXTENSION), text);
    } catch (error) {
      problems.push(`Templates: ${path}: ${(error as Error).message}; using the built-in ${file} instead`);
    }
  }
  return set;
};

let builtIn: TemplateSet | undefined;

const builtInTemplates = (): TemplateSet => {
  if (builtIn) return builtIn;
  const problems: string[] = [];
  const set = readTemplates(join(webRoot(), 'templates'), problems);
  // The shipped templates are part of the program: one that does not load is a broken installation.
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return (builtIn = set);
};

export class PageRenderer {
  private readonly overrides: TemplateSet;
  private readonly merged: TemplateSet;
  private readonly reported: string[] = [];
  private readonly failedAtRender = new Set<string>();

  /**
   * `templatesDir`: the `Templates` setting; '' uses the built-in templates only. `log`, when given, hears each
   * problem as it is found (those of loading before the constructor returns, those of rendering later).
   */
  constructor(
    readonly templatesDir: string,
    private readonly log?: (message: string) => void,
  ) {
    const builtIns = builtInTemplates();
    const found: string[] = [];
    this.overrides = templatesDir === '' ? new Map() : readTemplates(templatesDir, found);
    if (templatesDir !== '' && this.overrides.size === 0) this.noteMissingTemplates(templatesDir, found);
    this.merged = new Map([...builtIns, ...this.overrides]);
    for (const problem of found) this.report(problem);
  }

  /** What went wrong loading (or rendering) the overrides, for the daemon's log; each problem once. */
  problems(): string[] {
    return [...this.reported];
  }

  /** The page as HTML. Never throws for a bad override: the built-in templates render instead, and the problem is kept. */
  render(name: PageName, view: object): string {
    if (this.overrides.size > 0 && !this.failedAtRender.has(name)) {
      try {
        return renderWith(this.merged, name, view);
      } catch (error) {
        this.failedAtRender.add(name);
        this.report(`Templates: rendering ${name} with the templates in ${this.templatesDir} failed: ${(error as Error).message}; using the built-in templates for it`);
      }
    }
    return renderWith(builtInTemplates(), name, view);
  }

  private report(problem: string): void {
    this.reported.push(problem);
    this.log?.(problem);
  }

  /** A `Templates` directory with no template in it is most likely a mistake (or Mirrorbits' templates): say so. */
  private noteMissingTemplates(dir: string, found: string[]): void {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return; // already reported
    }
    if (names.some((n) => n.endsWith(EXTENSION))) return;
    const mirrorbits = names.filter((n) => MIRRORBITS_TEMPLATES.includes(n));
    found.push(
      mirrorbits.length > 0
        ? `Templates: ${dir} holds Mirrorbits templates (${mirrorbits.join(', ')}), which Signpost does not read; ` +
            `it reads ${LAYOUT}${EXTENSION}, mirrorlist${EXTENSION}, mirrorstats${EXTENSION} and partials (see docs/pages.md); using the built-in templates`
        : `Templates: ${dir} holds no *${EXTENSION} file; using the built-in templates`,
    );
  }
}

// Mustache's own escaping, but `/` kept as it is: the pages are full of paths and URLs, and a `/` cannot end an
// element or an attribute. Backtick and `=` stay escaped for templates that leave an attribute unquoted.
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#x60;', '=': '&#x3D;' };
const escape = (value: unknown): string => String(value).replace(/[&<>"'`=]/g, (c) => ESCAPES[c] ?? c);

const renderWith = (set: TemplateSet, name: PageName, view: object): string => {
  const page = set.get(name);
  const layout = set.get(LAYOUT);
  if (page === undefined || layout === undefined) throw new Error(`template ${page === undefined ? name : LAYOUT}${EXTENSION} is missing`);
  const partials = Object.fromEntries(set);
  const content = Mustache.render(page, view, partials, { escape });
  return Mustache.render(layout, { ...view, content }, partials, { escape });
};
