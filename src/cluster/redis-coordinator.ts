// The coordinator of a cluster sharing one Redis: each node announces itself every HEARTBEAT_MS under a key that
// expires after NODE_EXPIRY_MS, so a node that dies drops out by itself; leases are keys set only if absent, with an
// expiry, renewed and released by scripts that check the holder's token.
//
// Keys (next to the store's, under the same prefix):
//   nodes            set      names of the nodes that announced themselves (pruned of those whose key expired)
//   node:<name>      string   JSON NodeInfo, expiring NODE_EXPIRY_MS after the node's last heartbeat
//   lease:<name>     string   "<node> <random>", the token of the lease's holder, expiring unless renewed
//
// While Redis cannot be reached nothing here throws into the callers' loops: owns() answers from the last known
// nodes, so every mirror keeps being checked by someone; exclusive() does not run work it could not lock (reporting
// UNREACHABLE), so no scan or refresh runs twice. The outage is logged once, and its end once.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { connect, describeTarget, redisError } from '../store/redis/connection.js';
import type { RedisTarget } from '../store/redis/connection.js';
import { UNREACHABLE } from './coordinator.js';
import type { Coordinator, Exclusive, NodeInfo } from './coordinator.js';
import { ownerOf } from './partition.js';

export const HEARTBEAT_MS = 2000;
export const NODE_EXPIRY_MS = 6000;

const PREFIX = 'signpost:';
const NODES = `${PREFIX}nodes`;
const NODE = `${PREFIX}node:`;
const LEASE = `${PREFIX}lease:`;

/** KEYS: the set of names. ARGV: the node key prefix. Returns the JSON of every live node, dropping expired names. */
const LIST = `
local live = {}
for _, name in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local info = redis.call('GET', ARGV[1] .. name)
  if info then live[#live + 1] = info else redis.call('SREM', KEYS[1], name) end
end
return live`;

/** KEYS: the set of names, this node's key. ARGV: the node key prefix, JSON, expiry ms, name. Then lists, as LIST. */
const ANNOUNCE = `
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('SADD', KEYS[1], ARGV[4])
${LIST}`;

