import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PageRenderer } from './renderer.js';

const root = mkdtempSync(join(tmpdir(), 'signpost-templates-'));
const dir = (name: string, files: Record<string, string>): string => {
  const path = join(root, name);
  mkdirSync(path);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(path, file), text);
  return path;
};

// Enough of a view for both built-in templates to render.
const view = {
  title: 'T <x>',
  assets: '/.signpost/',
  version: '9.9',
  page: 'mirrorlist',
  file: { path: '/a<b>.iso', hashes: [] },
  client: { ip: '192.0.2.1' },
  map: '<svg class="map"></svg>',
  mirrors: [{ rank: 1, name: 'm1', displayName: 'Mirror "one"', fileURL: 'http://m1/a', baseURL: 'http://m1/' }],
  hasMirrors: true,
  excluded: [],
  fromip: '192.0.2.1',
};

describe('PageRenderer', () => {
  after(() => rmSync(root, { recursive: true, force: true }));

  it('renders the built-in templates with everything escaped but the map', () => {
    const r = new PageRenderer('');
    const html = r.render('mirrorlist', view);
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<title>T &lt;x&gt;<\/title>/);
    assert.match(html, /<code>\/a&lt;b&gt;\.iso<\/code>/);
    assert.match(html, /Mirror &quot;one&quot;/);
    assert.match(html, /<svg class="map"><\/svg>/);
    assert.match(html, /href="\/\.signpost\/style\.css"/);
    assert.doesNotMatch(html, /uPlot/, 'the list page loads no chart');
    assert.deepEqual(r.problems(), []);
  });

  it('takes a page, the layout or a partial from the Templates directory', () => {
    const d = dir('override', {
      'mirrorlist.mustache': '<p class="mine">{{file.path}}</p>{{> extra}}',
      'extra.mustache': '<i>{{version}}</i>',
    });
    const r = new PageRenderer(d);
    const html = r.render('mirrorlist', view);
    assert.match(html, /<p class="mine">\/a&lt;b&gt;\.iso<\/p><i>9\.9<\/i>/);
    assert.match(html, /<header class="site">/, 'the built-in layout still wraps it');
    assert.match(r.render('mirrorstats', { ...view, page: 'mirrorstats', mirrors: [] }), /Downloads per day/, 'the other page stays built in');
    assert.deepEqual(r.problems(), []);
    const layout = new PageRenderer(dir('layout', { 'layout.mustache': '<main>{{{content}}}</main>' }));
    assert.match(layout.render('mirrorlist', view), /^<main><section class="boxes">/);
  });

  it('reports a broken override and uses the built-in template instead', () => {
    const d = dir('broken', { 'mirrorlist.mustache': '{{#mirrors}} never closed', 'mirrorstats.mustache': 'fine {{title}}' });
    const heard: string[] = [];
    const r = new PageRenderer(d, (m) => heard.push(m));
    assert.equal(r.problems().length, 1);
    assert.match(r.problems()[0]!, /broken\/mirrorlist\.mustache: Unclosed section "mirrors".*using the built-in mirrorlist\.mustache/);
    assert.deepEqual(heard, r.problems());
    assert.match(r.render('mirrorlist', view), /class="data mirrors"/);
    assert.match(r.render('mirrorstats', view), /fine T &lt;x&gt;/);
  });

  it('reports a directory it cannot read, or one with no template', () => {
    const missing = new PageRenderer(join(root, 'nope'));
    assert.match(missing.problems()[0]!, /cannot read the directory .*nope/);
    assert.match(missing.render('mirrorlist', view), /class="data mirrors"/);
    const empty = new PageRenderer(dir('empty', {}));
    assert.match(empty.problems()[0]!, /holds no \*\.mustache file/);
    const mirrorbits = new PageRenderer(dir('mirrorbits', { 'base.html': '{{define "base"}}', 'mirrorlist.html': '' }));
    assert.match(mirrorbits.problems()[0]!, /Mirrorbits templates \(base\.html, mirrorlist\.html\), which Signpost does not read/);
  });
});
