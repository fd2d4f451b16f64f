// `signpost demo`: a sample repository, demo mirrors on loopback, an embedded store; registers, scans, serves, prints curl lines.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, stderrLog } from '../daemon.js';
import { buildMirrorTree, DEMO_MIRRORS, SAMPLE_FILES, writeTree } from '../demo/sample.js';
import { startMirrorServer } from '../demo/mirror-server.js';
import type { MirrorServer } from '../demo/mirror-server.js';
import { call, CliError } from './client.js';
import { serveUntilSignal } from './daemon.js';

/** Addresses the bundled GeoIP data places in different countries, used to show different clients. */
const SAMPLE_CLIENTS = ['90.84.12.34', '8.8.8.8', '133.11.0.1', '200.147.67.142', '194.25.0.60'];

export const runDemo = async (portText: string | undefined): Promise<number> => {
  const port = portText === undefined ? 8080 : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`demo: --port expects a port number, got "${portText}"`, 2);
  const dir = mkdtempSync(join(tmpdir(), 'signpost-demo-'));
  const repo = join(dir, 'repo');
  writeTree(repo, SAMPLE_FILES);
  const servers: MirrorServer[] = [];
  const cleanup = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const mirror of DEMO_MIRRORS) {
      const root = join(dir, 'mirrors', mirror.name);
      buildMirrorTree(repo, root, mirror);
      servers.push(await startMirrorServer(root));
    }
    const config = join(dir, 'signpost.yaml');
    writeFileSync(
      config,
      [
        `Repository: ${repo}`,
        `DatabasePath: ${join(dir, 'signpost.db')}`,
        `ListenAddress: 127.0.0.1:${port}`,
        'AdminListenAddress: 127.0.0.1:0',
        'RepositoryScanInterval: 0',
        'ScanInterval: 1h',
        'Hashes: {SHA256: true, MD5: true}',
        '',
      ].join('\n'),
    );
    const daemon = await Daemon.start({ config });
    const conn = { base: `http://${daemon.addresses.admin}`, token: '' };
    await call(conn, 'POST', '/api/refresh', {});
    for (const [i, mirror] of DEMO_MIRRORS.entries()) {
      await call(conn, 'POST', '/api/mirrors', {
        name: mirror.name,
        httpURL: servers[i]!.url,
        countryCodes: mirror.country,
        latitude: mirror.latitude,
        longitude: mirror.longitude,
        asnum: 64512 + i,
        sponsorName: `Demo mirror ${mirror.name} (${mirror.kind})`,
      });
      await call(conn, 'POST', `/api/mirrors/${mirror.name}/scan`, { enable: true });
    }
    const base = `http://${daemon.addresses.http}`;
    const lines = [
      '',
      `Signpost demo is serving on ${base} (admin API on http://${daemon.addresses.admin}); data in ${dir}.`,
      `Mirrors: ${DEMO_MIRRORS.map((m, i) => `${m.name} (${m.country}, ${m.kind}) ${servers[i]!.url}`).join('\n         ')}`,
      '',
      'Clients from different countries (X-Forwarded-For is believed from loopback) go to different mirrors:',
      ...SAMPLE_CLIENTS.map((ip) => {
        const where = daemon.runtime.geo.lookup(ip);
        return `  curl -sI -H 'X-Forwarded-For: ${ip}' ${base}/releases/2.0/tool-2.0.tar.gz | grep -i '^location'   # ${where.countryCode || '??'} ${where.city}`;
      }),
      '',
      'The JSON answer, the mirror list page and a checksum:',
      `  curl -s -H 'Accept: application/json' '${base}/iso/demo-os-2.0-amd64.iso?fromip=${SAMPLE_CLIENTS[0]}&pretty'`,
      `  curl -s '${base}/releases/2.0/tool-2.0.tar.gz?mirrorlist&fromip=${SAMPLE_CLIENTS[1]}'`,
      `  curl -s '${base}/releases/2.0/tool-2.0.tar.gz?sha256'`,
      '',
      `The CLI talks to this demo with: signpost list --admin http://${daemon.addresses.admin}`,
      'Stop with Ctrl-C.',
      '',
    ];
    stderrLog(lines.join('\n'));
    return await serveUntilSignal(daemon, cleanup);
  } catch (error) {
    await cleanup();
    throw error;
  }
};
