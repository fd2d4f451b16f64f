// `signpost nodes` and GET /api/nodes on a single daemon with the SQLite store: one node, this one, not shared.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { NodesAnswer } from '../src/cli/nodes.js';
import { VERSION } from '../src/version.js';
import { freePort } from './support/net.js';
import { tempDir } from './support/paths.js';
import { baseConfig, cli, http, startSignpost } from './support/signpost.js';
import type { RunningSignpost } from './support/signpost.js';

describe('signpost nodes (SQLite store)', { timeout: 60_000 }, () => {
  const tmp = tempDir('signpost-nodes-');
  let daemon: RunningSignpost;
  let httpPort = 0;
  let adminPort = 0;
  let config = '';

  before(async () => {
    const repo = join(tmp.path, 'repo');
    mkdirSync(repo);
    writeFileSync(join(repo, 'a.txt'), 'a\n');
    httpPort = await freePort();
    adminPort = await freePort();
    config = join(tmp.path, 'signpost.yaml');
    writeFileSync(config, [...baseConfig({ repo, db: join(tmp.path, 'signpost.db'), httpPort, adminPort }), 'Workers: 1', ''].join('\n'));
    daemon = await startSignpost(config, adminPort);
  });

  after(async () => {
    await daemon?.stop();
    tmp.remove();
  });

  it('lists the one node, named after its host and admin port, as JSON', async () => {
    const r = await cli(['nodes', '--json', '--config', config]);
    assert.equal(r.code, 0, r.stderr);
    const answer = JSON.parse(r.stdout) as NodesAnswer;
    const self = `${hostname()}:${adminPort}`;
    assert.equal(answer.self, self);
    assert.equal(answer.shared, false);
    assert.equal(answer.nodes.length, 1);
    const [node] = answer.nodes;
    assert.deepEqual(
      { ...node, startedAt: 0, lastSeen: 0 },
      { name: self, host: hostname(), pid: daemon.child.pid, version: VERSION, startedAt: 0, lastSeen: 0, http: `127.0.0.1:${httpPort}`, admin: `127.0.0.1:${adminPort}` },
    );
    assert.ok(node!.startedAt <= node!.lastSeen && node!.lastSeen <= Date.now());
  });

  it('prints a table marking the node that answered', async () => {
    const r = await cli(['nodes', '--config', config]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^\s+NAME\s+HOST\s+PID\s+VERSION\s+STARTED\s+LAST SEEN$/);
    assert.match(lines[1]!, new RegExp(`^\\*  ${hostname()}:${adminPort}\\s+${hostname()}\\s+${daemon.child.pid}\\s+${VERSION.replace(/\./g, '\\.')}\\s+\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\s+\\d+s ago$`));
    assert.equal(lines[2], 'single node (SQLite store): no cluster');
    assert.equal(lines.length, 3);
  });

  it('answers GET /api/nodes on the admin API', async () => {
    const r = await http(adminPort, '/api/nodes');
    assert.equal(r.status, 200);
    const answer = JSON.parse(r.body) as NodesAnswer;
    assert.equal(answer.self, `${hostname()}:${adminPort}`);
    assert.equal(answer.shared, false);
    assert.deepEqual(answer.nodes.map((n) => n.name), [answer.self]);
  });

  it('refuses arguments', async () => {
    const r = await cli(['nodes', 'extra', '--config', config]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^signpost: nodes: takes no arguments/);
  });
});
