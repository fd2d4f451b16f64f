// Who does the background work: the nodes of a cluster announce themselves, share out the per-mirror work and take
// leases for work that must run once at a time. A lone node (SQLite store) owns everything and needs no lease.

export interface NodeInfo {
  name: string;
  host: string;
  pid: number;
  version: string;
  /** Unix ms. */
  startedAt: number;
  /** Unix ms of the node's last announcement. */
  lastSeen: number;
  /** The redirector's and the admin API's addresses. */
  http: string;
  admin: string;
}

/** The holder `exclusive` reports when the lease could not even be asked for. */
export const UNREACHABLE = 'unreachable';

/** The key whose owner runs the periodic repository refresh; mirror ids start at 1, so no mirror shares it. */
export const REPOSITORY_KEY = 0;

export type Exclusive<T> = { ran: true; value: T } | { ran: false; holder: string };

export interface Coordinator {
  /** False for the single-node (SQLite) coordinator. */
  readonly shared: boolean;
  /** This node's name. */
  readonly self: string;
  /** Announces the node now and at every heartbeat; `info` is read each time, so addresses may be filled in later. */
  start(info: () => Omit<NodeInfo, 'lastSeen'>): void;
  /** Withdraws the announcement and releases the leases held. */
  stop(): Promise<void>;
  /** The live nodes, sorted by name. Rejects when they cannot be read. */
  nodes(): Promise<NodeInfo[]>;
  /**
   * Whether per-mirror work on `key` is this node's share, by the last known live nodes: true for every key when the
   * node is alone or no list was ever read. Never waits, never throws: it runs in the checkers' ticks.
   */
  owns(key: number): boolean;
  /**
   * Runs `work` under the cluster-wide lease `name` (expiring after `ttlMs`, renewed while `work` runs, released
   * after), or reports who holds it: another node's name, or UNREACHABLE when the lease could not be asked for.
   */
  exclusive<T>(name: string, ttlMs: number, work: () => Promise<T>): Promise<Exclusive<T>>;
  /** The node holding the lease `name`, undefined when it is free. Rejects when it cannot be read. */
  holder(name: string): Promise<string | undefined>;
}

/**
 * The coordinator of a node on its own: it owns every key, and runs exclusive work at once (the callers' own guards
 * already keep work single within one process).
 */
export class SoleCoordinator implements Coordinator {
  readonly shared = false;
  private info: (() => Omit<NodeInfo, 'lastSeen'>) | undefined;

  constructor(readonly self: string) {}

  start(info: () => Omit<NodeInfo, 'lastSeen'>): void {
    this.info = info;
  }

  async stop(): Promise<void> {
    this.info = undefined;
  }

  async nodes(): Promise<NodeInfo[]> {
    return this.info ? [{ ...this.info(), lastSeen: Date.now() }] : [];
  }

  owns(_key: number): boolean {
    return true;
  }

  async exclusive<T>(_name: string, _ttlMs: number, work: () => Promise<T>): Promise<Exclusive<T>> {
    return { ran: true, value: await work() };
  }

  async holder(_name: string): Promise<string | undefined> {
    return undefined;
  }
}