/** KEYS: the lease. ARGV: token, ttl ms. Returns the holder's token: ours when the lease was free. */
const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return ARGV[1] end
return redis.call('GET', KEYS[1])`;

/** KEYS: the lease. ARGV: token, ttl ms. 1 when still ours and extended, else 0. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/** KEYS: the lease. ARGV: token. Deletes it only if it is still ours (it may have expired and gone to another node). */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** A token is "<node name> <random>"; names have no spaces (NodeName's rule, and host names'). */
const holderOf = (token: string): string => token.slice(0, token.lastIndexOf(' '));

const byName = (a: NodeInfo, b: NodeInfo): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The nodes in a LIST reply; an entry that is not a node's JSON (written by something else) is left out. */
const parseNodes = (reply: unknown): NodeInfo[] => {
  const nodes: NodeInfo[] = [];
  for (const text of Array.isArray(reply) ? reply : []) {
    try {
      const node = JSON.parse(String(text)) as NodeInfo;
      if (typeof node.name === 'string') nodes.push(node);
    } catch {
      // not ours
    }
  }
  return nodes.sort(byName);
};

type Log = (message: string) => void;

interface HeldLease {
  token: string;
  renewal: NodeJS.Timeout;
}

export class RedisCoordinator implements Coordinator {
  readonly shared = true;
  /** Names of the live nodes at the last successful heartbeat (or listing), sorted; [] until one succeeded. */
  private live: string[] = [];
  private info: (() => Omit<NodeInfo, 'lastSeen'>) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private readonly held = new Map<string, HeldLease>();
  private outage = false;
  private stopped = false;

  private constructor(
    private readonly client: Redis,
    readonly self: string,
    private readonly where: string,
    private readonly log: Log,
  ) {}

  /** Connects (failing when Redis cannot be reached now) and reads who is there, so that owns() is right at once. */
  static async open(target: RedisTarget, self: string, log: Log): Promise<RedisCoordinator> {
    const client = await connect(target, 'cluster', log);
    const coordinator = new RedisCoordinator(client, self, describeTarget(target), log);
    try {
      coordinator.see((await coordinator.nodes()).map((n) => n.name));
    } catch {
      // the first heartbeat will tell
    }
    return coordinator;
  }

  start(info: () => Omit<NodeInfo, 'lastSeen'>): void {
    this.info = info;
    this.timer = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.timer.unref();
    this.beat();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await this.beating;
    const leases = [...this.held];
    this.held.clear();
    try {
      // Best effort: what is not withdrawn now expires by itself.
      await Promise.all([
        this.info && this.client.multi().del(NODE + this.self).srem(NODES, this.self).exec(),
        ...leases.map(([key, lease]) => {
          clearInterval(lease.renewal);
          return this.client.eval(RELEASE, 1, key, lease.token);
        }),
      ]);
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  async nodes(): Promise<NodeInfo[]> {
    try {
      return parseNodes(await this.client.eval(LIST, 1, NODES, NODE));
    } catch (error) {
      throw redisError(`${this.where}: cannot list the cluster's nodes`, error);
    }
  }

  owns(key: number): boolean {
    return this.live.length === 0 || ownerOf(key, this.live) === this.self;
  }

  async exclusive<T>(name: string, ttlMs: number, work: () => Promise<T>): Promise<Exclusive<T>> {
    const key = LEASE + name;
    const token = `${this.self} ${randomUUID()}`;
    let current: unknown;
    try {
      current = await this.client.eval(ACQUIRE, 1, key, token, ttlMs);
      this.reachable();
    } catch (error) {
      this.unreachable(error);
      return { ran: false, holder: UNREACHABLE };
    }
    if (current !== token) return { ran: false, holder: typeof current === 'string' ? holderOf(current) : UNREACHABLE };
    this.held.set(key, { token, renewal: this.renewal(name, key, token, ttlMs) });
    try {
      return { ran: true, value: await work() };
    } finally {
      await this.release(key, token);
    }
  }

  async holder(name: string): Promise<string | undefined> {
    try {
      const token = await this.client.get(LEASE + name);
      return token === null ? undefined : holderOf(token);
    } catch (error) {
      throw redisError(`${this.where}: cannot read the lease "${name}"`, error);
    }
  }

  /** One heartbeat at a time: a slow Redis delays the next one rather than piling them up. */
  private beat(): void {
    if (this.beating || this.stopped || !this.info) return;
    const info = { ...this.info(), name: this.self, lastSeen: Date.now() };
    this.beating = this.client
      .eval(ANNOUNCE, 2, NODES, NODE + this.self, NODE, JSON.stringify(info), NODE_EXPIRY_MS, this.self)
      .then(
        (reply) => {
          this.see(parseNodes(reply).map((n) => n.name));
          this.reachable();
        },
        (error: unknown) => this.unreachable(error),
      )
      .finally(() => {
        this.beating = undefined;
      });
  }

  private see(names: string[]): void {
    // This node counts even before its first announcement landed: it is about to.
    this.live = [...new Set([...names, this.self])].sort();
  }

  /** Keeps the lease while its work runs; one renewal at a time, a third of the ttl apart. */
  private renewal(name: string, key: string, token: string, ttlMs: number): NodeJS.Timeout {
    let renewing = false;
    const timer = setInterval(() => {
      if (renewing) return;
      renewing = true;
      this.client
        .eval(RENEW, 1, key, token, ttlMs)
        .then(
          (kept) => {
            this.reachable();
            if (kept === 1) return;
            // It expired (a long outage, a stalled process) and may be another node's by now: say so once.
            clearInterval(timer);
            this.log(`[cluster] lost the lease "${name}" while its work was running; another node may be doing the same work`);
          },
          (error: unknown) => this.unreachable(error),
        )
        .finally(() => {
          renewing = false;
        });
    }, Math.max(1, Math.floor(ttlMs / 3)));
    timer.unref();
    return timer;
  }

  private async release(key: string, token: string): Promise<void> {
    const lease = this.held.get(key);
    if (lease?.token !== token) return; // released by stop()
    clearInterval(lease.renewal);
    this.held.delete(key);
    try {
      await this.client.eval(RELEASE, 1, key, token);
    } catch (error) {
      this.unreachable(error); // the lease expires by itself
    }
  }

  private unreachable(error: unknown): void {
    if (this.outage || this.stopped) return;
    this.outage = true;
    const known = this.live.length === 0 ? 'this node alone' : `the last known ${this.live.length} node(s)`;
    this.log(
      `[cluster] ${redisError(this.where, error).message}; until it answers, scans and repository refreshes wait, and health checks go on shared among ${known}`,
    );
  }

  private reachable(): void {
    if (!this.outage || this.stopped) return;
    this.outage = false;
    this.log(`[cluster] ${this.where} answers again; ${this.live.length} node(s) live`);
  }
}
