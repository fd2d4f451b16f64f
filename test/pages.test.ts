// The ?mirrorlist and ?mirrorstats pages of the real daemon in a real headless Chromium whose network is limited to the
// Signpost server: nothing leaves it, no console error, one map marker and one table row per mirror, the chart drawn,
// no sideways scrolling on a phone. Takes full-page screenshots (kept in docs/ with UPDATE_SCREENSHOTS=1).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { RunningServer } from './support/daemon.js';
import { startIndexServer } from './support/httpd.js';
import { freePort } from './support/net.js';
import { projectRoot, tempDir } from './support/paths.js';
import { baseConfig, cli, http, startSignpost } from './support/signpost.js';
import type { RunningSignpost } from './support/signpost.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const T0 = new Date('2026-11-01T12:00:00Z');

// Screenshots go to docs/ when asked (UPDATE_SCREENSHOTS=1 npm test, after the pages change), else to a temp dir,
// so that a test run never leaves the work tree modified.
const scratch = process.env.UPDATE_SCREENSHOTS === '1' ? undefined : tempDir('signpost-shots-');
const screenshotDir = scratch?.path ?? join(projectRoot, 'docs');
const screenshot = (name: string): string => join(screenshotDir, name);
const FILE = '/releases/app-1.0.tar.gz';
const REPO: Record<string, string> = { [FILE]: 'app 1.0\n'.repeat(4000), '/other.txt': 'other\n' };
// Clients from MaxMind's GeoLite2-City test database.
const GB = '2.125.160.217'; // Boxford
const US = '216.160.83.57'; // Milton, WA

const write = (root: string, files: Record<string, string>): void => {
  for (const [path, content] of Object.entries(files)) {
    const local = join(root, path);
    mkdirSync(dirname(local), { recursive: true });
    writeFileSync(local, content);
    utimesSync(local, T0, T0);
  }
};

interface PageProblems {
  blocked: string[];
  errors: string[];
}

