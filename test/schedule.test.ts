// Background work on its own: enabled mirrors are scanned every ScanInterval and the repository is re-indexed
// every RepositoryScanInterval, with no operator command.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startIndexServer } from './support/httpd.js';
import type { RunningServer } from './support/daemon.js';
import { freePort } from './support/net.js';
import { tempDir } from './support/paths.js';
import { baseConfig, cli, cliJSON, http, startSignpost } from './support/signpost.js';
import type { RunningSignpost } from './support/signpost.js';

const until = async (what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('scheduled scans', { timeout: 60_000 }, () => {
  const tmp = tempDir('signpost-schedule-');
  let daemon: RunningSignpost;
  let mirror: RunningServer;
  let httpPort = 0;
  const repo = join(tmp.path, 'repo');
  const mirrorRoot = join(tmp.path, 'mirror');
  const put = (root: string, name: string): void => {
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, name), `${name}\n`);
    const t = new Date('2026-11-01T00:00:00Z');
    utimesSync(join(root, name), t, t);
  };

  before(async () => {
    put(repo, 'a.txt');
    put(mirrorRoot, 'a.txt');
    mirror = await startIndexServer(mirrorRoot, 'nginx');
    httpPort = await freePort();
    const adminPort = await freePort();
    const config = join(tmp.path, 'signpost.yaml');
    writeFileSync(
      config,
      [
        ...baseConfig({ repo: repo, db: join(tmp.path, 'signpost.db'), httpPort: httpPort, adminPort: adminPort }),
        'RepositoryScanInterval: 1s',
        'ScanInterval: 1s',
        '',
      ].join('\n'),
    );
    daemon = await startSignpost(config, adminPort);
    process.env.SIGNPOST_CONFIG = config;
  });

  after(async () => {
    delete process.env.SIGNPOST_CONFIG;
    await daemon?.stop();
    await mirror?.stop();
    tmp.remove();
  });

  it('scans an enabled mirror without being asked, and picks up new files on both sides', async () => {
    assert.equal((await cli(['add', 'm', '--http', mirror.url, '--country', 'GB', '--latitude', '51', '--longitude', '0', '--enable'])).code, 0);
    const redirected = async (path: string): Promise<boolean> => (await http(httpPort, path, { 'X-Forwarded-For': '2.125.160.217' })).status === 302;
    await until('the first scheduled scan', () => redirected('/a.txt'));
    const [m] = await cliJSON<{ files: number; lastScanProtocol: string }[]>(['list']);
    assert.equal(m?.files, 1);
    assert.equal(m?.lastScanProtocol, 'http');
    // A new file in the repository is indexed (404 -> 503: known, no mirror yet), then found on the mirror.
    assert.equal((await http(httpPort, '/b.txt')).status, 404);
    put(repo, 'b.txt');
    await until('the repository rescan', async () => (await http(httpPort, '/b.txt')).status === 503);
    put(mirrorRoot, 'b.txt');
    await until('the next mirror scan', () => redirected('/b.txt'));
  });
});
