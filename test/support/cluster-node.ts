// A cluster node in a process of its own, for tests that need one to die without a word (SIGKILL): it joins the
// cluster on the Redis at argv[2] as argv[3] and, given a lease name argv[4] and a ttl argv[5], takes that lease with
// work that never ends, printing "leased" once it holds it.
import { RedisCoordinator } from '../../src/cluster/redis-coordinator.js';

const [address = '', name = '', lease, ttl] = process.argv.slice(2);
const log = (message: string): void => void process.stderr.write(`${message}\n`);
const coordinator = await RedisCoordinator.open({ address, password: '', db: 0, sentinelMasterName: '', sentinels: [] }, name, log);
coordinator.start(() => ({ name, host: 'child', pid: process.pid, version: 'test', startedAt: Date.now(), http: '', admin: '' }));
// The coordinator's timers do not hold a process open; this one does, until the test kills it.
setInterval(() => undefined, 60_000);
if (lease !== undefined) {
  const held = await coordinator.exclusive(lease, Number(ttl), () => {
    process.stdout.write('leased\n');
    return new Promise<never>(() => undefined);
  });
  if (!held.ran) log(`lease ${lease} is held by ${held.holder}`);
}