describe('mirror pages in a real browser', { timeout: 120_000 }, () => {
  const tmp = tempDir('signpost-pages-');
  const servers: RunningServer[] = [];
  let daemon: RunningSignpost | undefined;
  let browser: Browser | undefined;
  let httpPort = 0;
  let origin = '';
  const downloads = 7;

  /** A fresh browser context whose every request not to Signpost is refused and recorded. */
  const openContext = async (width: number, height: number): Promise<{ context: BrowserContext; page: Page; problems: PageProblems }> => {
    assert.ok(browser);
    const problems: PageProblems = { blocked: [], errors: [] };
    const context = await browser.newContext({ viewport: { width, height } });
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${origin}/`)) return route.continue();
      problems.blocked.push(url);
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') problems.errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.errors.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => {
      if (request.url().startsWith(`${origin}/`)) problems.errors.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`);
    });
    return { context, page, problems };
  };

  const load = async (page: Page, path: string): Promise<void> => {
    const response = await page.goto(origin + path, { waitUntil: 'networkidle' });
    assert.equal(response?.status(), 200, `${path}: ${response?.status()} ${await response?.text()}`);
  };

  const noProblems = (problems: PageProblems, what: string): void => {
    assert.deepEqual(problems.blocked, [], `${what}: requests that tried to leave the Signpost server`);
    assert.deepEqual(problems.errors, [], `${what}: errors in the browser`);
  };

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is not installed; the page tests need it (apt-get install chromium)`);
    const repo = join(tmp.path, 'repo');
    write(repo, REPO);
    const tree = (name: string, files: Record<string, string>): string => {
      const root = join(tmp.path, 'mirrors', name);
      write(root, files);
      return root;
    };
    const mirrors: [string, string, string, string, Record<string, string>][] = [
      ['gb-boxford', 'GB', '51.75', '-1.25', REPO],
      ['fr-paris', 'FR', '48.8566', '2.3522', REPO],
      ['us-seattle', 'US', '47.61', '-122.33', REPO],
      ['jp-tokyo', 'JP', '35.68', '139.75', { '/other.txt': REPO['/other.txt']! }], // lacks the file: not on its list page
      ['de-berlin', 'DE', '52.52', '13.40', { ...REPO, [FILE]: 'short\n' }], // another size: excluded
    ];
    const started = await Promise.all(mirrors.map(([name, , , , files]) => startIndexServer(tree(name, files), 'nginx')));
    servers.push(...started);

    httpPort = await freePort();
    const adminPort = await freePort();
    origin = `http://127.0.0.1:${httpPort}`;
    const config = join(tmp.path, 'signpost.yaml');
    writeFileSync(
      config,
      [
        ...baseConfig({ repo, db: join(tmp.path, 'data', 'signpost.db'), httpPort, adminPort }),
        'AdminToken: pages-secret',
        'RepositoryScanInterval: 0',
        'ScanInterval: 1h',
        'Hashes: {SHA256: true, SHA1: true, MD5: true}',
        '',
      ].join('\n'),
    );
    daemon = await startSignpost(config, adminPort);
    const env = { SIGNPOST_CONFIG: config };
    const run = async (args: string[]): Promise<void> => {
      const r = await cli(args, env);
      assert.equal(r.code, 0, `signpost ${args.join(' ')}: ${r.stderr}`);
    };
    for (const [i, [name, country, latitude, longitude]] of mirrors.entries()) {
      await run(['add', name, '--http', started[i]!.url, '--country', country, '--latitude', latitude, '--longitude', longitude]);
      await run(['scan', name, '--enable']);
    }
    // Registered, never scanned nor enabled: a sixth mirror, shown as disabled.
    await run(['add', 'se-disabled', '--http', 'http://127.0.0.1:9/', '--country', 'SE', '--latitude', '58.41', '--longitude', '15.61']);

    for (let i = 0; i < downloads; i++) {
      const r = await http(httpPort, i % 2 ? '/other.txt' : FILE, { 'X-Forwarded-For': i < 4 ? GB : US });
      assert.equal(r.status, 302, `download ${i}: ${r.status} ${r.body}`);
    }

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await daemon?.stop();
    await Promise.all(servers.map((s) => s.stop()));
    tmp.remove();
    scratch?.remove();
  });

  it('serves the page assets itself, with an ETag and a day of caching', async () => {
    for (const name of ['style.css', 'mirrorstats.js', 'uPlot.iife.min.js', 'uPlot.min.css', 'favicon.svg']) {
      const r = await http(httpPort, `/.signpost/${name}`);
      assert.equal(r.status, 200, name);
      assert.ok(r.body.length > 0, name);
      assert.equal(r.headers['cache-control'], 'public, max-age=86400', name);
      const etag = String(r.headers.etag);
      assert.match(etag, /^"[\w-]+"$/, name);
      assert.equal((await http(httpPort, `/.signpost/${name}`, { 'If-None-Match': etag })).status, 304, name);
      const head = await http(httpPort, `/.signpost/${name}`, {}, 'HEAD');
      assert.equal(head.status, 200, name);
      assert.equal(head.body, '', name);
    }
    assert.equal((await http(httpPort, '/.signpost/../signpost.yaml')).status, 404);
    assert.equal((await http(httpPort, '/.signpost/nothing.js')).status, 404);
  });

  it('?mirrorlist shows the client, the ranked and the excluded mirrors on a map', async () => {
    const { context, page, problems } = await openContext(1280, 900);
    try {
      await load(page, `${FILE}?mirrorlist&fromip=${GB}`);
      const ranked = await page.locator('table.mirrors tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')));
      const excluded = await page.locator('table.excluded tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')));
      // Every mirror holding the file, once: ranked or excluded; jp-tokyo lacks it and se-disabled was never scanned.
      assert.deepEqual([...ranked, ...excluded].sort(), ['de-berlin', 'fr-paris', 'gb-boxford', 'us-seattle']);
      assert.equal(ranked[0], 'gb-boxford', 'the nearest mirror ranks first');
      assert.deepEqual(excluded, ['de-berlin']);
      assert.match(await page.locator('table.excluded tbody tr').innerText(), /File size mismatch/);
      const markers = await page.locator('svg.map .marker').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')));
      assert.equal(markers.length, ranked.length + excluded.length + 1, 'one marker per listed mirror plus the client');
      assert.equal(await page.locator('svg.map .marker-client').count(), 1);
      assert.equal(await page.locator('svg.map .marker-excluded').count(), 1);
      assert.deepEqual(markers.filter((n) => n !== 'client').sort(), [...ranked, ...excluded].sort());
      assert.match(await page.locator('.client').innerText(), new RegExp(`${GB.replace(/\./g, '\\.')}[\\s\\S]*Boxford`));
      assert.match(await page.locator('.file').innerText(), /SHA256\s+[0-9a-f]{64}/);
      assert.equal(await page.inputValue('input[name=fromip]'), GB);
      await page.screenshot({ path: screenshot('mirrorlist.png'), fullPage: true });
      noProblems(problems, '?mirrorlist');
    } finally {
      await context.close();
    }
  });

  it('?mirrorstats shows every mirror with its state and downloads, a map and a chart', async () => {
    // Counters reach the store in batches: wait until the page counts every download made above.
    let total = 0;
    for (const until = Date.now() + 10_000; total < downloads && Date.now() < until; ) {
      const r = await http(httpPort, '/?mirrorstats');
      assert.equal(r.status, 200, `?mirrorstats: ${r.status} ${r.body.slice(0, 300)}`);
      const daily = /<script type="application\/json" id="daily">(.*?)<\/script>/s.exec(r.body);
      assert.ok(daily, 'the page embeds its daily counts');
      total = (JSON.parse(daily[1]!) as { downloads: number[] }).downloads.reduce((a, b) => a + b, 0);
      if (total < downloads) await new Promise((done) => setTimeout(done, 200));
    }
    assert.equal(total, downloads, 'downloads counted over the default period');

    const { context, page, problems } = await openContext(1280, 900);
    try {
      await load(page, '/?mirrorstats');
      const rows = await page.locator('table.mirrors tbody tr').evaluateAll((els) =>
        els.map((e) => ({ name: e.getAttribute('data-name'), state: e.getAttribute('data-state'), today: Number(e.getAttribute('data-today')) })),
      );
      const names = ['de-berlin', 'fr-paris', 'gb-boxford', 'jp-tokyo', 'se-disabled', 'us-seattle'];
      assert.deepEqual(rows.map((r) => r.name).sort(), names, 'one row per mirror');
      assert.equal(rows.find((r) => r.name === 'se-disabled')?.state, 'disabled');
      assert.equal(rows.filter((r) => r.state === 'up').length, 5);
      assert.equal(rows.reduce((sum, r) => sum + r.today, 0), downloads, "today's downloads per mirror add up");
      const markers = await page.locator('svg.map .marker').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')));
      assert.deepEqual(markers.sort(), names, 'one marker per mirror');
      assert.equal(await page.locator('svg.map .marker-disabled').count(), 1);
      await page.locator('#chart .uplot canvas').first().waitFor({ state: 'attached', timeout: 5000 });
      const size = await page.locator('#chart .uplot canvas').first().evaluate((c) => [Number(c.getAttribute('width')), Number(c.getAttribute('height'))]);
      assert.ok(size[0]! > 200 && size[1]! > 100, `chart canvas ${size.join('x')}`);
      await page.screenshot({ path: screenshot('mirrorstats.png'), fullPage: true });

      // A period that is not a date: a message in the page, not an error.
      await load(page, '/?mirrorstats&from=2026-02-30&to=yesterday');
      assert.match(await page.locator('.warning').first().innerText(), /not a date/);
      assert.equal(await page.locator('table.mirrors tbody tr').count(), names.length);
      noProblems(problems, '?mirrorstats');
    } finally {
      await context.close();
    }
  });

  it('fits a phone screen: no sideways scrolling of the page', async () => {
    const { context, page, problems } = await openContext(390, 844);
    try {
      for (const path of [`${FILE}?mirrorlist&fromip=${GB}`, '/?mirrorstats']) {
        await load(page, path);
        // Strings, because this file is compiled without the DOM's types.
        const [scrollWidth, innerWidth] = await page.evaluate<number[]>('[document.documentElement.scrollWidth, window.innerWidth]');
        assert.ok(scrollWidth <= innerWidth, `${path}: the page is ${scrollWidth}px wide on a ${innerWidth}px screen`);
        const bodyWidth = await page.evaluate<number>('document.body.scrollWidth');
        assert.ok(bodyWidth <= innerWidth, `${path}: the body is ${bodyWidth}px wide on a ${innerWidth}px screen`);
      }
      noProblems(problems, 'phone');
    } finally {
      await context.close();
    }
  });
});
