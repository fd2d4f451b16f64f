// `signpost nodes`: the daemons sharing the store (one, with SQLite), as the daemon the CLI talks to sees them.
import type { NodeInfo } from '../cluster/coordinator.js';
import { call } from './client.js';
import type { Connection } from './client.js';

export interface NodesAnswer {
  self: string;
  shared: boolean;
  nodes: NodeInfo[];
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const ago = (ms: number, now: number): string => `${Math.max(0, Math.round((now - ms) / 1000))}s ago`;

export const listNodes = async (conn: Connection, json: boolean): Promise<void> => {
  const answer = await call<NodesAnswer>(conn, 'GET', '/api/nodes');
  if (json) {
    process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    return;
  }
  const now = Date.now();
  const header = ['', 'NAME', 'HOST', 'PID', 'VERSION', 'STARTED', 'LAST SEEN'];
  // `*` marks the node that answered: the one whose admin API the CLI reached.
  const rows = answer.nodes.map((n) => [n.name === answer.self ? '*' : '', n.name, n.host, String(n.pid), n.version, iso(n.startedAt), ago(n.lastSeen, now)]);
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const table = all.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
  const note = answer.shared ? `${rows.length} node(s) sharing the Redis store` : 'single node (SQLite store): no cluster';
  process.stdout.write(`${[...table, note].join('\n')}\n`);
};
